/**
 * The encrypted file store: one age-encrypted file per secret under a directory, readable with the
 * `age` CLI. Layout under the directory:
 *
 * - `<secretPath>.age`: the secret, the JSON of its {@link SecretPayload} encrypted to one recipient
 * - `<secretPath>.json`: its non-secret {@link KeyRecord}, pretty JSON
 * - `.accounts/<encodeURIComponent(address)>.json`: each service account's {@link AccountRecord}
 * - `.intents/<encodeURIComponent(secretPath)>.json`: a {@link MintIntent} while a key is being minted
 * - `.revocations/<encodeURIComponent(keyId)>.json`: a {@link PendingRevocation} until it is carried out
 *
 * Files are 0600 and directories 0700 whatever the umask. Every write goes to a temp file in the same
 * directory, is synced, then renamed into place, so no reader ever sees a partial file. Deletes are
 * idempotent and remove the directories they leave empty, never the store directory itself.
 */
import { createHash } from "crypto";
import { promises as fsp } from "fs";
import * as path from "path";
import { identityProblem, recipientProblem } from "./age-identity";
import { loadAge } from "./load-age";
import { isPendingRevocation, sortByDue } from "./pending-revocation";
import { describeFileError, writePrivateTempFile } from "./private-file";
import { validateSecretPath } from "./secret-path";
import type { AccountRecord, KeyRecord, MintIntent, PendingRevocation, PreparedSecret, SecretPayload, SecretStoreBackend, StoredKeyRecord } from "./types";

/** How to open an {@link AgeFileStore}. */
export interface AgeFileStoreOptions {
  /** Absolute path of the store directory. Created (mode 0700) on the first write. */
  readonly directory: string;
  /**
   * The age recipient (public key, `age1...`) every secret is encrypted to.
   * @default none: reading works, writing a secret fails
   */
  readonly recipient?: string;
  /**
   * The age identity (private key, `AGE-SECRET-KEY-...`) that decrypts the secrets.
   * @default none: writing works, reading a secret fails
   */
  readonly identity?: string;
}

export type { StoredKeyRecord } from "./types";

/** A store failure explained in its message. Messages name paths, never a secret or a private key. */
export class AgeFileStoreError extends Error {
  /**
   * @param code the errno (`EPERM`, `ENOSPC`...) when the file system refused an operation
   */
  constructor(
    message: string,
    public readonly code?: string,
  ) {
    super(message);
    this.name = "AgeFileStoreError";
  }
}

const SECRET_SUFFIX = ".age";
const RECORD_SUFFIX = ".json";
const ACCOUNTS_DIR = ".accounts";
const INTENTS_DIR = ".intents";
const REVOCATIONS_DIR = ".revocations";

/** A {@link SecretStoreBackend} keeping age-encrypted files under one directory. */
export class AgeFileStore implements SecretStoreBackend {
  /** The absolute store directory. */
  public readonly directory: string;
  readonly #recipient?: string;
  readonly #identity?: string;

  constructor(options: AgeFileStoreOptions) {
    const { directory, recipient, identity } = options ?? ({} as AgeFileStoreOptions);
    if (typeof directory !== "string" || !path.isAbsolute(directory)) {
      throw new AgeFileStoreError(
        `AgeFileStore: \`directory\` must be an absolute path (got ${show(directory)}). ` +
          "Resolve it first, e.g. path.resolve(projectDir, \"secrets\").",
      );
    }
    const recipientIssue = recipient === undefined ? undefined : recipientProblem(recipient);
    if (recipientIssue?.kind === "checksum") {
      throw new AgeFileStoreError(`AgeFileStore: \`recipient\` ${show(recipient)} is not a valid age recipient: ${recipientIssue.detail}.`);
    }
    if (recipientIssue) {
      throw new AgeFileStoreError(
        `AgeFileStore: \`recipient\` must be a native X25519 age recipient, "age1" followed by 58 characters ` +
          `(got ${show(recipient)}). Read it with readRecipient(file), or print it with \`age-keygen -y identity.txt\`.`,
      );
    }
    const identityIssue = identity === undefined ? undefined : identityProblem(identity);
    if (identityIssue?.kind === "checksum") {
      // Never echo the value: it is a private key with a typo.
      throw new AgeFileStoreError(`AgeFileStore: \`identity\` is not a valid age identity: ${identityIssue.detail}. Read it with readIdentity(file).`);
    }
    if (identityIssue) {
      // Never echo the value: it may be a private key with a typo.
      throw new AgeFileStoreError(
        "AgeFileStore: `identity` must be a native X25519 age identity, \"AGE-SECRET-KEY-\" followed by 59 characters " +
          "(the value given is not). Read it from the identity file with readIdentity(file).",
      );
    }
    this.directory = path.resolve(directory);
    this.#recipient = recipient;
    this.#identity = identity;
  }

