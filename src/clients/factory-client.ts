/**
 * The Factory API (api-notes section 2; `openapi/factory.yaml`): Bearer auth, keys addressed under
 * their service account, times in epoch milliseconds, `{ detail, status, title, metadata? }` errors.
 * Service accounts are made in Factory's web app: the account operations refuse with an
 * {@link UnsupportedOperationError} before sending anything.
 */

import { ApiSpec } from "../spec";
import {
  AuthenticationError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  UnsupportedOperationError,
  parseFactoryError,
} from "./errors";
import { ClientOptions, HttpClient } from "./http";
import {
  ApiKeyInfo,
  CreateApiKeyInput,
  CreatedApiKey,
  CreateServiceAccountInput,
  DeleteOutcome,
  KeyManagementClient,
  ServiceAccountInfo,
} from "./types";

/** What {@link FactoryClient.rotateApiKey} may change. */
export interface RotateApiKeyInput {
  /**
   * When the replacement key stops authenticating.
   * @default the replacement never expires
   */
  readonly expiresAt?: Date;
  /**
   * Minutes (an integer from 0 to 10) the old key keeps working after the rotation, so that running
   * clients can switch over.
   * @default 0: the old key is revoked at once
   */
  readonly gracePeriodMinutes?: number;
}

/** Longest grace period Factory allows on a rotation, in minutes. */
export const FACTORY_MAX_GRACE_PERIOD_MINUTES = 10;

/** One item of `listServiceAccountApiKeys` on the wire (times in epoch ms). */
interface WireListedKey {
  id: string;
  name: string;
  fingerprint: string;
  createdAt: number;
  expiresAt?: number;
  isRevoked: boolean;
  revokedAt?: number;
}

/** The answer of create (201) and rotate (200) on the wire. */
interface WireMintedKey {
  apiKey?: { id?: string; value?: string; fingerprint?: string; name?: string; expiresAt?: number };
}

const API_NAME = "Factory";
const ACCOUNTS_ARE_MADE_IN_THE_WEB_APP =
  "Factory service accounts are created in Factory's web app, not through its API. " +
  "Create the account there and reference it with ServiceAccount.fromId(scope, id, { api, serviceAccountId }).";

/** A {@link KeyManagementClient} for Factory. Prefer `createClient(api, token)` over constructing it. */
export class FactoryClient implements KeyManagementClient {
  readonly #http: HttpClient;

