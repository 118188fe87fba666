/**
 * A secret store in HashiCorp Vault's KV version 2 engine, over Vault's HTTP API (axios). Under
 * `<mount>/<pathPrefix>/`:
 *
 * - `<secretPath>`: the key's secret; its data is the {@link SecretPayload}, its `custom_metadata` the
 *   non-secret {@link KeyRecord} (one string per field: Vault keeps 64 keys of up to 512 bytes each),
 *   so the record is read without reading the secret (`read` on metadata only);
 * - `.cdktf-api-keys/intents/<secretPath>`, `.cdktf-api-keys/accounts/<address>`,
 *   `.cdktf-api-keys/revocations/<key id>`: mint intents, account records and pending revocations, as
 *   data (nothing in them is secret). A secretPath segment never starts with `.`, so nothing collides.
 *
 * Writes use check-and-set: a secret is written with `cas` = the version read just before (0 for a new
 * one), so a concurrent writer is detected and nothing is overwritten; an intent is written with
 * `cas: 0` (create only), so two applies can never both claim a path. Deleting removes all versions and
 * the metadata (`DELETE metadata`). The token comes from the variable named by `tokenEnv` and travels
 * only in `X-Vault-Token`; no message ever holds it.
 */
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { encodeAddress } from "./aws-secrets-manager-records";
import { isPendingRevocation, sortByDue } from "./pending-revocation";
import { validateSecretPath } from "./secret-path";
import type { AccountRecord, KeyRecord, MintIntent, PendingRevocation, PreparedSecret, SecretPayload, SecretStoreBackend, StoredKeyRecord } from "./types";

export interface VaultKv2StoreOptions {
  readonly address: string;
  readonly mount: string;
  readonly pathPrefix: string;
  /** The name of the token's variable, for messages. */
  readonly tokenEnv: string;
  /** The token itself; undefined when the variable is not set (every call then says so). */
  readonly token: string | undefined;
  readonly namespace?: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
}

/** A Vault failure explained: the path, the cause and the fix, never the token. */
export class VaultKv2StoreError extends Error {
  constructor(
    message: string,
    /** `EEXIST` for a path claimed by another writer; `CAS` for a concurrent write; else the HTTP status as text. */
    public readonly code?: string,
  ) {
    super(message);
    this.name = "VaultKv2StoreError";
  }
}

const HIDDEN = ".cdktf-api-keys";
const MARKER = "cdktf-api-keys";
const RECORD_FIELDS = ["address", "instanceId", "keyId", "serviceAccountId", "name", "prefix", "createdAt"] as const;
/** The prefix of a pending record's previous record's fields in custom_metadata. */
const PREVIOUS = "previous.";

export class VaultKv2Store implements SecretStoreBackend {
  readonly #http: AxiosInstance;
  readonly #options: VaultKv2StoreOptions;
  #mountChecked?: Promise<void>;

