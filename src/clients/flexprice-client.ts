/**
 * The Flexprice key-management API (api-notes section 3; `openapi/flexprice.yaml`): `x-api-key`
 * auth, service accounts as users of type `service_account` with roles that their keys copy at
 * creation, offset pagination, `{ code, message, http_status_code }` errors beside the auth layer's
 * own 401/403 bodies.
 */

import { ApiSpec, ApiKeyType, FLEXPRICE_BUILT_IN_ROLES } from "../spec";
import {
  AuthenticationError,
  FLEXPRICE_ERROR_TITLE,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
  parseFlexpriceError,
} from "./errors";
import { ClientOptions, HttpClient, HttpMethod } from "./http";
import {
  ApiKeyInfo,
  ApiKeyStatus,
  CreateApiKeyInput,
  CreateServiceAccountInput,
  CreatedApiKey,
  DeleteOutcome,
  KeyManagementClient,
  ServiceAccountInfo,
} from "./types";

/** Options of a {@link FlexpriceClient}: those of every client, plus the page size. */
export interface FlexpriceClientOptions extends ClientOptions {
  /**
   * Items asked for per page when listing (1..1000).
   * @default 1000, the largest page the API serves
   */
  readonly pageSize?: number;
}

/** Largest page the API serves; listing asks for it to make the fewest requests. */
const MAX_PAGE_SIZE = 1000;

/** A generous bound on pages, so a server that never reaches its `total` cannot loop forever. */
const MAX_PAGES = 10_000;

const KEY_TYPES: readonly string[] = ["private_key", "publishable_key"] satisfies readonly ApiKeyType[];

/** `UserResponse` on the wire (only what is read). */
interface WireUser {
  id: string;
  name?: string;
  type?: string;
  roles?: unknown;
  created_at?: string;
}

/**
 * A key on the wire: `SecretResponse` (the list, and `secret` of the OpenAPI create answer) or the
 * guide's flat create answer `{ id, name, api_key, roles, created_at }`.
 */
interface WireKey {
  id: string;
  name?: string;
  type?: string;
  display_id?: string;
  roles?: unknown;
  expires_at?: string;
  status?: string;
  created_at?: string;
  updated_at?: string;
}

/** `{ items, pagination }` of both lists. */
interface WireList {
  items?: unknown;
  pagination?: { total?: unknown };
}

/** A {@link KeyManagementClient} for Flexprice. Prefer `createClient(api, token)` over constructing it. */
export class FlexpriceClient implements KeyManagementClient {
  readonly #http: HttpClient;
  readonly #pageSize: number;

