/**
 * The in-memory Factory API: API keys of service accounts that exist from the start (Factory creates
 * accounts in its web app, never through the API), answering exactly what `openapi/factory.yaml`
 * documents. Routing and request validation come from that document. Keys are kept only as SHA-256
 * hashes; their fingerprint is a suffix of that hash, never of the key.
 */
import { timingSafeEqual } from "crypto";
import { loadOpenApiContract, type FieldViolation, type OpenApiContract } from "./openapi-validator";
import { sha256, randomBase62 } from "./key-material";
import type { EmulatedApiOptions } from "./registry";
import type { SnapshotApiKey, SnapshotServiceAccount } from "./snapshot";
import type { EmulatedApi, EmulatorRequest, EmulatorResponse } from "./start-emulator";

/** Options of {@link FactoryEmulator}. */
export interface FactoryEmulatorOptions extends EmulatedApiOptions {
  /**
   * How many active keys one service account may hold: creating one more is 402 Payment Required.
   * @default 100
   */
  readonly maxActiveKeysPerAccount?: number;
}

/** A seeded service account as {@link FactoryEmulator.inspect} shows it. */
export interface FactoryInspectedServiceAccount extends SnapshotServiceAccount {
  /** RFC 3339. */
  readonly createdAt: string;
  /** Always null: the API cannot delete accounts. */
  readonly deletedAt: null;
}

/** An API key's metadata as {@link FactoryEmulator.inspect} shows it (never the value nor its hash). */
export interface FactoryInspectedApiKey extends SnapshotApiKey {
  readonly fingerprint: string;
  /** RFC 3339, like every time of the snapshot. */
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /**
   * When the key is revoked. During a rotation's grace period this is still to come, and `status`
   * stays `active` until then.
   */
  readonly revokedAt: string | null;
  /** When the key last authenticated a request; null when never. */
  readonly lastUsedAt: string | null;
  /** The id of the key that replaced this one by rotation; null when not rotated. */
  readonly replacedBy: string | null;
}

/** Everything the emulator holds, in creation order. */
export interface FactorySnapshot {
  readonly serviceAccounts: readonly FactoryInspectedServiceAccount[];
  readonly apiKeys: readonly FactoryInspectedApiKey[];
}

interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

interface KeyRecord {
  readonly id: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  /** May lie in the future: a rotation's grace period. */
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  replacedBy: string | null;
}

interface CreateRequestBody {
  name: string;
  expiresAt?: number;
}

interface RotateRequestBody {
  expiresAt?: number;
  gracePeriodMinutes?: number;
}

/** The body of a create (201) or rotate (200) answer, with the one-time value. */
interface MintedKeyBody {
  readonly apiKey: { readonly id: string; readonly value: string; readonly fingerprint: string; readonly name: string; readonly expiresAt?: number };
}

/**
 * Who sent a request: the admin token may do everything; the read-only token and a minted key may only
 * list keys.
 */
type Caller = { readonly kind: "admin" } | { readonly kind: "read-only" } | { readonly kind: "key"; readonly key: KeyRecord };

/** An authenticated, validated request on its way to an operation handler. */
interface OperationContext {
  readonly request: EmulatorRequest;
  readonly pathParams: Record<string, unknown>;
  readonly body: unknown;
}

type OperationHandler = (context: OperationContext) => EmulatorResponse;

/** The HTTP status titles Factory puts in `title`. */
const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The only operation a minted (service account) key, or the read-only token, may call. */
const KEY_READABLE_OPERATIONS: ReadonlySet<string> = new Set(["listServiceAccountApiKeys"]);

/** Length of the random part of a minted key (after `fk-`). */
const KEY_RANDOM_LENGTH = 40;
/** Hex characters of the key's SHA-256 shown as its fingerprint. */
const FINGERPRINT_LENGTH = 4;
const MINUTE_MS = 60_000;
const DEFAULT_SEED_ACCOUNTS: readonly string[] = ["ci-bot"];
const DEFAULT_MAX_ACTIVE_KEYS = 100;