  /** Encrypts the payload to the recipient and writes it to `<secretPath>.age`, atomically. */
  public async writeSecret(secretPath: string, payload: SecretPayload): Promise<void> {
    await (await this.prepareSecret(secretPath, payload)).write();
  }

  /** Encrypts the payload to the recipient; its version is the sha256 of the ciphertext `write` puts in `<secretPath>.age`. */
  public async prepareSecret(secretPath: string, payload: SecretPayload): Promise<PreparedSecret> {
    const file = this.secretFile(secretPath);
    if (this.#recipient === undefined) {
      throw new AgeFileStoreError(
        `cannot write the secret at secretPath ${JSON.stringify(secretPath)}: this store was opened without a recipient ` +
          "(public key) to encrypt to. Pass `recipient` (an age1... key, see readRecipient()) to AgeFileStore; stacks " +
          "take it from SecretStore.ageFile({ recipientFile }).",
      );
    }
    let ciphertext: Uint8Array;
    try {
      const { Encrypter } = await loadAge();
      const encrypter = new Encrypter();
      encrypter.addRecipient(this.#recipient);
      ciphertext = await encrypter.encrypt(JSON.stringify(payload));
    } catch (e) {
      throw new AgeFileStoreError(
        `cannot encrypt the secret for secretPath ${JSON.stringify(secretPath)} to recipient ${this.#recipient}: ${errorText(e)}`,
      );
    }
    return { version: fileVersion(ciphertext), write: () => this.write(file, ciphertext) };
  }

  /** `sha256:` and the hex sha256 of `<secretPath>.age`'s bytes (ciphertext: no identity needed), or undefined without one. */
  public async secretVersion(secretPath: string): Promise<string | undefined> {
    const file = this.secretFile(secretPath);
    try {
      return fileVersion(await fsp.readFile(file));
    } catch (e) {
      // Nothing, or a folder where the file belongs (as hasSecret says): no secret is stored there.
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR" || errorCode(e) === "EISDIR") return undefined;
      throw new AgeFileStoreError(`cannot read ${file}: ${describeFileError(e)}`, errorCode(e));
    }
  }

  /** Decrypts `<secretPath>.age` with the identity. */
  public async readSecret(secretPath: string): Promise<SecretPayload> {
    const file = this.secretFile(secretPath);
    if (this.#identity === undefined) {
      throw new AgeFileStoreError(
        `cannot read the secret at secretPath ${JSON.stringify(secretPath)}: this store was opened without an identity ` +
          "(private key) to decrypt with. Pass `identity` (the AGE-SECRET-KEY-... line, see readIdentity()) to " +
          "AgeFileStore; with the CLI, pass --identity <file> or set CDKTF_API_KEYS_IDENTITY.",
      );
    }
    let ciphertext: Buffer;
    try {
      ciphertext = await fsp.readFile(file);
    } catch (e) {
      if (errorCode(e) === "ENOENT") {
        throw new AgeFileStoreError(
          `no secret at secretPath ${JSON.stringify(secretPath)} in store directory ${this.directory} (no file ${file}). ` +
            "Check the secretPath and the store directory, and that the stack holding this key was applied.",
        );
      }
      throw new AgeFileStoreError(`cannot read ${file}: ${describeFileError(e)}`, errorCode(e));
    }
    let text: string;
    try {
      const { Decrypter } = await loadAge();
      const decrypter = new Decrypter();
      decrypter.addIdentity(this.#identity);
      text = await decrypter.decrypt(ciphertext, "text");
    } catch (e) {
      throw new AgeFileStoreError(
        `cannot decrypt ${file}: ${errorText(e)}. The identity must be the private key of the recipient the store ` +
          "encrypts to (compare `age-keygen -y <identity file>` with the recipient file); otherwise the file is damaged.",
      );
    }
    const payload = parseJson(text);
    if (!isSecretPayload(payload)) {
      // Never show the decrypted text: it holds the key.
      throw new AgeFileStoreError(`${file} decrypts, but not to a cdktf-api-keys secret (value, keyId, serviceAccountId, name, createdAt, expiresAt).`);
    }
    return payload;
  }

  /** Deletes `<secretPath>.age`; no error when it is already gone. */
  public async deleteSecret(secretPath: string): Promise<void> {
    await this.remove(this.secretFile(secretPath));
  }

  /** The record at `<secretPath>.json`, or `undefined` when there is none. */
  public async readKeyRecord(secretPath: string): Promise<KeyRecord | undefined> {
    return this.readRecord<KeyRecord>(this.recordFile(secretPath), KEY_RECORD_FIELDS);
  }

  /** Writes the record to `<secretPath>.json`, atomically. */
  public async writeKeyRecord(secretPath: string, record: KeyRecord): Promise<void> {
    await this.write(this.recordFile(secretPath), prettyJson(record));
  }

  /** Deletes `<secretPath>.json`; no error when it is already gone. */
  public async deleteKeyRecord(secretPath: string): Promise<void> {
    await this.remove(this.recordFile(secretPath));
  }

  /** The record of the service account at `address`, or `undefined` when there is none. */
  public async readAccountRecord(address: string): Promise<AccountRecord | undefined> {
    return this.readRecord<AccountRecord>(this.accountFile(address), ACCOUNT_RECORD_FIELDS);
  }

  /** Writes the account record to `.accounts/<encodeURIComponent(address)>.json`, atomically. */
  public async writeAccountRecord(record: AccountRecord): Promise<void> {
    await this.write(this.accountFile(record?.address), prettyJson(record));
  }

  /** True when a secret file exists at `secretPath` (no identity needed). */
  public async hasSecret(secretPath: string): Promise<boolean> {
    const file = this.secretFile(secretPath);
    try {
      return (await fsp.stat(file)).isFile();
    } catch (e) {
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return false;
      throw new AgeFileStoreError(`cannot check ${file}: ${describeFileError(e)}`, errorCode(e));
    }
  }

  /** The intent recorded before minting a key for `secretPath`, if an attempt left one (see {@link MintIntent}). */
  public async readMintIntent(secretPath: string): Promise<MintIntent | undefined> {
    return this.readRecord<MintIntent>(this.intentFile(secretPath), MINT_INTENT_FIELDS);
  }

  /**
   * Records the intent, exclusively: it fails with code `EEXIST` when an intent for `secretPath` exists,
   * so two applies can never mint for one path at once (the claim has no check-then-write gap).
   */
  public async writeMintIntent(secretPath: string, intent: MintIntent): Promise<void> {
    const file = this.intentFile(secretPath);
    let temp: string | undefined;
    try {
      temp = await writePrivateTempFile(file, prettyJson(intent));
      await fsp.link(temp, file); // fails if the file exists: an atomic create-if-absent
      await syncDirectory(path.dirname(file));
    } catch (e) {
      if (errorCode(e) === "EEXIST") {
        throw new AgeFileStoreError(
          `another apply is minting a key at secretPath ${JSON.stringify(secretPath)} right now (${file} exists); nothing was minted. ` +
            "Two stacks (or two runs) must not share a secret path: wait for the other run, or give one key another secretPath.",
          "EEXIST",
        );
      }
      throw new AgeFileStoreError(`cannot write ${file}: ${describeFileError(e)}`, errorCode(e));
    } finally {
      if (temp !== undefined) await fsp.rm(temp, { force: true }).catch(() => undefined);
    }
  }

  public async deleteMintIntent(secretPath: string): Promise<void> {
    await this.remove(this.intentFile(secretPath));
  }

  /** Deletes the account record of `address`; no error when it is already gone. */
  public async deleteAccountRecord(address: string): Promise<void> {
    await this.remove(this.accountFile(address));
  }

  /**
   * Every key record in the store with its secret path, sorted by secret path. Hidden entries
   * (`.accounts`, temp files) and files whose names are not valid secret paths are skipped.
   */
  public async listKeyRecords(): Promise<StoredKeyRecord[]> {
    const found: StoredKeyRecord[] = [];
    const walk = async (dir: string, segments: readonly string[]): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (errorCode(e) === "ENOENT") return; // no store yet, or a folder deleted meanwhile
        throw new AgeFileStoreError(`cannot list ${dir}: ${describeFileError(e)}`, errorCode(e));
      }
      for (const entry of entries) {
        if (entry.name.startsWith(".")) continue;
        if (entry.isDirectory()) {
          await walk(path.join(dir, entry.name), [...segments, entry.name]);
        } else if (entry.isFile() && entry.name.endsWith(RECORD_SUFFIX)) {
          const secretPath = [...segments, entry.name.slice(0, -RECORD_SUFFIX.length)].join("/");
          if (validateSecretPath(secretPath) !== undefined) continue;
          const record = await this.readKeyRecord(secretPath);
          if (record) found.push({ secretPath, record });
        }
      }
    };
    await walk(this.directory, []);
    return found.sort((a, b) => (a.secretPath < b.secretPath ? -1 : a.secretPath > b.secretPath ? 1 : 0));
  }

