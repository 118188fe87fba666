/**
 * The in-memory Flexprice API: service accounts (users of type `service_account`) and API keys,
 * answering what `openapi/flexprice.yaml` documents, quirks included (the next offset in
 * `pagination.offset`, two shapes of the create-key answer, `integration` refused, the auth layer's
 * own 401/403 bodies). Routing and request validation come from that document. Keys are kept only as
 * SHA-256 hashes.
 */
import { randomBytes, timingSafeEqual } from "crypto";
import { FLEXPRICE_BUILT_IN_ROLES } from "../spec";
import { loadOpenApiContract, type FieldViolation, type OpenApiContract } from "./openapi-validator";
import { sha256 } from "./key-material";
import type { EmulatedApiOptions } from "./registry";
import type { EmulatorSnapshot, SnapshotApiKey, SnapshotServiceAccount } from "./snapshot";
import type { EmulatedApi, EmulatorRequest, EmulatorResponse } from "./start-emulator";

/**
 * Which shape `createApiKey` answers in: the vendor's OpenAPI `{ api_key, secret }` ("wrapped"), the
 * vendor guide's flat `{ id, name, api_key, roles, created_at }` ("flat"), or one after the other,
 * starting with "wrapped" ("alternate").
 */
export type FlexpriceCreateResponseShape = "alternate" | "wrapped" | "flat";

/** Options of {@link FlexpriceEmulator}. */
export interface FlexpriceEmulatorOptions extends EmulatedApiOptions {
  /**
   * The shape of `createApiKey`'s 201 answer. A client must accept both, so by default the emulator
   * alternates: the 1st, 3rd, ... key come wrapped, the 2nd, 4th, ... flat.
   * @default "alternate"
   */
  readonly createResponseShape?: FlexpriceCreateResponseShape;
}

/** A service account as {@link FlexpriceEmulator.inspect} shows it, deleted ones included. */
export interface FlexpriceInspectedServiceAccount extends SnapshotServiceAccount {
  readonly roles: readonly string[];
  readonly createdAt: string;
  /** The `X-Environment-ID` it was created with, or null. */
  readonly environmentId: string | null;
}

/** An API key's metadata as {@link FlexpriceEmulator.inspect} shows it (never the plaintext nor its hash). */
export interface FlexpriceInspectedApiKey extends SnapshotApiKey {
  /** The owner: a service account, or the admin user for a key created without `service_account_id`. */
  readonly serviceAccountId: string;
  readonly type: "private_key" | "publishable_key";
  /** Copied from the owner at creation. */
  readonly roles: readonly string[];
  readonly displayId: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  /** When it was deleted; null while published. */
  readonly deletedAt: string | null;
  /** `revoked` once deleted; else `expired` when now > expiresAt; else `active`. */
  readonly status: "active" | "revoked" | "expired";
  /** The `X-Environment-ID` it was created with, or null. */
  readonly environmentId: string | null;
}

/** Everything the emulator holds (the admin user aside), in creation order. */
export interface FlexpriceSnapshot extends EmulatorSnapshot {
  readonly serviceAccounts: readonly FlexpriceInspectedServiceAccount[];
  readonly apiKeys: readonly FlexpriceInspectedApiKey[];
  /**
   * Body members the API ignored, as `operationId.member` (e.g. `createApiKey.scopes`), in arrival
   * order. The vendor drops members it does not know without a word; this is where a client that
   * sends one (and so believes it set something) shows up.
   */
  readonly ignoredRequestMembers: readonly string[];
}

type UserType = "user" | "service_account";
type KeyType = "private_key" | "publishable_key";

interface UserRecord {
  readonly id: string;
  /** Creation sequence number: lists are newest first by it. */
  readonly seq: number;
  readonly name: string | null;
  readonly type: UserType;
  readonly roles: readonly string[];
  readonly createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  readonly environmentId: string | null;
}

interface KeyRecord {
  readonly id: string;
  readonly seq: number;
  readonly ownerId: string;
  readonly ownerType: UserType;
  readonly name: string;
  readonly type: KeyType;
  readonly roles: readonly string[];
  readonly displayId: string;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly expiresAt: Date | null;
  lastUsedAt: Date | null;
  deletedAt: Date | null;
  readonly environmentId: string | null;
}

/** Who is calling: the admin user, or a minted key and its owner. */
interface Caller {
  readonly user: UserRecord;
  /** The roles the call runs with: the key's (copied at its creation), or the admin user's. */
  readonly roles: readonly string[];
  /** Publishable keys may call none of the operations of this document. */
  readonly publishable: boolean;
}