/** The Factory API in memory. Use it through {@link startEmulator}; tests may drive it directly. */
export class FactoryEmulator implements EmulatedApi<FactorySnapshot> {
  public readonly displayName = "Factory";
  private readonly contract: OpenApiContract = loadOpenApiContract("factory");
  private readonly now: () => Date;
  private readonly adminTokenHash: Buffer;
  private readonly readOnlyTokenHash: Buffer | undefined;
  private readonly maxActiveKeys: number;
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly keys = new Map<string, KeyRecord>();
  /** SHA-256 (hex) of a key's value -> key id. The value itself is never kept. */
  private readonly keyIdsByHash = new Map<string, string>();

  private readonly handlers: Record<string, OperationHandler> = {
    listServiceAccountApiKeys: (c) => this.listApiKeys(c),
    createServiceAccountApiKey: (c) => this.createApiKey(c),
    rotateServiceAccountApiKey: (c) => this.rotateApiKey(c),
    revokeServiceAccountApiKey: (c) => this.revokeApiKey(c),
  };

  public constructor(options: FactoryEmulatorOptions) {
    if (!options.adminToken) throw new Error("`adminToken` must not be empty");
    this.adminTokenHash = sha256(options.adminToken);
    if (options.readOnlyToken !== undefined) {
      if (!options.readOnlyToken) throw new Error("`readOnlyToken` must not be empty");
      if (options.readOnlyToken === options.adminToken) throw new Error("`readOnlyToken` must differ from `adminToken`");
      this.readOnlyTokenHash = sha256(options.readOnlyToken);
    }
    this.now = options.now ?? (() => new Date());
    this.maxActiveKeys = options.maxActiveKeysPerAccount ?? DEFAULT_MAX_ACTIVE_KEYS;
    if (!Number.isInteger(this.maxActiveKeys) || this.maxActiveKeys < 1) {
      throw new Error(`\`maxActiveKeysPerAccount\` must be a positive integer (got ${options.maxActiveKeysPerAccount})`);
    }

    this.contract.assertHandles(Object.keys(this.handlers));

    const seeds = options.seedServiceAccounts ?? DEFAULT_SEED_ACCOUNTS;
    if (seeds.length === 0) {
      throw new Error("`seedServiceAccounts` must name at least one account: Factory's API cannot create service accounts");
    }
    for (const name of seeds) {
      if (typeof name !== "string" || name.trim() === "") {
        throw new Error(`\`seedServiceAccounts\` must hold non-empty names (got ${JSON.stringify(name)})`);
      }
      if ([...this.accounts.values()].some((a) => a.name === name)) {
        throw new Error(`\`seedServiceAccounts\` names "${name}" twice`);
      }
      const account: AccountRecord = { id: `sa_${randomBase62(16)}`, name, createdAt: this.now() };
      this.accounts.set(account.id, account);
    }
  }

  /** Routes, authenticates, authorizes, validates against the document, then runs the operation. */
  public handle(request: EmulatorRequest): EmulatorResponse {
    const route = this.contract.route(request.method, request.path);
    if (route.kind === "not-found") {
      return error(404, `No route for ${request.method} ${request.path}.`);
    }
    if (route.kind === "method-not-allowed") {
      return error(405, `${request.path} does not support ${request.method}.`, undefined, { allow: route.allow.join(", ") });
    }
    const caller = this.authenticate(request.headers.authorization);
    if (!caller) return error(401, "Send `Authorization: Bearer <token>` with a valid Factory API key or token.");

    const { operation } = route;
    if (caller.kind === "key" && !KEY_READABLE_OPERATIONS.has(operation.operationId)) {
      return error(403, "A service account API key may list API keys but not create, rotate or revoke them.");
    }
    if (caller.kind === "read-only" && !KEY_READABLE_OPERATIONS.has(operation.operationId)) {
      return error(403, "The token is read-only: it may list API keys but not create, rotate or revoke them.");
    }

    let body: unknown;
    if (operation.hasRequestBody && request.body.toString("utf8").trim() !== "") {
      const contentType = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (contentType !== "application/json" && !contentType.endsWith("+json")) {
        return error(400, "Send the request body as `application/json`.");
      }
      try {
        body = JSON.parse(request.body.toString("utf8"));
      } catch {
        return error(400, "The request body is not valid JSON.");
      }
    }
    const validation = this.contract.validateRequest({
      method: operation.method,
      pathTemplate: operation.pathTemplate,
      pathParams: route.pathParams,
      query: request.query,
      body,
    });
    if (validation.violations.length > 0) return validationFailed(validation.violations);
    return this.handlers[operation.operationId]({ request, pathParams: validation.pathParams, body });
  }

