/**
 * age-encryption, loaded on first use: only creating, reading and writing secrets need it, and most
 * hook runs (accounts, destroys) never do. Every hook is a node process, so its start-up is the hot path.
 */
export function loadAge(): Promise<typeof import("age-encryption")> {
  return import("age-encryption");
}