  /**
   * @param api which API and where (the base URL without `/api/v0`); `api.tokenEnv` is named in
   *   authentication errors
   * @param token a Factory API key or token (sent as `Authorization: Bearer <token>`, redacted from every error)
   * @param options retry policy, progress callback and timeout
   */
  constructor(api: ApiSpec, token: string, options: ClientOptions = {}) {
    if (api.kind !== "factory") throw new Error(`FactoryClient cannot talk to a "${api.kind}" API`);
    this.#http = new HttpClient({
      ...options,
      baseUrl: api.baseUrl,
      auth: { header: "Authorization", scheme: "Bearer", credential: token },
      errorParser: parseFactoryError,
      tokenEnv: api.tokenEnv,
    });
  }

  /** Always rejects with an {@link UnsupportedOperationError}: Factory's API has no service account operations. */
  async listServiceAccounts(): Promise<ServiceAccountInfo[]> {
    throw new UnsupportedOperationError(API_NAME, "listServiceAccounts", ACCOUNTS_ARE_MADE_IN_THE_WEB_APP);
  }

  /** Always rejects with an {@link UnsupportedOperationError}: Factory's API has no service account operations. */
  async createServiceAccount(_input: CreateServiceAccountInput): Promise<ServiceAccountInfo> {
    throw new UnsupportedOperationError(API_NAME, "createServiceAccount", ACCOUNTS_ARE_MADE_IN_THE_WEB_APP);
  }

  /** Always rejects with an {@link UnsupportedOperationError}: Factory's API has no service account operations. */
  async deleteServiceAccount(_serviceAccountId: string): Promise<DeleteOutcome> {
    throw new UnsupportedOperationError(API_NAME, "deleteServiceAccount", ACCOUNTS_ARE_MADE_IN_THE_WEB_APP);
  }

  /**
   * `GET /api/v0/service-accounts/{id}/api-keys`: every key of the account, revoked ones included.
   * Epoch-ms times become RFC 3339; `status` is `revoked` when `isRevoked`, else `expired` once
   * `expiresAt` has passed (by this machine's clock), else `active`. `prefix` is Factory's fingerprint.
   */
  async listApiKeys(serviceAccountId: string): Promise<ApiKeyInfo[]> {
    const path = keysPath(serviceAccountId);
    const { status, data } = await this.#http.request<{ apiKeys?: WireListedKey[] }>({ method: "GET", path });
    if (!data || !Array.isArray(data.apiKeys)) throw invalid("GET", path, status, "the body has no `apiKeys` array");
    const now = Date.now();
    return data.apiKeys.map((wire) => toApiKeyInfo(wire, serviceAccountId, now, path, status));
  }

  /**
   * `POST /api/v0/service-accounts/{id}/api-keys` with only `name` and `expiresAt` (epoch ms): the
   * body allows nothing else, so non-empty `scopes` or a `type` is refused before sending. Never
   * retried after the server may have acted on it. `createdAt` is when the answer arrived (Factory's
   * create answer has no creation time). The one-time `value` is redacted from every later error.
   */
  async createApiKey(serviceAccountId: string, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    if (input.scopes !== undefined && input.scopes.length > 0) {
      throw new UnsupportedOperationError(
        API_NAME,
        "API key scopes",
        `Factory API keys have no scopes (API key "${input.name}" asked for ${input.scopes.join(", ")}); leave \`scopes\` out.`,
      );
    }
    if (input.type !== undefined) {
      throw new UnsupportedOperationError(
        API_NAME,
        "API key types",
        `Factory API keys have no types (API key "${input.name}" asked for "${input.type}"); leave \`type\` out.`,
      );
    }
    const path = keysPath(serviceAccountId);
    const body: Record<string, unknown> = { name: input.name };
    if (input.expiresAt !== undefined) body.expiresAt = epochMs(input.expiresAt, `expiresAt of API key "${input.name}"`);
    return this.#minted("POST", path, body, serviceAccountId);
  }

  /**
   * `POST /api/v0/service-accounts/{id}/api-keys/{keyId}/rotate`: mints a replacement (same name) and
   * revokes the old key, at once or `gracePeriodMinutes` later. Resolves with the replacement and its
   * one-time value. A revoked or already rotated key rejects with a ConflictError (409).
   *
   * @throws Error before sending when `gracePeriodMinutes` is not an integer from 0 to 10 or
   *   `expiresAt` is not a valid date
   */
  async rotateApiKey(serviceAccountId: string, keyId: string, input: RotateApiKeyInput = {}): Promise<CreatedApiKey> {
    const body: Record<string, unknown> = {};
    if (input.expiresAt !== undefined) body.expiresAt = epochMs(input.expiresAt, `expiresAt of the replacement of API key ${keyId}`);
    const grace = input.gracePeriodMinutes;
    if (grace !== undefined) {
      if (!Number.isInteger(grace) || grace < 0 || grace > FACTORY_MAX_GRACE_PERIOD_MINUTES) {
        throw new Error(
          `\`gracePeriodMinutes\` must be an integer between 0 and ${FACTORY_MAX_GRACE_PERIOD_MINUTES} (got ${grace}): ` +
            "Factory keeps a rotated key working for at most 10 minutes",
        );
      }
      body.gracePeriodMinutes = grace;
    }
    return this.#minted("POST", `${keyPath(serviceAccountId, keyId)}/rotate`, body, serviceAccountId);
  }

  /**
   * `POST /api/v0/service-accounts/{id}/api-keys/{keyId}/revoke`: 204 (also for an already revoked
   * key) -> "deleted". A 404 -> "already-gone" only once the account's key list confirms the key is
   * not there: a 404 from a wrong base URL, or for an unknown account, still throws.
   */
  async revokeApiKey(serviceAccountId: string, keyId: string): Promise<DeleteOutcome> {
    try {
      await this.#http.request({ method: "POST", path: `${keyPath(serviceAccountId, keyId)}/revoke` });
      return "deleted";
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      const listed = await this.listApiKeys(serviceAccountId).catch(() => undefined);
      if (listed && !listed.some((k) => k.id === keyId)) return "already-gone";
      throw e;
    }
  }

  /**
   * `GET /api/v0/service-accounts/{serviceAccountId}/api-keys` with `Authorization: Bearer <keyValue>`:
   * false on 401; true on 200, and on 403 (authenticated, but not allowed to list). Any other failure
   * throws. `keyValue` is redacted from every later error of this client.
   *
   * @param serviceAccountId the key's account: Factory addresses keys under their account
   * @throws Error when `serviceAccountId` is missing
   */
  async authenticates(keyValue: string, serviceAccountId?: string): Promise<boolean> {
    if (!serviceAccountId) {
      throw new Error(
        "FactoryClient.authenticates needs the key's service account id: Factory checks a key by listing its account's keys with it",
      );
    }
    try {
      await this.#http.request({
        method: "GET",
        path: keysPath(serviceAccountId),
        auth: { header: "Authorization", scheme: "Bearer", credential: keyValue },
      });
      return true;
    } catch (e) {
      if (e instanceof AuthenticationError) return false;
      if (e instanceof PermissionDeniedError) return true;
      throw e;
    }
  }

  /** Sends a create or rotate and reads the one-time value out of the answer. */
  async #minted(method: "POST", path: string, body: Record<string, unknown>, serviceAccountId: string): Promise<CreatedApiKey> {
    const { status, data } = await this.#http.request<WireMintedKey>({ method, path, body });
    const apiKey = data?.apiKey;
    if (apiKey && typeof apiKey.value === "string") this.#http.addSecret(apiKey.value);
    if (!apiKey || typeof apiKey.value !== "string" || typeof apiKey.id !== "string" || typeof apiKey.fingerprint !== "string") {
      throw invalid(method, path, status, "the body lacks `apiKey.id`, `apiKey.fingerprint` or the one-time `apiKey.value`; a key may have been created without its value");
    }
    const info: ApiKeyInfo = {
      id: apiKey.id,
      serviceAccountId,
      name: typeof apiKey.name === "string" ? apiKey.name : String(body.name ?? ""),
      prefix: apiKey.fingerprint,
      scopes: [],
      createdAt: new Date().toISOString(),
      expiresAt: apiKey.expiresAt === undefined ? null : isoFromMs(apiKey.expiresAt, "apiKey.expiresAt", method, path, status),
      revokedAt: null,
      // The API mints a key whose expiresAt is already past (its schema allows it): it never works.
      status: typeof apiKey.expiresAt === "number" && apiKey.expiresAt < Date.now() ? "expired" : "active",
    };
    return { info, value: apiKey.value };
  }
}