  public async writePendingRevocation(revocation: PendingRevocation): Promise<void> {
    await this.write(this.revocationFile(revocation?.keyId), prettyJson(revocation));
  }

  /** Every `.revocations/*.json`, earliest due first. */
  public async listPendingRevocations(): Promise<PendingRevocation[]> {
    const dir = path.join(this.directory, REVOCATIONS_DIR);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (e) {
      if (errorCode(e) === "ENOENT") return [];
      throw new AgeFileStoreError(`cannot list ${dir}: ${describeFileError(e)}`, errorCode(e));
    }
    const found: PendingRevocation[] = [];
    for (const name of names.filter((n) => n.endsWith(RECORD_SUFFIX) && !n.startsWith("."))) {
      const file = path.join(dir, name);
      const revocation = await this.readRecord<unknown>(file, []);
      if (revocation === undefined) continue; // carried out meanwhile
      if (!isPendingRevocation(revocation)) {
        throw new AgeFileStoreError(`${file} is not a cdktf-api-keys pending revocation (expected JSON with keyId, api, dueAt...). Restore it or remove it.`);
      }
      found.push(revocation);
    }
    return sortByDue(found);
  }

  public async deletePendingRevocation(keyId: string): Promise<void> {
    await this.remove(this.revocationFile(keyId));
  }

