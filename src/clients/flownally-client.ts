/**
 * The Flownally key-management API (api-notes section 1; the project's OpenAPI document is the
 * contract): Bearer auth, cursor pagination, RFC 9457 ProblemDetails errors.
 */

import { ApiSpec } from "../spec";
import { InvalidResponseError, NotFoundError, AuthenticationError, parseProblemDetails } from "./errors";
import { ClientOptions, HttpClient } from "./http";
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

/** Largest page the API serves; listing asks for it to make the fewest requests. */
const PAGE_LIMIT = 100;

/** A generous bound on pages, so a server that keeps answering with cursors cannot loop forever. */
const MAX_PAGES = 10_000;

/** `ServiceAccount` on the wire. */
interface WireServiceAccount {
  id: string;
  name: string;
  description?: string | null;
  createdAt: string;
}

/** `APIKeyInfo` on the wire. */
interface WireApiKeyInfo {
  id: string;
  serviceAccountId: string;
  name: string;
  prefix: string;
  scopes?: string[];
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  status: ApiKeyStatus;
}

/** A {@link KeyManagementClient} for Flownally. Prefer `createClient(api, token)` over constructing it. */
export class FlownallyClient implements KeyManagementClient {
  readonly #http: HttpClient;

  /**
   * @param api which API and where; `api.tokenEnv` is named in authentication errors
   * @param token the admin token (sent as `Authorization: Bearer <token>`, redacted from every error)
   * @param options retry policy, progress callback and timeout
   */
  constructor(api: ApiSpec, token: string, options: ClientOptions = {}) {
    if (api.kind !== "flownally") throw new Error(`FlownallyClient cannot talk to a "${api.kind}" API`);
    this.#http = new HttpClient({
      ...options,
      baseUrl: api.baseUrl,
      auth: { header: "Authorization", scheme: "Bearer", credential: token },
      errorParser: parseProblemDetails,
      tokenEnv: api.tokenEnv,
    });
  }

  /** Every service account: follows `nextCursor` with pages of 100 until it is null. */
  async listServiceAccounts(): Promise<ServiceAccountInfo[]> {
    const accounts: ServiceAccountInfo[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { status, data } = await this.#http.request<{ serviceAccounts?: WireServiceAccount[]; nextCursor?: string | null }>({
        method: "GET",
        path: "/service-accounts",
        query: { limit: PAGE_LIMIT, cursor },
      });
      if (!data || !Array.isArray(data.serviceAccounts)) {
        throw invalid("GET", "/service-accounts", status, "the body has no `serviceAccounts` array");
      }
      accounts.push(...data.serviceAccounts.map(toServiceAccount));
      if (!data.nextCursor) return accounts;
      if (seen.has(data.nextCursor)) {
        throw invalid("GET", "/service-accounts", status, "the API returned the same `nextCursor` twice");
      }
      seen.add(data.nextCursor);
      cursor = data.nextCursor;
    }
    throw invalid("GET", "/service-accounts", 200, `pagination did not end after ${MAX_PAGES} pages`);
  }

  /** `POST /service-accounts`. A taken name rejects with a ConflictError `service_account_name_taken`. */
  async createServiceAccount(input: CreateServiceAccountInput): Promise<ServiceAccountInfo> {
    const body: Record<string, unknown> = { name: input.name };
    if (input.description !== undefined) body.description = input.description;
    const { status, data } = await this.#http.request<WireServiceAccount>({ method: "POST", path: "/service-accounts", body });
    if (!data || typeof data.id !== "string") throw invalid("POST", "/service-accounts", status, "the body has no service account `id`");
    return toServiceAccount(data);
  }

  /** `DELETE /service-accounts/{id}`: 204 -> "deleted", 404 `service_account_not_found` -> "already-gone". */
  async deleteServiceAccount(serviceAccountId: string): Promise<DeleteOutcome> {
    return this.#idempotentDelete(`/service-accounts/${segment(serviceAccountId)}`, "service_account_not_found");
  }

  /** `GET /service-accounts/{id}/api-keys`: metadata of every key of the account, revoked ones included. */
  async listApiKeys(serviceAccountId: string): Promise<ApiKeyInfo[]> {
    const path = `/service-accounts/${segment(serviceAccountId)}/api-keys`;
    const { status, data } = await this.#http.request<{ apiKeys?: WireApiKeyInfo[] }>({ method: "GET", path });
    if (!data || !Array.isArray(data.apiKeys)) throw invalid("GET", path, status, "the body has no `apiKeys` array");
    return data.apiKeys.map(toApiKeyInfo);
  }

  /**
   * `POST /service-accounts/{id}/api-keys`, `expiresAt` sent as RFC 3339. Never retried after the
   * server may have acted on it. The returned `value` is the one-time plaintext; it is redacted from
   * every later error of this client.
   */
  async createApiKey(serviceAccountId: string, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const path = `/service-accounts/${segment(serviceAccountId)}/api-keys`;
    const body: Record<string, unknown> = { name: input.name };
    if (input.expiresAt !== undefined) {
      if (Number.isNaN(input.expiresAt.getTime())) throw new Error(`expiresAt of API key "${input.name}" is not a valid date`);
      body.expiresAt = input.expiresAt.toISOString();
    }
    if (input.scopes !== undefined) body.scopes = [...input.scopes];
    const { status, data } = await this.#http.request<{ apiKey?: WireApiKeyInfo; key?: string }>({ method: "POST", path, body });
    if (data && typeof data.key === "string") this.#http.addSecret(data.key);
    if (!data || typeof data.key !== "string" || !data.apiKey || typeof data.apiKey.id !== "string") {
      throw invalid("POST", path, status, "the body lacks `apiKey` or the one-time `key`; a key may have been created without its value");
    }
    return { info: toApiKeyInfo(data.apiKey), value: data.key };
  }

  /** `DELETE /api-keys/{id}`: 204 (also for an already revoked key) -> "deleted", 404 `api_key_not_found` -> "already-gone". */
  async revokeApiKey(_serviceAccountId: string, keyId: string): Promise<DeleteOutcome> {
    return this.#idempotentDelete(`/api-keys/${segment(keyId)}`, "api_key_not_found");
  }

  /**
   * `GET /service-accounts?limit=1` with `Authorization: Bearer <keyValue>`: true on 200, false on
   * 401; any other failure throws. `keyValue` is redacted from every later error of this client.
   */
  async authenticates(keyValue: string): Promise<boolean> {
    try {
      await this.#http.request({
        method: "GET",
        path: "/service-accounts",
        query: { limit: 1 },
        auth: { header: "Authorization", scheme: "Bearer", credential: keyValue },
      });
      return true;
    } catch (e) {
      if (e instanceof AuthenticationError) return false;
      throw e;
    }
  }

  async #idempotentDelete(path: string, goneCode: string): Promise<DeleteOutcome> {
    try {
      await this.#http.request({ method: "DELETE", path });
      return "deleted";
    } catch (e) {
      // Only the API's own "no such resource" code: a bare 404 (wrong base URL, a proxy) still throws.
      if (e instanceof NotFoundError && e.code === goneCode) return "already-gone";
      throw e;
    }
  }
}

function toServiceAccount(wire: WireServiceAccount): ServiceAccountInfo {
  return { id: wire.id, name: wire.name, description: wire.description ?? null, createdAt: wire.createdAt };
}

function toApiKeyInfo(wire: WireApiKeyInfo): ApiKeyInfo {
  return {
    id: wire.id,
    serviceAccountId: wire.serviceAccountId,
    name: wire.name,
    prefix: wire.prefix,
    scopes: wire.scopes ?? [],
    createdAt: wire.createdAt,
    expiresAt: wire.expiresAt ?? null,
    revokedAt: wire.revokedAt ?? null,
    status: wire.status,
  };
}

/** An id as one URL path segment. */
function segment(id: string): string {
  if (!id) throw new Error("an empty id cannot address a resource");
  return encodeURIComponent(id);
}

function invalid(method: string, path: string, status: number, detail: string): InvalidResponseError {
  return new InvalidResponseError({ status, code: "invalid_response", title: "Unexpected response", detail, method, path });
}