  /**
   * @param api which API and where; `api.tokenEnv` is named in authentication errors, and
   *   `api.environmentId`, when set, is sent as `X-Environment-ID` with every request
   * @param token the admin key (sent as `x-api-key`, redacted from every error)
   * @param options retry policy, progress callback, timeout and page size
   */
  constructor(api: ApiSpec, token: string, options: FlexpriceClientOptions = {}) {
    if (api.kind !== "flexprice") throw new Error(`FlexpriceClient cannot talk to a "${api.kind}" API`);
    const { pageSize = MAX_PAGE_SIZE, ...clientOptions } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new Error(`pageSize must be an integer between 1 and ${MAX_PAGE_SIZE} (got ${pageSize})`);
    }
    if (api.environmentId !== undefined && !/^\S+$/.test(api.environmentId)) {
      throw new Error(`environmentId must be a Flexprice environment id without spaces (got "${api.environmentId}")`);
    }
    this.#pageSize = pageSize;
    this.#http = new HttpClient({
      ...clientOptions,
      baseUrl: api.baseUrl,
      auth: { header: "x-api-key", credential: token },
      errorParser: parseFlexpriceError,
      tokenEnv: api.tokenEnv,
      headers: api.environmentId === undefined ? undefined : { "X-Environment-ID": api.environmentId },
    });
  }

  /** Every service account: `POST /users/search` with `type: service_account`, page by page. */
  async listServiceAccounts(): Promise<ServiceAccountInfo[]> {
    const users = await this.#collect<WireUser>("POST", "/users/search", (limit, offset) => ({
      body: { limit, offset, type: "service_account" },
    }));
    return users.filter((u) => u.type === undefined || u.type === "service_account").map(toServiceAccount);
  }

  /**
   * `POST /users` with `type: service_account` and the roles (at least one; keys copy them at
   * creation). An unknown role is refused by the API with a ValidationError. Names need not be unique.
   */
  async createServiceAccount(input: CreateServiceAccountInput): Promise<ServiceAccountInfo> {
    const roles = input.roles ?? [];
    if (roles.length === 0) {
      throw new Error(
        `Flexprice service account "${input.name}" needs at least one role, which its keys inherit: ` +
          `set roles (built-in: ${FLEXPRICE_BUILT_IN_ROLES.join(", ")})`,
      );
    }
    if (input.description !== undefined) {
      throw new Error(`Flexprice service accounts have no description: remove the description of "${input.name}"`);
    }
    const path = "/users";
    const { status, data } = await this.#http.request<WireUser>({
      method: "POST",
      path,
      body: { type: "service_account", name: input.name, roles: [...roles] },
    });
    if (!isRecord(data) || typeof data.id !== "string") throw invalid("POST", path, status, "the body has no user `id`");
    return toServiceAccount(data);
  }

  /**
   * `DELETE /users/{id}`: 204 -> "deleted", Flexprice's 404 `not_found` -> "already-gone". While the
   * account still has active keys the API refuses (400 `invalid_operation`): that rejects with a
   * ValidationError saying to revoke the keys first.
   */
  async deleteServiceAccount(serviceAccountId: string): Promise<DeleteOutcome> {
    const path = `/users/${segment(serviceAccountId)}`;
    try {
      return await this.#delete(path);
    } catch (e) {
      if (e instanceof ValidationError && e.code === "invalid_operation") {
        throw withHint(
          e,
          `Flexprice does not delete a service account that still has active API keys: revoke its keys first ` +
            `(destroy the ApiKey resources of service account ${serviceAccountId}), then delete the account`,
        );
      }
      throw e;
    }
  }

  /**
   * Every published private key, whatever its account: the API's list cannot filter by account and
   * does not say which account a key belongs to (so `serviceAccountId` is "" on each). Publishable
   * and deleted keys are never listed. Roles are reported as `scopes`.
   */
  async listApiKeys(_serviceAccountId: string): Promise<ApiKeyInfo[]> {
    const keys = await this.#collect<WireKey>("GET", "/secrets/api/keys", (limit, offset) => ({ query: { limit, offset } }));
    return keys.map((k) => toApiKeyInfo(k, ""));
  }

  /**
   * `POST /secrets/api/keys` with `service_account_id`, `type` (default `private_key`) and
   * `expires_at` as RFC 3339. Refuses `type: integration` (the API does) and `scopes` (keys inherit
   * their account's roles) before sending anything. Accepts both answers: `{ api_key, secret }` and
   * the flat `{ id, name, api_key, roles, created_at }` (whose missing `expires_at` is taken from the
   * request). Never retried after the server may have acted on it. The returned `value` is the
   * one-time plaintext; it is redacted from every later error of this client.
   */
  async createApiKey(serviceAccountId: string, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    if (!serviceAccountId) {
      throw new Error(`API key "${input.name}" needs a service account id (without one, Flexprice would mint it for the admin key's own user)`);
    }
    const type: string = input.type ?? "private_key";
    if (type === "integration") {
      throw new Error(
        `API key "${input.name}": Flexprice refuses type "integration" for API keys; use "private_key" (server side) or "publishable_key" (client side)`,
      );
    }
    if (!KEY_TYPES.includes(type)) {
      throw new Error(`API key "${input.name}": type must be "private_key" or "publishable_key" (got "${type}")`);
    }
    if (input.scopes !== undefined && input.scopes.length > 0) {
      throw new Error(
        `API key "${input.name}": Flexprice keys have no scopes, they inherit the roles of their service account; ` +
          "remove scopes and set roles on the service account",
      );
    }
    const body: Record<string, unknown> = { name: input.name, type, service_account_id: serviceAccountId };
    let requestedExpiry: string | null = null;
    if (input.expiresAt !== undefined) {
      if (Number.isNaN(input.expiresAt.getTime())) throw new Error(`expiresAt of API key "${input.name}" is not a valid date`);
      requestedExpiry = input.expiresAt.toISOString();
      body.expires_at = requestedExpiry;
    }

    const path = "/secrets/api/keys";
    const { status, data } = await this.#http.request<Record<string, unknown>>({ method: "POST", path, body });
    const value = isRecord(data) && typeof data.api_key === "string" && data.api_key !== "" ? data.api_key : undefined;
    if (value) this.#http.addSecret(value);
    // The OpenAPI shape nests the metadata under `secret`; the guide's flat shape has it at the top.
    const wire = isRecord(data) && isRecord(data.secret) ? data.secret : data;
    if (!value || !isRecord(wire) || typeof wire.id !== "string") {
      throw invalid("POST", path, status, "the body lacks `api_key` or the key's `id`; a key may have been created without its value");
    }
    const info = toApiKeyInfo(wire as unknown as WireKey, serviceAccountId);
    return {
      info: { ...info, name: typeof wire.name === "string" ? wire.name : input.name, expiresAt: info.expiresAt ?? requestedExpiry },
      value,
    };
  }

  /** `DELETE /secrets/api/keys/{id}`: 204 (also for an already deleted key) -> "deleted", 404 `not_found` -> "already-gone". */
  async revokeApiKey(_serviceAccountId: string, keyId: string): Promise<DeleteOutcome> {
    return this.#delete(`/secrets/api/keys/${segment(keyId)}`);
  }

  /**
   * `GET /secrets/api/keys?limit=1` with `x-api-key: <keyValue>`: false on 401, true on 200 and on 403
   * (the key authenticates, its roles just do not allow listing keys, e.g. an `event_ingestor` key or a
   * publishable key); any other failure throws. `keyValue` is redacted from every later error of this client.
   */
  async authenticates(keyValue: string): Promise<boolean> {
    try {
      await this.#http.request({
        method: "GET",
        path: "/secrets/api/keys",
        query: { limit: 1 },
        auth: { header: "x-api-key", credential: keyValue },
      });
      return true;
    } catch (e) {
      if (e instanceof AuthenticationError) return false;
      if (e instanceof PermissionDeniedError) return true;
      throw e;
    }
  }

  async #delete(path: string): Promise<DeleteOutcome> {
    try {
      await this.#http.request({ method: "DELETE", path });
      return "deleted";
    } catch (e) {
      // Only Flexprice's own `not_found` body: a bare 404 (wrong base URL, a proxy) still throws.
      if (e instanceof NotFoundError && e.code === "not_found" && e.title === FLEXPRICE_ERROR_TITLE) return "already-gone";
      throw e;
    }
  }

  /**
   * Every item of an offset-paged list. Counts the offset itself: the API's `pagination.offset` is
   * the NEXT offset (request offset + limit), and a server may serve fewer items than asked for.
   * Stops once `pagination.total` items are read (or at an empty or, without a total, a short page).
   */
  async #collect<T extends { id: string }>(
    method: HttpMethod,
    path: string,
    page: (limit: number, offset: number) => { query?: Record<string, number>; body?: unknown },
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let offset = 0;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const { status, data } = await this.#http.request<WireList>({ method, path, ...page(this.#pageSize, offset) });
      if (!isRecord(data) || !Array.isArray(data.items)) throw invalid(method, path, status, "the body has no `items` array");
      for (const item of data.items) {
        if (!isRecord(item) || typeof item.id !== "string") throw invalid(method, path, status, "an item has no `id`");
        // Newest first: a key created while paging shifts the pages, so an item can come twice.
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        items.push(item as T);
      }
      offset += data.items.length;
      const total = isRecord(data.pagination) && typeof data.pagination.total === "number" ? data.pagination.total : undefined;
      if (data.items.length === 0) return items;
      if (total !== undefined ? offset >= total : data.items.length < this.#pageSize) return items;
    }
    throw invalid(method, path, 200, `pagination did not end after ${MAX_PAGES} pages`);
  }
}