  constructor(options: VaultKv2StoreOptions) {
    this.#options = { ...options, pathPrefix: options.pathPrefix.replace(/^\/+|\/+$/g, ""), mount: options.mount.replace(/^\/+|\/+$/g, "") };
    this.#http = axios.create({
      baseURL: `${options.address.replace(/\/+$/, "")}/v1/`,
      timeout: options.timeoutMs ?? 30_000,
      validateStatus: () => true,
      headers: { ...(options.namespace ? { "X-Vault-Namespace": options.namespace } : {}) },
      // No proxy from the environment: the token must go only to `address`.
      proxy: false,
    });
  }

  public async writeSecret(secretPath: string, payload: SecretPayload): Promise<void> {
    await (await this.prepareSecret(secretPath, payload)).write();
  }

  /**
   * Reads the current version: the write is check-and-set against it, so once it lands the secret's
   * version is exactly the next one (a writer in between fails it with code `CAS`).
   */
  public async prepareSecret(secretPath: string, payload: SecretPayload): Promise<PreparedSecret> {
    const p = this.keyPath(secretPath);
    const meta = await this.readMetadata(p, `write the secret at ${secretPath}`);
    const cas = meta?.current_version ?? 0;
    return { version: String(cas + 1), write: () => this.writeData(p, { ...payload }, cas, `write the secret at ${secretPath}`) };
  }

  /** The current version's number, from the metadata (no value read); undefined when there is none or it is deleted or destroyed. */
  public async secretVersion(secretPath: string): Promise<string | undefined> {
    const meta = await this.readMetadata(this.keyPath(secretPath), `check the secret at ${secretPath}`);
    const current = meta?.current_version ?? 0;
    const version = meta?.versions?.[String(current)];
    if (current === 0 || !version || version.deletion_time || version.destroyed) return undefined;
    return String(current);
  }

  public async readSecret(secretPath: string): Promise<SecretPayload> {
    const p = this.keyPath(secretPath);
    const data = await this.readData(p, `read the secret at ${secretPath}`);
    if (!data) throw new VaultKv2StoreError(`no secret at secretPath ${JSON.stringify(secretPath)} in ${this.where(p)}. Check the secretPath and the store, and that the stack holding this key was applied.`, "404");
    if (typeof data.value !== "string" || typeof data.keyId !== "string") throw new VaultKv2StoreError(`${this.where(p)} is not a cdktf-api-keys secret (no value and keyId in its data).`);
    return data as unknown as SecretPayload;
  }

  /** Removes every version and the metadata (the record with it). */
  public async deleteSecret(secretPath: string): Promise<void> {
    await this.deleteAll(this.keyPath(secretPath), `delete the secret at ${secretPath}`);
  }

  public async readKeyRecord(secretPath: string): Promise<KeyRecord | undefined> {
    const p = this.keyPath(secretPath);
    const meta = await this.readMetadata(p, `read the record at ${secretPath}`);
    const custom = meta?.custom_metadata;
    if (!custom || custom[MARKER] !== "key record") return undefined;
    const record = recordFromCustom(custom, "");
    const previous = custom[`${PREVIOUS}${RECORD_FIELDS[0]}`] !== undefined ? recordFromCustom(custom, PREVIOUS) : undefined;
    if (!record || (custom[`${PREVIOUS}${RECORD_FIELDS[0]}`] !== undefined && !previous)) {
      throw new VaultKv2StoreError(`${this.where(p)} has a damaged key record in its custom_metadata (expected ${RECORD_FIELDS.join(", ")}). Restore it or delete the secret.`);
    }
    return previous ? { ...record, previous } : record;
  }

  /** The record in the secret's custom_metadata, one string per field (a previous record's fields prefixed `previous.`). */
  public async writeKeyRecord(secretPath: string, record: KeyRecord): Promise<void> {
    const p = this.keyPath(secretPath);
    const custom: Record<string, string> = { [MARKER]: "key record", ...customOf(record, "") };
    if (record.previous) Object.assign(custom, customOf(record.previous, PREVIOUS));
    for (const [field, value] of Object.entries(custom)) {
      if (Buffer.byteLength(value) > 512) {
        throw new VaultKv2StoreError(`the key record's ${field} is ${Buffer.byteLength(value)} bytes, and Vault keeps at most 512 per custom_metadata value: shorten the key's name or the construct path.`);
      }
    }
    await this.request("POST", `${this.#options.mount}/metadata/${p}`, { custom_metadata: custom }, `write the record at ${secretPath}`);
  }

  /** Clears the record; the secret, if still there, stays. */
  public async deleteKeyRecord(secretPath: string): Promise<void> {
    const p = this.keyPath(secretPath);
    const meta = await this.readMetadata(p, `delete the record at ${secretPath}`);
    if (!meta) return;
    if (meta.custom_metadata?.[MARKER] === "key record") await this.request("POST", `${this.#options.mount}/metadata/${p}`, { custom_metadata: {} }, `delete the record at ${secretPath}`);
  }

  public async hasSecret(secretPath: string): Promise<boolean> {
    return (await this.readData(this.keyPath(secretPath), `check the secret at ${secretPath}`)) !== undefined;
  }

  public async readMintIntent(secretPath: string): Promise<MintIntent | undefined> {
    return (await this.readData(this.hiddenPath("intents", this.checked(secretPath)), `read the mint intent of ${secretPath}`)) as MintIntent | undefined;
  }

  /** Create-only (`cas: 0`): fails with code `EEXIST` when an intent for the path exists. */
  public async writeMintIntent(secretPath: string, intent: MintIntent): Promise<void> {
    const p = this.hiddenPath("intents", this.checked(secretPath));
    try {
      await this.writeData(p, { ...intent }, 0, `record the mint intent of ${secretPath}`);
    } catch (e) {
      if ((e as VaultKv2StoreError).code !== "CAS") throw e;
      const existing = await this.readMintIntent(secretPath).catch(() => undefined);
      throw new VaultKv2StoreError(
        `another apply is minting a key at secretPath ${JSON.stringify(secretPath)} right now (${this.where(p)} exists` +
          `${existing ? `, written by ${existing.address} at ${existing.startedAt}` : ""}); nothing was minted. Two stacks (or two runs) must not share a secret path: ` +
          "wait for the other run, or give one key another secretPath.",
        "EEXIST",
      );
    }
  }

  public async deleteMintIntent(secretPath: string): Promise<void> {
    await this.deleteAll(this.hiddenPath("intents", this.checked(secretPath)), `delete the mint intent of ${secretPath}`);
  }

  public async readAccountRecord(address: string): Promise<AccountRecord | undefined> {
    return (await this.readData(this.accountPath(address), `read the account record of ${JSON.stringify(address)}`)) as AccountRecord | undefined;
  }

  public async writeAccountRecord(record: AccountRecord): Promise<void> {
    const p = this.accountPath(record?.address);
    await this.writeData(p, { ...record }, undefined, `write the account record of ${JSON.stringify(record.address)}`);
  }

  public async deleteAccountRecord(address: string): Promise<void> {
    await this.deleteAll(this.accountPath(address), `delete the account record of ${JSON.stringify(address)}`);
  }

  /** Every key record under the prefix (LIST, folder by folder), sorted by secret path. */
  public async listKeyRecords(): Promise<StoredKeyRecord[]> {
    const found: StoredKeyRecord[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const key of await this.list(folder, "list the key records")) {
        if (key.startsWith(".")) continue;
        const child = folder ? `${folder}/${key.replace(/\/$/, "")}` : key.replace(/\/$/, "");
        if (key.endsWith("/")) await walk(child);
        else if (validateSecretPath(child) === undefined) {
          const record = await this.readKeyRecord(child);
          if (record) found.push({ secretPath: child, record });
        }
      }
    };
    await walk("");
    return found.sort((a, b) => (a.secretPath < b.secretPath ? -1 : a.secretPath > b.secretPath ? 1 : 0));
  }

  public async writePendingRevocation(revocation: PendingRevocation): Promise<void> {
    await this.writeData(this.revocationPath(revocation?.keyId), { ...revocation }, undefined, `record the pending revocation of key ${revocation.keyId}`);
  }

  public async listPendingRevocations(): Promise<PendingRevocation[]> {
    const folder = `${HIDDEN}/revocations`;
    const found: PendingRevocation[] = [];
    for (const key of await this.list(folder, "list the pending revocations")) {
      if (key.endsWith("/")) continue;
      const p = this.full(`${folder}/${key}`);
      const data = await this.readData(p, "read a pending revocation");
      if (data === undefined) continue;
      if (!isPendingRevocation(data)) throw new VaultKv2StoreError(`${this.where(p)} is not a cdktf-api-keys pending revocation. Restore it or delete it.`);
      found.push(data);
    }
    return sortByDue(found);
  }

  public async deletePendingRevocation(keyId: string): Promise<void> {
    await this.deleteAll(this.revocationPath(keyId), `forget the pending revocation of key ${keyId}`);
  }

  // --- paths ---

  private checked(secretPath: string): string {
    const problem = validateSecretPath(secretPath);
    if (problem !== undefined) throw new VaultKv2StoreError(problem);
    return secretPath;
  }

  private keyPath(secretPath: string): string {
    return this.full(this.checked(secretPath));
  }

  private hiddenPath(kind: string, name: string): string {
    return this.full(`${HIDDEN}/${kind}/${name}`);
  }

  private accountPath(address: string): string {
    if (typeof address !== "string" || address === "") throw new VaultKv2StoreError(`a service account's \`address\` must be a non-empty string such as "stack/billing" (got ${JSON.stringify(address)}).`);
    return this.hiddenPath("accounts", encodeAddress(address));
  }

  private revocationPath(keyId: string): string {
    if (typeof keyId !== "string" || keyId === "") throw new VaultKv2StoreError(`a pending revocation needs a key id (got ${JSON.stringify(keyId)}).`);
    return this.hiddenPath("revocations", encodeAddress(keyId));
  }

  /** `<pathPrefix>/<p>` (no prefix: `<p>`). */
  private full(p: string): string {
    return this.#options.pathPrefix ? `${this.#options.pathPrefix}/${p}` : p;
  }

  private where(p: string): string {
    const ns = this.#options.namespace ? ` (namespace ${this.#options.namespace})` : "";
    return `${this.#options.mount}/${p} at ${this.#options.address}${ns}`;
  }

  // --- calls ---

  private async readData(p: string, purpose: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.request("GET", `${this.#options.mount}/data/${p}`, undefined, purpose, [404]);
    if (res.status === 404) return undefined;
    const data = (res.data as { data?: { data?: Record<string, unknown> | null } })?.data?.data;
    return data ?? undefined;
  }

  private async writeData(p: string, data: Record<string, unknown>, cas: number | undefined, purpose: string): Promise<void> {
    const body = cas === undefined ? { data } : { data, options: { cas } };
    const res = await this.request("POST", `${this.#options.mount}/data/${p}`, body, purpose, [400]);
    if (res.status === 400) {
      const errors = errorsOf(res);
      if (errors.some((e) => /check-and-set parameter did not match/.test(e))) {
        throw new VaultKv2StoreError(
          `cannot ${purpose}: ${this.where(p)} was changed by another writer since it was read (check-and-set failed); nothing was overwritten. ` +
            "Another apply may be writing the same path: let it finish, then apply again.",
          "CAS",
        );
      }
      throw this.failure(res, purpose, p);
    }
  }

  private async readMetadata(p: string, purpose: string): Promise<Metadata | undefined> {
    const res = await this.request("GET", `${this.#options.mount}/metadata/${p}`, undefined, purpose, [404]);
    if (res.status === 404) return undefined;
    return (res.data as { data?: Metadata }).data;
  }

  private async deleteAll(p: string, purpose: string): Promise<void> {
    await this.request("DELETE", `${this.#options.mount}/metadata/${p}`, undefined, purpose, [404]);
  }

  /** The keys of a folder (`GET ?list=true`, Vault's alias of LIST); none when the folder is empty or absent. */
  private async list(folder: string, purpose: string): Promise<string[]> {
    const p = folder ? `${this.full(folder)}/` : this.#options.pathPrefix ? `${this.#options.pathPrefix}/` : "";
    const res = await this.request("GET", `${this.#options.mount}/metadata/${p}`, undefined, purpose, [404], { list: "true" });
    if (res.status === 404) return [];
    const keys = (res.data as { data?: { keys?: unknown } }).data?.keys;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
  }

  /** One call, after checking (once) that the mount is a KV v2 engine; statuses in `accepted` are returned, others thrown as explained errors. */
  private async request(method: string, url: string, body: unknown, purpose: string, accepted: number[] = [], params?: Record<string, string>): Promise<AxiosResponse> {
    await this.checkMount();
    return this.send(method, url, body, purpose, accepted, params);
  }

  private async send(method: string, url: string, body: unknown, purpose: string, accepted: number[], params?: Record<string, string>): Promise<AxiosResponse> {
    const token = this.#options.token;
    if (!token) {
      throw new VaultKv2StoreError(
        `cannot ${purpose}: the environment variable ${this.#options.tokenEnv} is not set. Export a Vault token for ${this.#options.address} in it ` +
          "(e.g. from `vault login`, or the CI's secrets) before running terraform or this command.",
        "NO_TOKEN",
      );
    }
    let res: AxiosResponse;
    try {
      res = await this.#http.request({ method, url, data: body, params, headers: { "X-Vault-Token": token } });
    } catch (e) {
      const code = (e as { code?: string }).code ?? "no answer";
      throw new VaultKv2StoreError(`cannot ${purpose}: Vault at ${this.#options.address} did not answer (${code}). Check the store's \`address\` (VAULT_ADDR) and that Vault is running.`, code);
    }
    if ((res.status >= 200 && res.status < 300) || accepted.includes(res.status)) return res;
    throw this.failure(res, purpose, url.replace(`${this.#options.mount}/`, "").replace(/^(data|metadata)\//, ""));
  }

  private failure(res: AxiosResponse, purpose: string, p: string): VaultKv2StoreError {
    const errors = errorsOf(res);
    const detail = errors.length ? errors.join("; ").replace(/\s+/g, " ").trim() : `HTTP ${res.status}`;
    if (res.status === 403) {
      const m = this.#options.mount;
      const prefix = this.#options.pathPrefix ? `${this.#options.pathPrefix}/` : "";
      return new VaultKv2StoreError(
        `cannot ${purpose}: Vault refused it (403 permission denied) for ${this.where(p)}. The token in ${this.#options.tokenEnv} is invalid or expired, or its ` +
          `policy lacks the capabilities: grant "create", "read", "update", "delete", "list" on "${m}/data/${prefix}*" and "${m}/metadata/${prefix}*".`,
        "403",
      );
    }
    if (res.status === 503) {
      return new VaultKv2StoreError(
        `cannot ${purpose}: Vault at ${this.#options.address} is sealed (503${errors.length ? `: ${detail}` : ""}). Unseal it (\`vault operator unseal\`) and apply again; nothing was changed.`,
        "503",
      );
    }
    return new VaultKv2StoreError(`cannot ${purpose}: Vault answered ${res.status} for ${this.where(p)}: ${detail}.`, String(res.status));
  }

  /** The mount must be a KV version 2 engine: asked once (`sys/internal/ui/mounts/<mount>`, which any token may read). */
  private checkMount(): Promise<void> {
    this.#mountChecked ??= (async () => {
      const m = this.#options.mount;
      const res = await this.send("GET", `sys/internal/ui/mounts/${m}`, undefined, `check the mount ${m}`, [400, 404]);
      const info = (res.data as { data?: { type?: string; options?: { version?: string } | null } }).data;
      if (res.status === 400 || res.status === 404 || !info) {
        throw new VaultKv2StoreError(
          `there is no secrets engine mounted at ${m}/ in Vault at ${this.#options.address}${this.#options.namespace ? ` (namespace ${this.#options.namespace})` : ""}, or the token may not see it. ` +
            `Enable one with \`vault secrets enable -path=${m} kv-v2\`, or set the store's \`mount\`.`,
          "NO_MOUNT",
        );
      }
      const version = info.options?.version ?? "1";
      if (info.type !== "kv" || version !== "2") {
        throw new VaultKv2StoreError(
          `mount ${m}/ in Vault at ${this.#options.address} is not a KV version 2 engine (it is ${info.type === "kv" ? `kv version ${version}` : `a ${info.type} engine`}). ` +
            `Upgrade it (\`vault kv enable-versioning ${m}/\`), or point the store's \`mount\` at a kv-v2 engine.`,
          "NOT_KV2",
        );
      }
    })();
    this.#mountChecked.catch(() => (this.#mountChecked = undefined)); // a failed check is asked again next time
    return this.#mountChecked;
  }
}

/** What `GET metadata` answers, as far as the store reads it. */
interface Metadata {
  readonly current_version?: number;
  readonly custom_metadata?: Record<string, string> | null;
  readonly versions?: Record<string, { readonly deletion_time?: string; readonly destroyed?: boolean }>;
}

/** A record's fields as custom_metadata strings, each key prefixed with `prefix`. */
function customOf(record: KeyRecord, prefix: string): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const f of RECORD_FIELDS) custom[prefix + f] = record[f];
  custom[`${prefix}expiresAt`] = record.expiresAt ?? "";
  if (record.owner !== undefined) custom[`${prefix}owner`] = record.owner;
  if (record.confirmed !== undefined) custom[`${prefix}confirmed`] = String(record.confirmed);
  if (record.generation !== undefined) custom[`${prefix}generation`] = String(record.generation);
  if (record.secretVersion !== undefined) custom[`${prefix}secretVersion`] = record.secretVersion;
  if (record.fingerprint !== undefined) custom[`${prefix}fingerprint`] = record.fingerprint;
  if (record.pending) custom[`${prefix}pending`] = "true";
  return custom;
}