interface CreateAPIKeyRequest {
  name: string;
  type: KeyType | "integration";
  service_account_id?: string;
  expires_at?: string;
}

interface CreateUserRequest {
  type: UserType;
  name?: string;
  email?: string;
  roles: string[];
}

interface UserFilter {
  limit?: number;
  offset?: number;
  type?: UserType;
}

/** An authenticated, permitted, validated request on its way to an operation handler. */
interface OperationContext {
  readonly caller: Caller;
  readonly pathParams: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly environmentId: string | null;
}

type OperationHandler = (context: OperationContext) => EmulatorResponse;

const READ_ROLES: readonly string[] = ["super_admin", "all_writer", "all_reader"];
const WRITE_ROLES: readonly string[] = ["super_admin", "all_writer"];

/** Which roles may call each operation (documented in the description of openapi/flexprice.yaml). */
const ALLOWED_ROLES: Readonly<Record<string, readonly string[]>> = {
  listApiKeys: READ_ROLES,
  queryUser: READ_ROLES,
  createApiKey: WRITE_ROLES,
  deleteApiKey: WRITE_ROLES,
  createUser: WRITE_ROLES,
  deleteUser: WRITE_ROLES,
};

/** The roles of the read-only key: reads only, so every write is the auth layer's 403. */
const READ_ONLY_ROLES: readonly string[] = ["all_reader"];
/** The roles seeded service accounts get. */
const SEED_ROLES: readonly string[] = ["all_reader"];
const DEFAULT_LIMIT = 50;
const FAILURES = {
  429: { code: "too_many_requests", message: "rate limit exceeded" },
  500: { code: "internal_error", message: "an internal error occurred" },
  503: { code: "service_unavailable", message: "the service is temporarily unavailable" },
} as const;
/** Crockford's base32, the alphabet of ULIDs. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The Flexprice API in memory. Use it through {@link startEmulator}; tests may drive it directly. */
export class FlexpriceEmulator implements EmulatedApi<FlexpriceSnapshot> {
  public readonly displayName = "Flexprice";
  private readonly contract: OpenApiContract = loadOpenApiContract("flexprice");
  private readonly now: () => Date;
  private readonly adminTokenHash: Buffer;
  private readonly readOnlyTokenHash: Buffer | undefined;
  private readonly adminUser: UserRecord;
  private readonly createResponseShape: FlexpriceCreateResponseShape;
  private readonly users = new Map<string, UserRecord>();
  private readonly keys = new Map<string, KeyRecord>();
  /** SHA-256 (hex) of a key's plaintext -> key id. The plaintext itself is never kept. */
  private readonly keyIdsByHash = new Map<string, string>();
  private nextSeq = 1;
  private keysCreated = 0;
  private readonly ignoredRequestMembers: string[] = [];

  private readonly handlers: Record<string, OperationHandler> = {
    listApiKeys: (c) => this.listApiKeys(c),
    createApiKey: (c) => this.createApiKey(c),
    deleteApiKey: (c) => this.deleteApiKey(c),
    createUser: (c) => this.createUser(c),
    queryUser: (c) => this.queryUser(c),
    deleteUser: (c) => this.deleteUser(c),
  };

  public constructor(options: FlexpriceEmulatorOptions) {
    if (!options.adminToken) throw new Error("`adminToken` must not be empty");
    const shape = options.createResponseShape ?? "alternate";
    if (!["alternate", "wrapped", "flat"].includes(shape)) {
      throw new Error(`\`createResponseShape\` must be "alternate", "wrapped" or "flat" (got "${String(shape)}")`);
    }
    this.createResponseShape = shape;
    this.adminTokenHash = sha256(options.adminToken);
    if (options.readOnlyToken !== undefined) {
      if (!options.readOnlyToken.trim()) throw new Error("`readOnlyToken` must not be empty");
      if (options.readOnlyToken === options.adminToken) throw new Error("`readOnlyToken` must differ from `adminToken`");
      this.readOnlyTokenHash = sha256(options.readOnlyToken);
    }
    this.now = options.now ?? (() => new Date());
    this.contract.assertHandles(Object.keys(this.handlers));
    this.contract.assertHandles(Object.keys(ALLOWED_ROLES));
    this.adminUser = this.addUser({ name: "admin", type: "user", roles: ["super_admin"], environmentId: null });
    for (const name of options.seedServiceAccounts ?? []) {
      this.addUser({ name, type: "service_account", roles: SEED_ROLES, environmentId: null });
    }
  }