function toApiKeyInfo(wire: WireListedKey, serviceAccountId: string, now: number, path: string, status: number): ApiKeyInfo {
  if (!wire || typeof wire.id !== "string" || typeof wire.isRevoked !== "boolean") {
    throw invalid("GET", path, status, "an item of `apiKeys` lacks `id` or `isRevoked`");
  }
  const expired = wire.expiresAt !== undefined && wire.expiresAt < now;
  return {
    id: wire.id,
    serviceAccountId,
    name: wire.name,
    prefix: wire.fingerprint,
    scopes: [],
    createdAt: isoFromMs(wire.createdAt, "createdAt", "GET", path, status),
    expiresAt: wire.expiresAt === undefined ? null : isoFromMs(wire.expiresAt, "expiresAt", "GET", path, status),
    revokedAt: wire.revokedAt === undefined ? null : isoFromMs(wire.revokedAt, "revokedAt", "GET", path, status),
    status: wire.isRevoked ? "revoked" : expired ? "expired" : "active",
  };
}

/** Epoch milliseconds from the wire as RFC 3339. */
function isoFromMs(ms: unknown, field: string, method: string, path: string, status: number): string {
  const date = typeof ms === "number" && Number.isFinite(ms) ? new Date(ms) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw invalid(method, path, status, `\`${field}\` is not a time in epoch milliseconds (got ${JSON.stringify(ms)})`);
  }
  return date.toISOString();
}

/** A date as the integer epoch milliseconds Factory expects. */
function epochMs(date: Date, what: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new Error(`${what} is not a valid date`);
  return ms;
}

function keysPath(serviceAccountId: string): string {
  return `/api/v0/service-accounts/${segment(serviceAccountId)}/api-keys`;
}

function keyPath(serviceAccountId: string, keyId: string): string {
  return `${keysPath(serviceAccountId)}/${segment(keyId)}`;
}

/** An id as one URL path segment. */
function segment(id: string): string {
  if (!id) throw new Error("an empty id cannot address a resource");
  return encodeURIComponent(id);
}

function invalid(method: string, path: string, status: number, detail: string): InvalidResponseError {
  return new InvalidResponseError({ status, code: "invalid_response", title: "Unexpected response", detail, method, path });
}
