/**
 * What the hooks keep in a secret store. Records are plain and non-secret; the payload is encrypted.
 */
import type { ApiSpec } from "../spec";

/** The non-secret record kept beside each secret. */
export interface KeyRecord {
  /** Stack name + construct path of the ApiKey that wrote it. */
  readonly address: string;
  /** The stack identity that owns the path (src/lifecycle/ownership.ts); absent on earlier records and the hook engine's. */
  readonly owner?: string;
  /** The Terraform resource instance (`self.id`) that wrote it. */
  readonly instanceId: string;
  readonly keyId: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /**
   * Written false by the provider engine's create. No longer read: a create tells the key the state
   * holds by the plan's word (the key it replaces), since a refresh writes nothing. Absent on records
   * written by the hook engine.
   */
  readonly confirmed?: boolean;
  /**
   * How many keys this secret path has held, this one included: the previous record's plus one, 1 at
   * an empty path. Absent on records written before generations (they count as 1) and by the hook engine.
   */
  readonly generation?: number;
  /**
   * The store's non-secret version of the secret this record's key was written as (age: sha256 of the
   * `.age` file; Vault: the KV v2 version number; Secrets Manager: the VersionId): a refresh compares it
   * with {@link SecretStoreBackend.secretVersion} to tell that the secret still holds this key. Absent on
   * records written before versions were kept: those are not checked.
   */
  readonly secretVersion?: string;
  /** `sha256:` and the first 16 hex digits of the sha256 of the key's value: checked wherever the value is decrypted anyway. */
  readonly fingerprint?: string;
  /**
   * True while the create that wrote this record has not finished: the secret holds this key only if
   * its version is `secretVersion` (the create's write landed); otherwise it still holds what
   * `previous` names.
   */
  readonly pending?: boolean;
  /** On a pending record: the record the path held before (undefined: none), so its key is never forgotten. */
  readonly previous?: KeyRecord;
}

/**
 * Written before a key is minted and removed once its value is stored (or the attempt is known to have
 * failed cleanly). One left behind means an attempt ended in an unclear way (crash, kill, timeout, a
 * 5xx after the server acted): the next create at the same path resolves it before minting again.
 */
export interface MintIntent {
  readonly address: string;
  /** The stack identity minting (absent on earlier intents). */
  readonly owner?: string;
  readonly serviceAccountId: string;
  /** The declared name; the key is minted as `<name> #<tag>` (absent on earlier intents, found by name and time). */
  readonly name: string;
  readonly tag?: string;
  /** RFC 3339, taken just before the create call. */
  readonly startedAt: string;
}

/** The non-secret record of a service account created by a stack. */
export interface AccountRecord {
  readonly address: string;
  /** The stack identity that created the account (absent on earlier records). */
  readonly owner?: string;
  /** A hash of what the account was created with (name, description, roles): a create adopts it only if they still match. */
  readonly specHash?: string;
  readonly instanceId: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly createdAt: string;
}

/**
 * A replaced key whose revocation waits until `dueAt` (`overlapMinutes`), so running consumers can
 * re-read the secret first. Kept in the store beside the secrets: whichever run reaches the store once
 * it is due (a provider run, `revoke-due`) carries it out, and `status` lists it until then.
 */
export interface PendingRevocation {
  readonly keyId: string;
  readonly serviceAccountId: string;
  /** Which API to revoke it with; `api.tokenEnv` names the admin token's variable. */
  readonly api: ApiSpec;
  /** The construct whose key was replaced (`<stack>/<path>`). */
  readonly address: string;
  readonly secretPath: string;
  readonly name: string;
  /** RFC 3339: revoke at or after this time. */
  readonly dueAt: string;
  /** RFC 3339: when the replacement put the revocation off. */
  readonly recordedAt: string;
}

/** The encrypted payload. `value` is the plaintext key. */
export interface SecretPayload {
  readonly value: string;
  readonly keyId: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

/** A secret encrypted and ready to be written, with the version the store will report once it is. */
export interface PreparedSecret {
  /** What {@link SecretStoreBackend.secretVersion} returns once `write` has landed (and nothing wrote since). */
  readonly version: string;
  /** Writes it, atomically; fails (nothing overwritten) when the path changed since it was prepared. */
  write(): Promise<void>;
}

/** A secret store as the hook program and the `get` command use it. */
export interface SecretStoreBackend {
  /** Encrypts and writes the payload at `secretPath`, atomically. Needs only the public recipient. */
  writeSecret(secretPath: string, payload: SecretPayload): Promise<void>;
  /**
   * Encrypts the payload for `secretPath` and tells the version it will have, without writing it: a
   * record naming that version can be written first. Needs only the public recipient.
   */
  prepareSecret(secretPath: string, payload: SecretPayload): Promise<PreparedSecret>;
  /**
   * The non-secret version of what is stored at `secretPath` now, or undefined when no secret is
   * there; needs no identity and reads no value (age: sha256 of the file's bytes; Vault: the current
   * version's number; Secrets Manager: the AWSCURRENT VersionId).
   */
  secretVersion(secretPath: string): Promise<string | undefined>;
  /** Decrypts the payload at `secretPath`. Needs the identity (private key). */
  readSecret(secretPath: string): Promise<SecretPayload>;
  /** Removes the secret; no error when it is already gone. */
  deleteSecret(secretPath: string): Promise<void>;
  readKeyRecord(secretPath: string): Promise<KeyRecord | undefined>;
  writeKeyRecord(secretPath: string, record: KeyRecord): Promise<void>;
  deleteKeyRecord(secretPath: string): Promise<void>;
  /** True when a secret is stored at `secretPath` (needs no identity). */
  hasSecret(secretPath: string): Promise<boolean>;
  readMintIntent(secretPath: string): Promise<MintIntent | undefined>;
  writeMintIntent(secretPath: string, intent: MintIntent): Promise<void>;
  deleteMintIntent(secretPath: string): Promise<void>;
  readAccountRecord(address: string): Promise<AccountRecord | undefined>;
  writeAccountRecord(record: AccountRecord): Promise<void>;
  deleteAccountRecord(address: string): Promise<void>;
  /** Every key record in the store with its secret path, sorted by secret path. */
  listKeyRecords(): Promise<StoredKeyRecord[]>;
  /** Records (or replaces) the pending revocation of `revocation.keyId`. */
  writePendingRevocation(revocation: PendingRevocation): Promise<void>;
  /** Every pending revocation in the store, earliest due first. */
  listPendingRevocations(): Promise<PendingRevocation[]>;
  /** Forgets the pending revocation of `keyId` (once carried out); no error when there is none. */
  deletePendingRevocation(keyId: string): Promise<void>;
}

/** A key record and the secret path it sits at, as {@link SecretStoreBackend.listKeyRecords} returns them. */
export interface StoredKeyRecord {
  readonly secretPath: string;
  readonly record: KeyRecord;
}