  /** Routes, authenticates, checks the caller's roles, validates against the document, then runs the operation. */
  public handle(request: EmulatorRequest): EmulatorResponse {
    const route = this.contract.route(request.method, request.path);
    if (route.kind !== "operation") {
      // Like the vendor's router, a known path with another method is simply not found.
      return error(404, "not_found", `no route for ${request.method} ${request.path}`);
    }
    const caller = this.authenticate(request.headers["x-api-key"]);
    if (!caller) return { status: 401, body: { error: "Unauthorized" } };
    const { operation } = route;
    if (caller.publishable || !caller.roles.some((role) => ALLOWED_ROLES[operation.operationId].includes(role))) {
      return { status: 403, body: { message: "insufficient permissions" } };
    }

    let body: unknown;
    if (operation.hasRequestBody && request.body.toString("utf8").trim() !== "") {
      const contentType = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (contentType !== "application/json" && !contentType.endsWith("+json")) {
        return error(400, "validation_error", "the request body must be sent as application/json");
      }
      try {
        body = JSON.parse(request.body.toString("utf8"));
      } catch {
        return error(400, "validation_error", "the request body is not valid JSON");
      }
    }
    const validation = this.contract.validateRequest({
      method: operation.method,
      pathTemplate: operation.pathTemplate,
      pathParams: route.pathParams,
      query: request.query,
      body,
    });
    if (validation.violations.length > 0) return validationError(validation.violations);
    this.ignoredRequestMembers.push(...validation.undocumentedMembers.map((member) => `${operation.operationId}.${member}`));
    const environmentId = request.headers["x-environment-id"]?.trim() || null;
    return this.handlers[operation.operationId]({ caller, pathParams: validation.pathParams, query: validation.query, body, environmentId });
  }

  /** The Flexprice error answer for an injected fault: 429 `too_many_requests` with `Retry-After`, 500, 503. */
  public failure(status: 429 | 500 | 503, _request: EmulatorRequest, retryAfterSeconds = 1): EmulatorResponse {
    const { code, message } = FAILURES[status];
    if (status === 429) {
      return { ...error(429, code, `${message}; retry in ${retryAfterSeconds} s`), headers: { "retry-after": String(retryAfterSeconds) } };
    }
    return error(status, code, message);
  }

  /** Every service account (deleted ones too) and every key's metadata, in creation order. */
  public inspect(): FlexpriceSnapshot {
    return {
      serviceAccounts: [...this.users.values()]
        .filter((u) => u.type === "service_account")
        .map((u) => ({
          id: u.id,
          name: u.name ?? "",
          roles: [...u.roles],
          createdAt: u.createdAt.toISOString(),
          deletedAt: iso(u.deletedAt),
          environmentId: u.environmentId,
        })),
      apiKeys: [...this.keys.values()].map((k) => ({
        id: k.id,
        serviceAccountId: k.ownerId,
        name: k.name,
        type: k.type,
        roles: [...k.roles],
        displayId: k.displayId,
        createdAt: k.createdAt.toISOString(),
        expiresAt: iso(k.expiresAt),
        lastUsedAt: iso(k.lastUsedAt),
        deletedAt: iso(k.deletedAt),
        status: k.deletedAt ? "revoked" : this.expired(k) ? "expired" : "active",
        environmentId: k.environmentId,
      })),
      ignoredRequestMembers: [...this.ignoredRequestMembers],
    };
  }

  private listApiKeys({ query }: OperationContext): EmulatorResponse {
    // Only published private keys: publishable and deleted keys never appear (expired ones do).
    const listed = [...this.keys.values()].filter((k) => k.type === "private_key" && k.deletedAt === null);
    return page(listed, query.limit as number, query.offset as number, (k) => this.secretJson(k));
  }