  /** `<directory>/<secretPath>` without a suffix, after checking the path (again: defense in depth). */
  private secretBase(secretPath: string): string {
    const problem = validateSecretPath(secretPath);
    if (problem !== undefined) throw new AgeFileStoreError(problem);
    return path.join(this.directory, ...secretPath.split("/"));
  }

  private secretFile(secretPath: string): string {
    return this.secretBase(secretPath) + SECRET_SUFFIX;
  }

  private recordFile(secretPath: string): string {
    return this.secretBase(secretPath) + RECORD_SUFFIX;
  }

  /** `.intents/<secretPath, URI-encoded>.json`: hidden, so listings of secret paths skip it. */
  private intentFile(secretPath: string): string {
    this.secretBase(secretPath); // validates the path
    return path.join(this.directory, INTENTS_DIR, encodeURIComponent(secretPath) + RECORD_SUFFIX);
  }

  private revocationFile(keyId: string): string {
    if (typeof keyId !== "string" || keyId === "") throw new AgeFileStoreError(`a pending revocation needs a key id (got ${show(keyId)}).`);
    return path.join(this.directory, REVOCATIONS_DIR, encodeURIComponent(keyId) + RECORD_SUFFIX);
  }

  private accountFile(address: string): string {
    if (typeof address !== "string" || address === "") {
      throw new AgeFileStoreError(`a service account's \`address\` must be a non-empty string such as "stack/billing" (got ${show(address)}).`);
    }
    return path.join(this.directory, ACCOUNTS_DIR, encodeURIComponent(address) + RECORD_SUFFIX);
  }