  /** Factory's error body for an injected fault (429 with `Retry-After`, 500, 503). */
  public failure(status: 429 | 500 | 503, _request: EmulatorRequest, retryAfterSeconds = 1): EmulatorResponse {
    if (status === 429) {
      return error(429, `Rate limit exceeded; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds }, {
        "retry-after": String(retryAfterSeconds),
      });
    }
    return error(status, status === 500 ? "The server failed to handle the request." : "The service is temporarily unavailable.");
  }

  /** Every seeded account and every key's metadata, in creation order. */
  public inspect(): FactorySnapshot {
    return {
      serviceAccounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        name: a.name,
        createdAt: a.createdAt.toISOString(),
        deletedAt: null,
      })),
      apiKeys: [...this.keys.values()].map((k) => ({
        id: k.id,
        serviceAccountId: k.serviceAccountId,
        name: k.name,
        fingerprint: k.fingerprint,
        createdAt: k.createdAt.toISOString(),
        expiresAt: k.expiresAt ? k.expiresAt.toISOString() : null,
        revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null,
        lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
        replacedBy: k.replacedBy,
        status: this.status(k),
      })),
    };
  }

  private listApiKeys({ pathParams }: OperationContext): EmulatorResponse {
    const account = this.accounts.get(pathParams.serviceAccountId as string);
    if (!account) return accountNotFound(pathParams.serviceAccountId as string);
    const apiKeys = [...this.keys.values()].filter((k) => k.serviceAccountId === account.id).map((k) => this.listItem(k));
    return { status: 200, body: { apiKeys } };
  }

  private createApiKey({ pathParams, body }: OperationContext): EmulatorResponse {
    const input = body as CreateRequestBody;
    const account = this.accounts.get(pathParams.serviceAccountId as string);
    if (!account) return accountNotFound(pathParams.serviceAccountId as string);
    // The schema asks only for a positive integer: a time already past mints an expired key.
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    const active = [...this.keys.values()].filter((k) => k.serviceAccountId === account.id && this.status(k) === "active").length;
    if (active >= this.maxActiveKeys) {
      return error(
        402,
        `Service account "${account.name}" already has ${active} active API keys, the most the plan allows; revoke one first.`,
        { limit: this.maxActiveKeys },
      );
    }
    return { status: 201, body: this.mint(account, input.name, expiresAt) };
  }

  private rotateApiKey({ pathParams, body }: OperationContext): EmulatorResponse {
    const input = (body ?? {}) as RotateRequestBody;
    const account = this.accounts.get(pathParams.serviceAccountId as string);
    if (!account) return accountNotFound(pathParams.serviceAccountId as string);
    const old = this.keyOf(account, pathParams.keyId as string);
    if (!old) return keyNotFound(account, pathParams.keyId as string);
    // The schema asks only for a positive integer: a time already past mints an expired key.
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    if (old.replacedBy !== null || this.status(old) === "revoked") {
      const why = old.replacedBy !== null ? `was already rotated (replaced by "${old.replacedBy}")` : "is revoked";
      return error(409, `API key "${old.id}" ${why}; rotate its replacement or create a new key.`, {
        keyId: old.id,
        ...(old.replacedBy !== null ? { replacedBy: old.replacedBy } : {}),
      });
    }
    const now = this.now();
    const minted = this.mint(account, old.name, expiresAt);
    old.replacedBy = minted.apiKey.id;
    old.revokedAt = new Date(now.getTime() + (input.gracePeriodMinutes ?? 0) * MINUTE_MS);
    return { status: 200, body: minted };
  }

  private revokeApiKey({ pathParams }: OperationContext): EmulatorResponse {
    const account = this.accounts.get(pathParams.serviceAccountId as string);
    if (!account) return accountNotFound(pathParams.serviceAccountId as string);
    const key = this.keyOf(account, pathParams.keyId as string);
    if (!key) return keyNotFound(account, pathParams.keyId as string);
    const now = this.now();
    // Revoked already: keep the first time (idempotent). Waiting out a grace period: revoke now.
    if (key.revokedAt === null || key.revokedAt.getTime() > now.getTime()) key.revokedAt = now;
    return { status: 204 };
  }

  /** Creates a key and answers with its one-time value; only the value's hash is kept. */
  private mint(account: AccountRecord, name: string, expiresAt: Date | null): MintedKeyBody {
    const value = `fk-${randomBase62(KEY_RANDOM_LENGTH)}`;
    const hash = sha256(value).toString("hex");
    const key: KeyRecord = {
      id: `key_${randomBase62(16)}`,
      serviceAccountId: account.id,
      name,
      fingerprint: hash.slice(-FINGERPRINT_LENGTH),
      createdAt: this.now(),
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      replacedBy: null,
    };
    this.keys.set(key.id, key);
    this.keyIdsByHash.set(hash, key.id);
    return {
      apiKey: {
        id: key.id,
        value,
        fingerprint: key.fingerprint,
        name: key.name,
        ...(expiresAt ? { expiresAt: expiresAt.getTime() } : {}),
      },
    };
  }

  /** The admin token, the read-only token, or an active minted key (whose use is then recorded); undefined otherwise. */
  private authenticate(authorization: string | undefined): Caller | undefined {
    const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? "");
    if (!match) return undefined;
    const hash = sha256(match[1]);
    if (timingSafeEqual(hash, this.adminTokenHash)) return { kind: "admin" };
    if (this.readOnlyTokenHash && timingSafeEqual(hash, this.readOnlyTokenHash)) return { kind: "read-only" };
    const key = this.keys.get(this.keyIdsByHash.get(hash.toString("hex")) ?? "");
    if (!key || this.status(key) !== "active") return undefined;
    key.lastUsedAt = this.now();
    return { kind: "key", key };
  }

  private keyOf(account: AccountRecord, keyId: string): KeyRecord | undefined {
    const key = this.keys.get(keyId);
    return key && key.serviceAccountId === account.id ? key : undefined;
  }

  private status(key: KeyRecord): SnapshotApiKey["status"] {
    const now = this.now().getTime();
    if (key.revokedAt && key.revokedAt.getTime() <= now) return "revoked";
    if (key.expiresAt && now > key.expiresAt.getTime()) return "expired";
    return "active";
  }

  /** A key as the list shows it: epoch ms; `revokedAt` only once revoked (not during a grace period). */
  private listItem(key: KeyRecord): Record<string, unknown> {
    const isRevoked = this.status(key) === "revoked";
    return {
      id: key.id,
      name: key.name,
      fingerprint: key.fingerprint,
      createdAt: key.createdAt.getTime(),
      ...(key.expiresAt ? { expiresAt: key.expiresAt.getTime() } : {}),
      isRevoked,
      ...(isRevoked && key.revokedAt ? { revokedAt: key.revokedAt.getTime() } : {}),
    };
  }
}

/** Factory's error body: `{ detail, status, title, metadata? }`. */
function error(status: number, detail: string, metadata?: Record<string, unknown>, headers?: Record<string, string>): EmulatorResponse {
  return {
    status,
    headers,
    body: { detail, status, title: TITLES[status] ?? `HTTP ${status}`, ...(metadata ? { metadata } : {}) },
  };
}

function validationFailed(violations: FieldViolation[]): EmulatorResponse {
  const detail = `The request is invalid: ${violations.map((v) => `${v.field || "(body)"} ${v.description}`).join("; ")}.`;
  return error(400, detail, { violations });
}

function accountNotFound(id: string): EmulatorResponse {
  return error(404, `No service account has the id "${id}".`, { serviceAccountId: id });
}

function keyNotFound(account: AccountRecord, keyId: string): EmulatorResponse {
  return error(404, `Service account "${account.id}" has no API key with the id "${keyId}".`, { serviceAccountId: account.id, keyId });
}