  private createApiKey({ caller, body, environmentId }: OperationContext): EmulatorResponse {
    const input = body as CreateAPIKeyRequest;
    if (input.type === "integration") {
      return error(400, "validation_error", "invalid secret type: API keys are private_key or publishable_key", {
        type: "must be private_key or publishable_key (integration secrets are not API keys)",
      });
    }
    let owner = caller.user;
    if (input.service_account_id !== undefined) {
      const account = this.activeUser(input.service_account_id);
      if (!account) return error(404, "not_found", `user ${input.service_account_id} not found`);
      if (account.type !== "service_account") {
        return error(400, "validation_error", "provided service_account_id must be a service_account", {
          service_account_id: `is a ${account.type}, not a service_account`,
        });
      }
      owner = account;
    }

    const now = this.now();
    const plaintext = `${input.type === "private_key" ? "sk" : "pk"}_${ulid(now)}`;
    const key: KeyRecord = {
      id: `secret_${ulid(now)}`,
      seq: this.nextSeq++,
      ownerId: owner.id,
      ownerType: owner.type,
      name: input.name,
      type: input.type,
      roles: [...owner.roles], // copied now: later role changes of the owner do not reach the key
      displayId: `${plaintext.slice(0, 5)}***${plaintext.slice(-2)}`,
      createdAt: now,
      updatedAt: now,
      expiresAt: input.expires_at === undefined ? null : new Date(input.expires_at),
      lastUsedAt: null,
      deletedAt: null,
      environmentId,
    };
    this.keys.set(key.id, key);
    this.keyIdsByHash.set(sha256(plaintext).toString("hex"), key.id);

    this.keysCreated++;
    const flat = this.createResponseShape === "flat" || (this.createResponseShape === "alternate" && this.keysCreated % 2 === 0);
    const responseBody = flat
      ? { id: key.id, name: key.name, api_key: plaintext, roles: [...key.roles], created_at: now.toISOString() }
      : { api_key: plaintext, secret: this.secretJson(key) };
    return { status: 201, body: responseBody };
  }

  private deleteApiKey({ pathParams }: OperationContext): EmulatorResponse {
    const key = this.keys.get(pathParams.id as string);
    if (!key) return error(404, "not_found", `secret ${String(pathParams.id)} not found`);
    if (key.deletedAt === null) {
      key.deletedAt = this.now();
      key.updatedAt = key.deletedAt;
    }
    return { status: 204 };
  }