  private async readRecord<T>(file: string, fields: readonly string[]): Promise<T | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if (errorCode(e) === "ENOENT") return undefined;
      throw new AgeFileStoreError(`cannot read ${file}: ${describeFileError(e)}`, errorCode(e));
    }
    const record = parseJson(text);
    if (!isObjectWith(record, fields)) {
      throw new AgeFileStoreError(`${file} is not a cdktf-api-keys record (expected JSON with ${fields.join(", ")}). Restore it or remove it.`);
    }
    return record as T;
  }

  private async write(file: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(file, data);
    } catch (e) {
      throw new AgeFileStoreError(`cannot write ${file}: ${describeFileError(e)}`, errorCode(e));
    }
  }

  private async remove(file: string): Promise<void> {
    try {
      // unlink, not rm: rm retries a refused unlink as a folder removal and reports that failure instead
      // (EPERM on an immutable file came out as "ENOTDIR: not a directory, scandir").
      await fsp.unlink(file);
    } catch (e) {
      // Already gone, or a file stands where a folder of the path would be: either way it does not exist.
      if (errorCode(e) !== "ENOENT" && errorCode(e) !== "ENOTDIR") {
        throw new AgeFileStoreError(`cannot delete ${file}: ${describeFileError(e)}`, errorCode(e));
      }
    }
    await removeEmptyDirectories(this.directory, path.dirname(file));
  }
}

const KEY_RECORD_FIELDS = ["address", "instanceId", "keyId", "serviceAccountId", "name", "prefix", "createdAt"] as const;
const MINT_INTENT_FIELDS = ["address", "serviceAccountId", "name", "startedAt"] as const;
const ACCOUNT_RECORD_FIELDS = ["address", "instanceId", "serviceAccountId", "name", "createdAt"] as const;

/** How many times a write recreates its directory when a concurrent delete removed it as empty. */
/**
 * Writes `data` to `file` so that readers see the old file or the whole new one, never a part: a synced
 * temp file beside it is renamed over `file`, and removed when anything fails.
 */
async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = await writePrivateTempFile(file, data);
  try {
    await fsp.rename(temp, file);
  } catch (e) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDirectory(path.dirname(file));
}

/** Removes `dir` and then its parents while they are empty, stopping below `root`. */
async function removeEmptyDirectories(root: string, dir: string): Promise<void> {
  for (let d = dir; isInside(root, d); d = path.dirname(d)) {
    try {
      await fsp.rmdir(d);
    } catch (e) {
      if (errorCode(e) !== "ENOENT") return; // not empty (or in use): it stays, and so do its parents
    }
  }
}

/** Makes a rename in `dir` durable. Not every platform can sync a directory; that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Whether `p` lies strictly inside `root`. */
function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The version of a secret file: the sha256 of its bytes (age encrypts with a fresh file key each time, so every write differs). */
function fileVersion(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Parses JSON, or returns `undefined`. The parser's message is dropped: it quotes the input. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObjectWith(value: unknown, fields: readonly string[]): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && fields.every((f) => typeof (value as Record<string, unknown>)[f] === "string");
}

function isSecretPayload(value: unknown): value is SecretPayload {
  return (
    isObjectWith(value, ["value", "keyId", "serviceAccountId", "name", "createdAt"]) &&
    (value.expiresAt === null || typeof value.expiresAt === "string")
  );
}

function errorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A value as messages show it: JSON, cut to 80 characters with the full length when longer. */
function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  if (text.length <= 80) return typeof value === "string" ? JSON.stringify(value) : text;
  return `${typeof value === "string" ? JSON.stringify(text.slice(0, 80)) : text.slice(0, 80)}… (${text.length} characters)`;
}

/** An error's message (duck-typed: errors from another realm, such as a test sandbox, are not `instanceof Error`). */
function errorText(e: unknown): string {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}

