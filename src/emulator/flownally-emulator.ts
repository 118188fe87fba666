/**
 * The in-memory Flownally API: service accounts and API keys, answering exactly what
 * `openapi/flownally.yaml` documents. Routing and request validation come from that document, so
 * the emulator cannot drift from it silently. Keys are kept only as SHA-256 hashes.
 */
import { timingSafeEqual } from "crypto";
import { loadOpenApiContract, type FieldViolation, type OpenApiContract } from "./openapi-validator";
import { sha256, randomBase62 } from "./key-material";
import type { EmulatedApi, EmulatorRequest, EmulatorResponse } from "./start-emulator";

/** Options of {@link FlownallyEmulator}. */
export interface FlownallyEmulatorOptions {
  /** The bearer token that may do everything. */
  readonly adminToken: string;
  /**
   * A bearer token that may only list: any other operation is 403 `permission_denied`.
   * @default none: no token is read-only
   */
  readonly readOnlyToken?: string;
  /**
   * The clock.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** A service account as {@link FlownallyEmulator.inspect} shows it, deleted ones included. */
export interface InspectedServiceAccount {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: string;
  /** When it was deleted; null while active. */
  readonly deletedAt: string | null;
}

/** An API key's metadata as {@link FlownallyEmulator.inspect} shows it (never the plaintext). */
export interface InspectedApiKey {
  readonly id: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly status: "active" | "revoked" | "expired";
}

/** Everything the emulator holds, in creation order. */
export interface FlownallySnapshot {
  readonly serviceAccounts: readonly InspectedServiceAccount[];
  readonly apiKeys: readonly InspectedApiKey[];
}

interface AccountRecord {
  readonly id: string;
  /** Creation sequence number: the order of listing, and what a cursor points after. */
  readonly seq: number;
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: Date;
  deletedAt: Date | null;
}

interface KeyRecord {
  readonly id: string;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface CreateServiceAccountRequest {
  name: string;
  description?: string;
}

interface CreateAPIKeyRequest {
  name: string;
  expiresAt?: string;
  scopes?: string[];
}

/** An authenticated, validated request on its way to an operation handler. */
interface OperationContext {
  readonly request: EmulatorRequest;
  readonly pathParams: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
}

type OperationHandler = (context: OperationContext) => EmulatorResponse;

/** Who sent a request: the admin token, the read-only token, or a minted key (which may do everything). */
type Caller = "admin" | "read-only" | "key";

const PROBLEM_TITLES: Record<string, string> = {
  validation_failed: "Request validation failed",
  invalid_json: "Malformed JSON body",
  unauthenticated: "Authentication required",
  permission_denied: "Permission denied",
  service_account_not_found: "Service account not found",
  api_key_not_found: "API key not found",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  service_account_name_taken: "Service account name taken",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal_error: "Internal server error",
  unavailable: "Service unavailable",
};

const FAILURE_CODES = { 429: "rate_limited", 500: "internal_error", 503: "unavailable" } as const;
/** Length of the random part of a minted key (after `fln_`). */
const KEY_RANDOM_LENGTH = 40;
const PREFIX_LENGTH = 12;
/** The operations the read-only token may call. */
const READ_OPERATIONS: ReadonlySet<string> = new Set(["listServiceAccounts", "listApiKeys"]);

/** The Flownally API in memory. Use it through {@link startEmulator}; tests may drive it directly. */
export class FlownallyEmulator implements EmulatedApi<FlownallySnapshot> {
  public readonly displayName = "Flownally";
  private readonly contract: OpenApiContract = loadOpenApiContract("flownally");
  private readonly now: () => Date;
  private readonly adminTokenHash: Buffer;
  private readonly readOnlyTokenHash: Buffer | undefined;
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly keys = new Map<string, KeyRecord>();
  /** SHA-256 (hex) of a key's plaintext -> key id. The plaintext itself is never kept. */
  private readonly keyIdsByHash = new Map<string, string>();
  private nextSeq = 1;

  private readonly handlers: Record<string, OperationHandler> = {
    listServiceAccounts: (c) => this.listServiceAccounts(c),
    createServiceAccount: (c) => this.createServiceAccount(c),
    deleteServiceAccount: (c) => this.deleteServiceAccount(c),
    listApiKeys: (c) => this.listApiKeys(c),
    createApiKey: (c) => this.createApiKey(c),
    revokeApiKey: (c) => this.revokeApiKey(c),
  };

  public constructor(options: FlownallyEmulatorOptions) {
    if (!options.adminToken) throw new Error("`adminToken` must not be empty");
    this.adminTokenHash = sha256(options.adminToken);
    if (options.readOnlyToken !== undefined) {
      if (!options.readOnlyToken) throw new Error("`readOnlyToken` must not be empty");
      if (options.readOnlyToken === options.adminToken) throw new Error("`readOnlyToken` must differ from `adminToken`");
      this.readOnlyTokenHash = sha256(options.readOnlyToken);
    }
    this.now = options.now ?? (() => new Date());
    this.contract.assertHandles(Object.keys(this.handlers));
  }

