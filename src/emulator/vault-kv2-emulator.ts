/**
 * A local emulator of HashiCorp Vault's HTTP API for the KV version 2 secrets engine, for tests and
 * offline stacks. Every KV v2 request is validated against Vault's published OpenAPI description of the
 * engine (openapi/vault-kv2.json, an extract of Vault 1.15's document); answers are shaped as Vault's:
 * `{ "data": ... }` on success, `{ "errors": [...] }` on failure.
 *
 * What it implements: versions with check-and-set (`options.cas`; 0 = create only), reads of the
 * current or a given version, soft delete (`DELETE data`, `POST delete`), `undelete`, `destroy`,
 * metadata with `custom_metadata` (`POST metadata`), `DELETE metadata` (all versions and the metadata),
 * listing as `GET ...?list=true` (Vault's alias of its `LIST` method, which node's HTTP parser refuses
 * as an unknown method), the token in `X-Vault-Token` (403 "permission
 * denied" otherwise), namespaces (`X-Vault-Namespace`: each namespace its own data), and
 * `GET sys/internal/ui/mounts/<mount>`, which the CLI and the store use to learn a mount's engine and
 * version (outside the KV document, so not validated). A second token is read-only, as if its policy
 * were `path "<mount>/*" { capabilities = ["read", "list"] }` for every mount: it reads, lists and
 * reads `sys/internal/ui/mounts/<mount>`, and anything else is 403 "permission denied" as Vault's ACL
 * answers it. Test controls: a sealed Vault (503 "Vault is sealed"), per-path deny rules (403), and KV
 * version 1 mounts.
 * What it does not: auth methods, policies beyond the read-only token and the deny rules, leases,
 * `max_versions` pruning, `delete_version_after`, `cas_required`, `subkeys` depth, response wrapping,
 * replication.
 */
import * as http from "http";
import * as path from "path";
import { randomBytes } from "crypto";
import type { AddressInfo } from "net";
import { packageRoot } from "../package-root";
import { OpenApiContract } from "./openapi-validator";

export interface VaultEmulatorOptions {
  /** @default a fresh random token (read it from `token`) */
  readonly token?: string;
  /**
   * A token whose policy grants only `read` and `list` on the mounts: every write, delete, undelete,
   * destroy, metadata write or config write is 403 and changes nothing.
   * @default a fresh random token (read it from `readOnlyToken`)
   */
  readonly readOnlyToken?: string;
  /** KV version 2 mounts. @default ["secret"] */
  readonly mounts?: readonly string[];
  /** Mounts that answer as KV version 1 engines (for the "not KV v2" error). @default [] */
  readonly kvV1Mounts?: readonly string[];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
}

