/**
 * Which key a secret path holds, told from the non-secret parts of the store only: the record beside
 * the secret (which key, which version of the secret it was written as) and the secret's version now
 * (see `SecretStoreBackend.secretVersion`). No value is read, so a plan needs no identity, and a
 * value someone else wrote, or one that never replaced the old, shows as such.
 */
import { createHash } from "crypto";
import type { KeyRecord, SecretStoreBackend } from "../stores/types";

/**
 * `sha256:` and the first 16 hex digits of the value's sha256: names a key's value in its record
 * without revealing it (a key is high-entropy, so its hash tells nothing of it).
 */
export function valueFingerprint(value: string): string {
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex").slice(0, 16)}`;
}

/**
 * The record of what the secret holds, given its version now: a final record as it is; a pending one
 * (a create wrote it before the secret) names the secret's key once its version is the pending one's,
 * else the secret still holds what its `previous` names (undefined: nothing of ours).
 */
export function heldRecord(record: KeyRecord, version: string | undefined): KeyRecord | undefined {
  if (!record.pending) return record;
  return version !== undefined && version === record.secretVersion ? record : record.previous;
}

/** The record without the marks of an unfinished create. */
export function withoutPending(record: KeyRecord): KeyRecord {
  const { pending, previous, ...rest } = record;
  return rest;
}

/**
 * What the store holds for key `keyId` at `secretPath`: `present` (its secret, as its record wrote
 * it), `missing` (no secret, or no record of ours), `other_key` (the record names another key) or
 * `changed` (the record names this key, but the secret's version is not the one written with it: a
 * value someone else wrote, or an old one put back). Records without a version (written before
 * versions were kept) are not checked for `changed`.
 */
export async function storedKeyState(
  store: SecretStoreBackend,
  secretPath: string,
  keyId: string,
  /** Receives the record of what the secret holds, when there is one. */
  found: { record?: KeyRecord } = {},
): Promise<"present" | "missing" | "other_key" | "changed"> {
  const record = await store.readKeyRecord(secretPath);
  const version = await store.secretVersion(secretPath);
  if (version === undefined) return "missing";
  const held = record && heldRecord(record, version);
  found.record = held;
  if (!held) return "missing";
  if (held.keyId !== keyId) return "other_key";
  if (held.secretVersion !== undefined && held.secretVersion !== version) return "changed";
  return "present";
}