  /** Routes, authenticates, authorizes, validates against the document, then runs the operation. */
  public handle(request: EmulatorRequest): EmulatorResponse {
    const route = this.contract.route(request.method, request.path);
    if (route.kind === "not-found") {
      return this.problem(request, 404, "not_found", `No route for ${request.method} ${request.path}.`);
    }
    if (route.kind === "method-not-allowed") {
      return this.problem(request, 405, "method_not_allowed", `${request.path} does not support ${request.method}.`, {
        headers: { allow: route.allow.join(", ") },
      });
    }
    const caller = this.authenticate(request.headers.authorization);
    if (!caller) {
      return this.problem(request, 401, "unauthenticated", "Send `Authorization: Bearer <token>` with a valid token.", {
        headers: { "www-authenticate": 'Bearer realm="flownally"' },
      });
    }

    const { operation } = route;
    if (caller === "read-only" && !READ_OPERATIONS.has(operation.operationId)) {
      return this.problem(request, 403, "permission_denied", `The token is read-only: it may list service accounts and API keys; ${operation.operationId} needs a token that may write.`);
    }
    let body: unknown;
    if (operation.hasRequestBody && request.body.toString("utf8").trim() !== "") {
      const contentType = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (contentType !== "application/json" && !contentType.endsWith("+json")) {
        return this.problem(request, 415, "unsupported_media_type", "Send the request body as `application/json`.");
      }
      try {
        body = JSON.parse(request.body.toString("utf8"));
      } catch {
        return this.problem(request, 400, "invalid_json", "The request body is not valid JSON.");
      }
    }
    const validation = this.contract.validateRequest({
      method: operation.method,
      pathTemplate: operation.pathTemplate,
      pathParams: route.pathParams,
      query: request.query,
      body,
    });
    if (validation.violations.length > 0) return this.validationFailed(request, validation.violations);
    return this.handlers[operation.operationId]({ request, pathParams: validation.pathParams, query: validation.query, body });
  }

  /** The ProblemDetails answer for an injected fault (429 with `Retry-After`, 500, 503). */
  public failure(status: 429 | 500 | 503, request: EmulatorRequest, retryAfterSeconds = 1): EmulatorResponse {
    if (status === 429) {
      return this.problem(request, 429, "rate_limited", `Rate limit exceeded; retry in ${retryAfterSeconds} s.`, {
        headers: { "retry-after": String(retryAfterSeconds) },
      });
    }
    const detail = status === 500 ? "The server failed to handle the request." : "The service is temporarily unavailable.";
    return this.problem(request, status, FAILURE_CODES[status], detail);
  }

  /** Every account (deleted ones too) and every key's metadata, in creation order. */
  public inspect(): FlownallySnapshot {
    return {
      serviceAccounts: [...this.accounts.values()].map((a) => ({
        ...this.accountJson(a),
        deletedAt: a.deletedAt ? a.deletedAt.toISOString() : null,
      })),
      apiKeys: [...this.keys.values()].map((k) => this.keyJson(k)),
    };
  }

  private listServiceAccounts({ request, query }: OperationContext): EmulatorResponse {
    const limit = query.limit as number;
    let after = 0;
    if (typeof query.cursor === "string") {
      const decoded = decodeCursor(query.cursor);
      if (decoded === undefined) {
        return this.validationFailed(request, [{ field: "query.cursor", description: "is not a cursor this server issued" }]);
      }
      after = decoded;
    }
    const remaining = [...this.accounts.values()].filter((a) => a.deletedAt === null && a.seq > after);
    const page = remaining.slice(0, limit);
    const nextCursor = remaining.length > limit ? encodeCursor(page[page.length - 1].seq) : null;
    return { status: 200, body: { serviceAccounts: page.map((a) => this.accountJson(a)), nextCursor } };
  }

  private createServiceAccount({ request, body }: OperationContext): EmulatorResponse {
    const input = body as CreateServiceAccountRequest;
    const taken = [...this.accounts.values()].some((a) => a.deletedAt === null && a.name === input.name);
    if (taken) {
      return this.problem(request, 409, "service_account_name_taken", `An active service account is already named "${input.name}".`);
    }
    const account: AccountRecord = {
      id: `sa_${randomBase62(16)}`,
      seq: this.nextSeq++,
      name: input.name,
      description: input.description ?? null,
      createdAt: this.now(),
      deletedAt: null,
    };
    this.accounts.set(account.id, account);
    return { status: 201, body: this.accountJson(account) };
  }

  private deleteServiceAccount({ request, pathParams }: OperationContext): EmulatorResponse {
    const account = this.activeAccount(pathParams.id as string);
    if (!account) return this.accountNotFound(request, pathParams.id as string);
    const now = this.now();
    account.deletedAt = now;
    for (const key of this.keys.values()) {
      if (key.serviceAccountId === account.id && key.revokedAt === null) key.revokedAt = now;
    }
    return { status: 204 };
  }