/** The record whose fields carry `prefix`, or undefined when one is missing (damaged). */
function recordFromCustom(custom: Record<string, string>, prefix: string): KeyRecord | undefined {
  const get = (f: string): string | undefined => custom[prefix + f];
  if (!RECORD_FIELDS.every((f) => typeof get(f) === "string")) return undefined;
  return {
    address: get("address")!,
    instanceId: get("instanceId")!,
    keyId: get("keyId")!,
    serviceAccountId: get("serviceAccountId")!,
    name: get("name")!,
    prefix: get("prefix")!,
    createdAt: get("createdAt")!,
    expiresAt: get("expiresAt") ? get("expiresAt")! : null,
    ...(get("owner") ? { owner: get("owner") } : {}),
    ...(get("confirmed") !== undefined ? { confirmed: get("confirmed") === "true" } : {}),
    ...(get("generation") !== undefined && /^[1-9][0-9]*$/.test(get("generation")!) ? { generation: Number(get("generation")) } : {}),
    ...(get("secretVersion") !== undefined ? { secretVersion: get("secretVersion") } : {}),
    ...(get("fingerprint") !== undefined ? { fingerprint: get("fingerprint") } : {}),
    ...(get("pending") === "true" ? { pending: true } : {}),
  };
}

function errorsOf(res: AxiosResponse): string[] {
  const errors = (res.data as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors.filter((e): e is string => typeof e === "string") : [];
}
