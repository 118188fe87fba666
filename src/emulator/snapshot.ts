/**
 * What every emulator's `inspect()` reports, whatever its API's own shapes: enough for tests and the
 * demo to check what exists, never a plaintext key nor its hash. Emulators may add fields.
 */
export interface SnapshotServiceAccount {
  readonly id: string;
  readonly name: string;
  /** RFC 3339 when deleted, else null. */
  readonly deletedAt: string | null;
}

export interface SnapshotApiKey {
  readonly id: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly status: "active" | "revoked" | "expired";
}

export interface EmulatorSnapshot {
  readonly serviceAccounts: readonly SnapshotServiceAccount[];
  readonly apiKeys: readonly SnapshotApiKey[];
}