  private listApiKeys({ request, pathParams }: OperationContext): EmulatorResponse {
    const account = this.activeAccount(pathParams.id as string);
    if (!account) return this.accountNotFound(request, pathParams.id as string);
    const apiKeys = [...this.keys.values()].filter((k) => k.serviceAccountId === account.id).map((k) => this.keyJson(k));
    return { status: 200, body: { apiKeys } };
  }

  private createApiKey({ request, pathParams, body }: OperationContext): EmulatorResponse {
    const input = body as CreateAPIKeyRequest;
    const now = this.now();
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    if (expiresAt && !(expiresAt.getTime() > now.getTime())) {
      return this.validationFailed(request, [
        { field: "/expiresAt", description: `must be in the future (now is ${now.toISOString()})` },
      ]);
    }
    const account = this.activeAccount(pathParams.id as string);
    if (!account) return this.accountNotFound(request, pathParams.id as string);

    const plaintext = `fln_${randomBase62(KEY_RANDOM_LENGTH)}`;
    const key: KeyRecord = {
      id: `key_${randomBase62(16)}`,
      serviceAccountId: account.id,
      name: input.name,
      prefix: plaintext.slice(0, PREFIX_LENGTH),
      scopes: [...(input.scopes ?? [])],
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    this.keys.set(key.id, key);
    this.keyIdsByHash.set(sha256(plaintext).toString("hex"), key.id);
    return { status: 201, body: { apiKey: this.keyJson(key), key: plaintext } };
  }

  private revokeApiKey({ request, pathParams }: OperationContext): EmulatorResponse {
    const key = this.keys.get(pathParams.id as string);
    if (!key) {
      return this.problem(request, 404, "api_key_not_found", `No API key has the id "${String(pathParams.id)}".`);
    }
    key.revokedAt ??= this.now();
    return { status: 204 };
  }

  /**
   * The admin token, the read-only token, or an active key of an active account (whose use is then
   * recorded); undefined otherwise.
   */
  private authenticate(authorization: string | undefined): Caller | undefined {
    const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? "");
    if (!match) return undefined;
    const hash = sha256(match[1]);
    if (timingSafeEqual(hash, this.adminTokenHash)) return "admin";
    if (this.readOnlyTokenHash && timingSafeEqual(hash, this.readOnlyTokenHash)) return "read-only";
    const key = this.keys.get(this.keyIdsByHash.get(hash.toString("hex")) ?? "");
    if (!key || this.status(key) !== "active" || !this.activeAccount(key.serviceAccountId)) return undefined;
    key.lastUsedAt = this.now();
    return "key";
  }

  private activeAccount(id: string): AccountRecord | undefined {
    const account = this.accounts.get(id);
    return account && account.deletedAt === null ? account : undefined;
  }

  private status(key: KeyRecord): InspectedApiKey["status"] {
    if (key.revokedAt) return "revoked";
    if (key.expiresAt && this.now().getTime() > key.expiresAt.getTime()) return "expired";
    return "active";
  }

  private accountJson(account: AccountRecord): Omit<InspectedServiceAccount, "deletedAt"> {
    return {
      id: account.id,
      name: account.name,
      description: account.description,
      createdAt: account.createdAt.toISOString(),
    };
  }

  private keyJson(key: KeyRecord): InspectedApiKey {
    return {
      id: key.id,
      serviceAccountId: key.serviceAccountId,
      name: key.name,
      prefix: key.prefix,
      scopes: [...key.scopes],
      createdAt: key.createdAt.toISOString(),
      expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
      lastUsedAt: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
      revokedAt: key.revokedAt ? key.revokedAt.toISOString() : null,
      status: this.status(key),
    };
  }

  private accountNotFound(request: EmulatorRequest, id: string): EmulatorResponse {
    return this.problem(request, 404, "service_account_not_found", `No active service account has the id "${id}".`);
  }

  private validationFailed(request: EmulatorRequest, violations: FieldViolation[]): EmulatorResponse {
    const detail = `The request is invalid: ${violations.map((v) => `${v.field || "(body)"} ${v.description}`).join("; ")}.`;
    return this.problem(request, 400, "validation_failed", detail, { violations });
  }

  /** An `application/problem+json` RFC 9457 answer. */
  private problem(
    request: EmulatorRequest,
    status: number,
    code: string,
    detail: string,
    extra: { headers?: Record<string, string>; violations?: FieldViolation[] } = {},
  ): EmulatorResponse {
    return {
      status,
      headers: extra.headers,
      contentType: "application/problem+json",
      body: {
        type: `urn:problem-type:flownally:${code}`,
        title: PROBLEM_TITLES[code] ?? code,
        status,
        detail,
        instance: request.path,
        code,
        ...(extra.violations ? { violations: extra.violations } : {}),
      },
    };
  }
}

function encodeCursor(afterSeq: number): string {
  return Buffer.from(`after:${afterSeq}`, "utf8").toString("base64url");
}

/** The sequence number a cursor points after, or undefined when this server did not issue it. */
function decodeCursor(cursor: string): number | undefined {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}