  private createUser({ body, environmentId }: OperationContext): EmulatorResponse {
    const input = body as CreateUserRequest;
    if (input.type !== "service_account") {
      return error(400, "invalid_operation", "the emulator creates only service accounts (type service_account)", {
        type: "must be service_account",
      });
    }
    const unknown = input.roles.filter((r) => !FLEXPRICE_BUILT_IN_ROLES.includes(r));
    if (unknown.length > 0) {
      return error(400, "validation_error", `invalid role${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, {
        roles: `unknown role${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; built-in roles are ${FLEXPRICE_BUILT_IN_ROLES.join(", ")}`,
      });
    }
    const user = this.addUser({ name: input.name ?? null, type: "service_account", roles: [...new Set(input.roles)], environmentId });
    return { status: 201, body: this.userJson(user) };
  }

  private queryUser({ body }: OperationContext): EmulatorResponse {
    const filter = (body ?? {}) as UserFilter;
    const listed = [...this.users.values()].filter((u) => u.deletedAt === null && (filter.type === undefined || u.type === filter.type));
    return page(listed, filter.limit ?? DEFAULT_LIMIT, filter.offset ?? 0, (u) => this.userJson(u));
  }

  private deleteUser({ pathParams }: OperationContext): EmulatorResponse {
    const id = pathParams.id as string;
    const user = this.activeUser(id);
    if (!user) return error(404, "not_found", `user ${id} not found`);
    if (user.type !== "service_account") return error(400, "invalid_operation", "only service accounts can be deleted");
    const active = [...this.keys.values()].filter((k) => k.ownerId === id && this.active(k));
    if (active.length > 0) {
      return error(
        400,
        "invalid_operation",
        `service account ${id} still has ${active.length} active API key${active.length > 1 ? "s" : ""}; delete ${active.length > 1 ? "them" : "it"} first`,
        { active_api_keys: active.map((k) => k.id) },
      );
    }
    user.deletedAt = this.now();
    user.updatedAt = user.deletedAt;
    return { status: 204 };
  }

  /**
   * The admin user for the admin key, and for the read-only key with the role `all_reader` only; a
   * key's owner for a published, unexpired key whose owner exists (then records `last_used_at`).
   */
  private authenticate(header: string | undefined): Caller | undefined {
    const value = header?.trim();
    if (!value) return undefined;
    const hash = sha256(value);
    if (timingSafeEqual(hash, this.adminTokenHash)) return { user: this.adminUser, roles: this.adminUser.roles, publishable: false };
    if (this.readOnlyTokenHash && timingSafeEqual(hash, this.readOnlyTokenHash)) return { user: this.adminUser, roles: READ_ONLY_ROLES, publishable: false };
    const key = this.keys.get(this.keyIdsByHash.get(hash.toString("hex")) ?? "");
    const owner = key ? this.activeUser(key.ownerId) : undefined;
    if (!key || !owner || !this.active(key)) return undefined;
    key.lastUsedAt = this.now();
    return { user: owner, roles: key.roles, publishable: key.type === "publishable_key" };
  }

  private addUser(fields: Pick<UserRecord, "name" | "type" | "roles" | "environmentId">): UserRecord {
    const now = this.now();
    const user: UserRecord = { ...fields, id: `user_${ulid(now)}`, seq: this.nextSeq++, createdAt: now, updatedAt: now, deletedAt: null };
    this.users.set(user.id, user);
    return user;
  }

  private activeUser(id: string): UserRecord | undefined {
    const user = this.users.get(id);
    return user && user.deletedAt === null ? user : undefined;
  }

  /** Expired once now is after `expires_at` (a key is still valid at that very instant). */
  private expired(key: KeyRecord): boolean {
    return key.expiresAt !== null && this.now().getTime() > key.expiresAt.getTime();
  }

  private active(key: KeyRecord): boolean {
    return key.deletedAt === null && !this.expired(key);
  }

  /** `SecretResponse`; optional times are left out when unset, as the vendor's `omitempty` does. */
  private secretJson(key: KeyRecord): Record<string, unknown> {
    return {
      id: key.id,
      name: key.name,
      type: key.type,
      provider: "flexprice",
      display_id: key.displayId,
      roles: [...key.roles],
      user_type: key.ownerType,
      ...(key.expiresAt ? { expires_at: key.expiresAt.toISOString() } : {}),
      ...(key.lastUsedAt ? { last_used_at: key.lastUsedAt.toISOString() } : {}),
      status: key.deletedAt ? "deleted" : "published",
      created_at: key.createdAt.toISOString(),
      updated_at: key.updatedAt.toISOString(),
    };
  }

  /** `UserResponse`. */
  private userJson(user: UserRecord): Record<string, unknown> {
    return {
      id: user.id,
      ...(user.name === null ? {} : { name: user.name }),
      email: "",
      type: user.type,
      roles: [...user.roles],
      status: user.deletedAt ? "deleted" : "published",
      created_at: user.createdAt.toISOString(),
      updated_at: user.updatedAt.toISOString(),
    };
  }
}

/**
 * One page of `records`, newest first, as `{ items, pagination }`. Quirk of the vendor:
 * `pagination.offset` is the NEXT offset (offset + limit), not the offset of this page.
 */
function page<R extends { seq: number }>(records: R[], limit: number, offset: number, json: (r: R) => unknown): EmulatorResponse {
  const newestFirst = [...records].sort((a, b) => b.seq - a.seq);
  return {
    status: 200,
    body: {
      items: newestFirst.slice(offset, offset + limit).map(json),
      pagination: { total: newestFirst.length, limit, offset: offset + limit },
    },
  };
}

/** An `errors.ErrorResponse` answer. */
function error(status: number, code: string, message: string, details?: Record<string, unknown>): EmulatorResponse {
  return { status, body: { code, message, http_status_code: status, ...(details ? { details } : {}) } };
}

/** 400 `validation_error` whose `details` name each field (`name`, `roles.0`, `body`, `query.limit`). */
function validationError(violations: readonly FieldViolation[]): EmulatorResponse {
  const details: Record<string, string> = {};
  for (const v of violations) {
    const field = v.field === "" ? "body" : v.field.startsWith("/") ? v.field.slice(1).split("/").join(".") : v.field;
    details[field] = details[field] ? `${details[field]}; ${v.description}` : v.description;
  }
  const summary = Object.entries(details)
    .map(([field, description]) => `${field} ${description}`)
    .join("; ");
  return error(400, "validation_error", `invalid request: ${summary}`, details);
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** A ULID (26 characters of Crockford's base32): 48 bits of `time` in ms, then 80 random bits. */
function ulid(time: Date): string {
  let ms = BigInt(Math.max(0, Math.min(time.getTime(), 2 ** 48 - 1)));
  let timePart = "";
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD[Number(ms & 31n)] + timePart;
    ms >>= 5n;
  }
  let random = BigInt(`0x${randomBytes(10).toString("hex")}`);
  let randomPart = "";
  for (let i = 0; i < 16; i++) {
    randomPart = CROCKFORD[Number(random & 31n)] + randomPart;
    random >>= 5n;
  }
  return timePart + randomPart;
}