function toServiceAccount(wire: WireUser): ServiceAccountInfo {
  return { id: wire.id, name: wire.name ?? "", description: null, createdAt: wire.created_at ?? "" };
}

/**
 * A key's metadata. `prefix` is the API's non-secret `display_id` (never derived from the key
 * itself), "" when the answer has none (the flat create answer); `scopes` are the key's roles.
 */
function toApiKeyInfo(wire: WireKey, serviceAccountId: string): ApiKeyInfo {
  const removed = wire.status === "deleted" || wire.status === "archived";
  const expiresAt = typeof wire.expires_at === "string" ? wire.expires_at : null;
  let status: ApiKeyStatus = "active";
  if (removed) status = "revoked";
  else if (expiresAt !== null && Date.parse(expiresAt) < Date.now()) status = "expired";
  return {
    id: wire.id,
    serviceAccountId,
    name: wire.name ?? "",
    prefix: typeof wire.display_id === "string" ? wire.display_id : "",
    scopes: Array.isArray(wire.roles) ? wire.roles.filter((r): r is string => typeof r === "string") : [],
    createdAt: wire.created_at ?? "",
    expiresAt,
    revokedAt: removed ? (wire.updated_at ?? null) : null,
    status,
  };
}

/** The same error with a hint on what to do next appended to its message. */
function withHint(e: ValidationError, hint: string): ValidationError {
  const init = {
    status: e.status,
    code: e.code,
    title: e.title,
    detail: e.detail,
    violations: e.violations,
    requestId: e.requestId,
    method: e.method,
    path: e.path,
    hint,
  };
  return new ValidationError(init);
}

/** An id as one URL path segment. */
function segment(id: string): string {
  if (!id) throw new Error("an empty id cannot address a resource");
  return encodeURIComponent(id);
}

function invalid(method: string, path: string, status: number, detail: string): InvalidResponseError {
  return new InvalidResponseError({ status, code: "invalid_response", title: "Unexpected response", detail, method, path });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