interface Version {
  readonly data: Record<string, unknown> | null;
  readonly createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

interface Entry {
  readonly createdTime: string;
  updatedTime: string;
  currentVersion: number;
  customMetadata: Record<string, string>;
  readonly versions: Map<number, Version>;
}

/** What {@link RunningVaultEmulator.inspect} returns: every entry, per namespace and mount. */
export interface VaultEmulatorSnapshot {
  readonly entries: readonly {
    readonly namespace: string;
    readonly mount: string;
    readonly path: string;
    readonly currentVersion: number;
    readonly customMetadata: Readonly<Record<string, string>>;
    /** The current version's data (null when deleted or destroyed): this is a test tool. */
    readonly data: Readonly<Record<string, unknown>> | null;
  }[];
  /** Every request answered: method, path, status. */
  readonly requests: readonly { readonly method: string; readonly path: string; readonly status: number }[];
}

export interface RunningVaultEmulator {
  /** `http://127.0.0.1:<port>`: the store's `address` (VAULT_ADDR). */
  readonly url: string;
  /** The token that may do everything (VAULT_TOKEN). */
  readonly token: string;
  /** The token that may only read and list (see {@link VaultEmulatorOptions.readOnlyToken}). */
  readonly readOnlyToken: string;
  close(): Promise<void>;
  inspect(): VaultEmulatorSnapshot;
  /** Seals (503 "Vault is sealed" for everything) or unseals it. */
  setSealed(sealed: boolean): void;
  /** Denies (403 "permission denied") requests whose `<mount>/<operation>/<path>` starts with `prefix`, e.g. `secret/data/ci/`. */
  deny(prefix: string): void;
  /** Drops every deny rule. */
  allowAll(): void;
}

const DOCUMENT = "vault-kv2.json";
let contract: OpenApiContract | undefined;
const kvContract = (): OpenApiContract => (contract ??= OpenApiContract.fromFile(path.join(packageRoot(), "openapi", DOCUMENT)));

/** The KV v2 operations of the document, by method and the segment after the mount. */
const OPERATIONS: Readonly<Record<string, { template: string; operationId: string }>> = {
  "GET config": { template: "/{kv_v2_mount_path}/config", operationId: "kv-v2-read-configuration" },
  "POST config": { template: "/{kv_v2_mount_path}/config", operationId: "kv-v2-configure" },
  "GET data": { template: "/{kv_v2_mount_path}/data/{path}", operationId: "kv-v2-read" },
  "POST data": { template: "/{kv_v2_mount_path}/data/{path}", operationId: "kv-v2-write" },
  "DELETE data": { template: "/{kv_v2_mount_path}/data/{path}", operationId: "kv-v2-delete" },
  "POST delete": { template: "/{kv_v2_mount_path}/delete/{path}", operationId: "kv-v2-delete-versions" },
  "POST destroy": { template: "/{kv_v2_mount_path}/destroy/{path}", operationId: "kv-v2-destroy-versions" },
  "GET metadata": { template: "/{kv_v2_mount_path}/metadata/{path}", operationId: "kv-v2-read-metadata" },
  "POST metadata": { template: "/{kv_v2_mount_path}/metadata/{path}", operationId: "kv-v2-write-metadata" },
  "DELETE metadata": { template: "/{kv_v2_mount_path}/metadata/{path}", operationId: "kv-v2-delete-metadata-and-all-versions" },
  "LIST metadata": { template: "/{kv_v2_mount_path}/metadata/{path}/", operationId: "kv-v2-list" },
  "GET subkeys": { template: "/{kv_v2_mount_path}/subkeys/{path}", operationId: "kv-v2-read-subkeys" },
  "POST undelete": { template: "/{kv_v2_mount_path}/undelete/{path}", operationId: "kv-v2-undelete-versions" },
};

/** What Vault's ACL answers when a token's policies do not grant the capability: a multierror's text. */
const ACL_DENIED = "1 error occurred:\n\t* permission denied\n\n";

class VaultFault extends Error {
  constructor(
    public readonly status: number,
    public readonly errors: readonly string[],
  ) {
    super(errors.join("; "));
  }
}

/** Starts the emulator on 127.0.0.1, on a free port. */
export async function startVaultEmulator(options: VaultEmulatorOptions = {}): Promise<RunningVaultEmulator> {
  const token = options.token ?? `hvs.${randomBytes(18).toString("base64url")}`;
  const readOnlyToken = options.readOnlyToken ?? `hvs.${randomBytes(18).toString("base64url")}`;
  if (readOnlyToken === token) throw new Error("startVaultEmulator: `readOnlyToken` must differ from `token` (a token cannot be both).");
  const mounts = new Set(options.mounts ?? ["secret"]);
  const v1Mounts = new Set(options.kvV1Mounts ?? []);
  const now = options.now ?? (() => new Date());
  const stores = new Map<string, Map<string, Entry>>(); // `<namespace>\n<mount>` -> path -> entry
  const requests: { method: string; path: string; status: number }[] = [];
  const denied: string[] = [];
  let sealed = false;
  const ops = kvContract();
  ops.assertHandles(Object.values(OPERATIONS).map((o) => o.operationId));

  const entriesOf = (namespace: string, mount: string): Map<string, Entry> => {
    const key = `${namespace}\n${mount}`;
    let entries = stores.get(key);
    if (!entries) stores.set(key, (entries = new Map()));
    return entries;
  };

  const answer = (method: string, url: URL, headers: http.IncomingHttpHeaders, body: unknown): { status: number; payload?: unknown } => {
    if (sealed) throw new VaultFault(503, ["Vault is sealed"]);
    const caller = headers["x-vault-token"] === token ? "root" : headers["x-vault-token"] === readOnlyToken ? "read-only" : undefined;
    if (!caller) throw new VaultFault(403, ["permission denied"]);
    const namespace = String(headers["x-vault-namespace"] ?? "").replace(/^\/+|\/+$/g, "");
    const rest = url.pathname.replace(/^\/v1\//, "");
    if (!url.pathname.startsWith("/v1/")) throw new VaultFault(404, []);

    const ui = /^sys\/internal\/ui\/mounts\/([^/]+)\/?$/.exec(rest);
    if (ui && method === "GET") {
      const mount = ui[1];
      if (mounts.has(mount)) return { status: 200, payload: envelope({ type: "kv", path: `${mount}/`, options: { version: "2" }, description: "key/value secret storage" }) };
      if (v1Mounts.has(mount)) return { status: 200, payload: envelope({ type: "kv", path: `${mount}/`, options: { version: "1" }, description: "key/value secret storage" }) };
      throw new VaultFault(400, [`preflight capability check returned 403, please ensure client's policies grant access to path "${mount}/"`]);
    }

    const [mount, operation, ...pathParts] = rest.split("/");
    const isList = method === "LIST" || (method === "GET" && url.searchParams.get("list") === "true");
    // Vault checks the ACL before routing: the read-only policy grants `read` (GET) and `list` on the mounts only.
    const readOnlyGrants = (isList || method === "GET") && (mounts.has(mount) || v1Mounts.has(mount));
    if (caller === "read-only" && !readOnlyGrants) throw new VaultFault(403, [ACL_DENIED]);
    if (!mounts.has(mount)) {
      if (v1Mounts.has(mount)) throw new VaultFault(404, []); // a KV v1 engine has no data/ or metadata/ prefixes
      throw new VaultFault(404, [`no handler for route "${rest}". route entry not found.`]);
    }
    const trailingSlash = url.pathname.endsWith("/");
    const kvPath = pathParts.join("/").replace(/\/+$/, "");
    const operationKey = `${isList ? "LIST" : method === "PUT" ? "POST" : method} ${operation}`;
    const op = OPERATIONS[operationKey];
    if (!op) throw new VaultFault(405, ["1 error occurred:\n\t* unsupported operation\n\n"]);
    if (denied.some((prefix) => `${mount}/${operation}/${kvPath}${trailingSlash ? "/" : ""}`.startsWith(prefix))) throw new VaultFault(403, [ACL_DENIED]);

    const query = isList ? new URLSearchParams("list=true") : url.searchParams;
    const documentMethod = isList ? "GET" : operationKey.split(" ")[0]; // PUT is POST's alias in Vault
    const validation = ops.validateRequest({ method: documentMethod, pathTemplate: op.template, pathParams: { kv_v2_mount_path: mount, path: kvPath }, query, body });
    if (validation.violations.length > 0) throw new VaultFault(400, validation.violations.map((v) => `${v.field || "body"}: ${v.description}`));

    const entries = entriesOf(namespace, mount);
    const stamp = now().toISOString();
    const entry = entries.get(kvPath);
    switch (op.operationId) {
      case "kv-v2-read-configuration":
        return { status: 200, payload: envelope({ cas_required: false, delete_version_after: "0s", max_versions: 0 }) };
      case "kv-v2-configure":
        return { status: 204 };
      case "kv-v2-write": {
        const input = body as { data?: Record<string, unknown>; options?: { cas?: unknown } };
        if (input.data === undefined) throw new VaultFault(400, ["no data provided"]);
        const cas = input.options?.cas;
        if (cas !== undefined) {
          const expected = Number(cas);
          if ((entry?.currentVersion ?? 0) !== expected) throw new VaultFault(400, ["check-and-set parameter did not match the current version"]);
        }
        const target = entry ?? { createdTime: stamp, updatedTime: stamp, currentVersion: 0, customMetadata: {}, versions: new Map<number, Version>() };
        target.currentVersion += 1;
        target.updatedTime = stamp;
        target.versions.set(target.currentVersion, { data: input.data, createdTime: stamp, deletionTime: "", destroyed: false });
        entries.set(kvPath, target);
        return { status: 200, payload: envelope(versionMetadata(target, target.currentVersion)) };
      }
      case "kv-v2-read": {
        const wanted = url.searchParams.has("version") ? Number(url.searchParams.get("version")) : (entry?.currentVersion ?? 0);
        const version = entry?.versions.get(wanted === 0 ? (entry?.currentVersion ?? 0) : wanted);
        if (!entry || !version) throw new VaultFault(404, []);
        if (version.deletionTime || version.destroyed) {
          return { status: 404, payload: { ...envelope({ data: null, metadata: versionMetadata(entry, wanted || entry.currentVersion) }), errors: undefined } };
        }
        return { status: 200, payload: envelope({ data: version.data, metadata: versionMetadata(entry, wanted || entry.currentVersion) }) };
      }
      case "kv-v2-delete": {
        const version = entry?.versions.get(entry.currentVersion);
        if (version && !version.deletionTime) version.deletionTime = stamp;
        return { status: 204 };
      }
      case "kv-v2-delete-versions":
      case "kv-v2-undelete-versions":
      case "kv-v2-destroy-versions": {
        const versions = ((body as { versions?: number[] }).versions ?? []).map(Number);
        if (versions.length === 0) throw new VaultFault(400, ["no versions provided"]);
        for (const n of versions) {
          const version = entry?.versions.get(n);
          if (!version) continue;
          if (op.operationId === "kv-v2-delete-versions" && !version.deletionTime) version.deletionTime = stamp;
          if (op.operationId === "kv-v2-undelete-versions" && !version.destroyed) version.deletionTime = "";
          if (op.operationId === "kv-v2-destroy-versions") version.destroyed = true;
        }
        return { status: 204 };
      }
      case "kv-v2-read-metadata": {
        if (!entry) throw new VaultFault(404, []);
        return { status: 200, payload: envelope(metadataOf(entry)) };
      }
      case "kv-v2-write-metadata": {
        const input = body as { custom_metadata?: Record<string, unknown> };
        const custom = input.custom_metadata ?? entry?.customMetadata ?? {};
        const problems = customMetadataProblems(custom);
        if (problems.length) throw new VaultFault(400, problems);
        const target = entry ?? { createdTime: stamp, updatedTime: stamp, currentVersion: 0, customMetadata: {}, versions: new Map<number, Version>() };
        target.customMetadata = { ...(custom as Record<string, string>) };
        target.updatedTime = stamp;
        entries.set(kvPath, target);
        return { status: 204 };
      }
      case "kv-v2-delete-metadata-and-all-versions":
        entries.delete(kvPath);
        return { status: 204 };
      case "kv-v2-list": {
        const prefix = kvPath === "" ? "" : `${kvPath}/`;
        const keys = new Set<string>();
        for (const p of entries.keys()) {
          if (!p.startsWith(prefix)) continue;
          const rest = p.slice(prefix.length);
          const slash = rest.indexOf("/");
          keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
        }
        if (keys.size === 0) throw new VaultFault(404, []);
        return { status: 200, payload: envelope({ keys: [...keys].sort() }) };
      }
      case "kv-v2-read-subkeys": {
        const version = entry?.versions.get(entry.currentVersion);
        if (!entry || !version || version.deletionTime || version.destroyed) throw new VaultFault(404, []);
        return { status: 200, payload: envelope({ subkeys: Object.fromEntries(Object.keys(version.data ?? {}).map((k) => [k, null])), metadata: versionMetadata(entry, entry.currentVersion) }) };
      }
    }
    throw new VaultFault(405, ["unsupported operation"]);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://vault.invalid");
      const method = (req.method ?? "GET").toUpperCase();
      let result: { status: number; payload?: unknown };
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        if (text.trim() !== "") {
          try {
            body = JSON.parse(text);
          } catch {
            throw new VaultFault(400, ["error parsing JSON"]);
          }
        } else if (method === "POST" || method === "PUT") {
          body = {};
        }
        result = answer(method, url, req.headers, body);
      } catch (e) {
        result = e instanceof VaultFault ? { status: e.status, payload: { errors: e.errors } } : { status: 500, payload: { errors: [(e as Error).message] } };
      }
      requests.push({ method, path: url.pathname, status: result.status });
      if (result.status === 204 || result.payload === undefined) {
        res.writeHead(result.status);
        res.end();
        return;
      }
      const json = JSON.stringify(result.payload);
      res.writeHead(result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
      res.end(json);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    token,
    readOnlyToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    inspect: () => ({
      entries: [...stores.entries()].flatMap(([key, entries]) => {
        const [namespace, mount] = key.split("\n");
        return [...entries.entries()].map(([p, e]) => {
          const current = e.versions.get(e.currentVersion);
          return { namespace, mount, path: p, currentVersion: e.currentVersion, customMetadata: { ...e.customMetadata }, data: current && !current.deletionTime && !current.destroyed ? current.data : null };
        });
      }),
      requests: [...requests],
    }),
    setSealed: (value) => {
      sealed = value;
    },
    deny: (prefix) => {
      denied.push(prefix);
    },
    allowAll: () => {
      denied.length = 0;
    },
  };
}

/** Vault's answer envelope (the fields a real answer has around `data`). */
function envelope(data: unknown): object {
  return { request_id: randomBytes(8).toString("hex"), lease_id: "", renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null };
}

function versionMetadata(entry: Entry, n: number): object {
  const version = entry.versions.get(n);
  return {
    created_time: version?.createdTime ?? entry.createdTime,
    custom_metadata: Object.keys(entry.customMetadata).length ? { ...entry.customMetadata } : null,
    deletion_time: version?.deletionTime ?? "",
    destroyed: version?.destroyed ?? false,
    version: n,
  };
}

function metadataOf(entry: Entry): object {
  return {
    cas_required: false,
    created_time: entry.createdTime,
    current_version: entry.currentVersion,
    custom_metadata: Object.keys(entry.customMetadata).length ? { ...entry.customMetadata } : null,
    delete_version_after: "0s",
    max_versions: 0,
    oldest_version: entry.versions.size ? Math.min(...entry.versions.keys()) : 0,
    updated_time: entry.updatedTime,
    versions: Object.fromEntries(
      [...entry.versions.entries()].map(([n, v]) => [String(n), { created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed }]),
    ),
  };
}

/** Vault's limits on custom_metadata: 64 keys, keys up to 128 bytes, values up to 512 bytes, strings only. */
function customMetadataProblems(custom: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const keys = Object.keys(custom);
  if (keys.length > 64) problems.push(`custom_metadata can only contain 64 keys, got ${keys.length}`);
  for (const key of keys) {
    const value = custom[key];
    if (Buffer.byteLength(key) > 128) problems.push(`custom_metadata key "${key.slice(0, 20)}..." is longer than 128 bytes`);
    if (typeof value !== "string") problems.push(`custom_metadata value of "${key}" must be a string`);
    else if (Buffer.byteLength(value) > 512) problems.push(`custom_metadata value of "${key}" is longer than 512 bytes`);
  }
  return problems;
}
