/**
 * What every store checks when it reads a {@link PendingRevocation} back, and the order it lists them in.
 */
import type { PendingRevocation } from "./types";

/** The string fields every pending revocation has (`api` is checked apart: it is an object). */
export const PENDING_REVOCATION_FIELDS = ["keyId", "serviceAccountId", "address", "secretPath", "name", "dueAt", "recordedAt"] as const;

/** True when `value` has the shape of a pending revocation, with an API to revoke it through. */
export function isPendingRevocation(value: unknown): value is PendingRevocation {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (!PENDING_REVOCATION_FIELDS.every((f) => typeof v[f] === "string")) return false;
  const api = v.api as Record<string, unknown> | null | undefined;
  return typeof api === "object" && api !== null && ["kind", "baseUrl", "tokenEnv"].every((f) => typeof api[f] === "string");
}

/** Earliest due first; ties by key id, so listings are stable. */
export function sortByDue(list: PendingRevocation[]): PendingRevocation[] {
  return list.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
}
