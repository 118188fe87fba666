/**
 * The HTTP layer under every key-management client: one axios instance with the base URL, the
 * auth header, JSON, a timeout and a User-Agent; retries decided by {@link retryDecision}; and
 * errors mapped to {@link ApiError} subclasses with every secret redacted. No axios error, config
 * or header object ever leaves this module.
 */

import * as fs from "fs";
import * as path from "path";
import axios, { AxiosInstance, AxiosResponse } from "axios";
import { packageRoot } from "../package-root";
import { redact } from "../redact";
import { ApiError, ErrorBodyParser, ErrorContext, createApiError, createConnectionError, errnoOf } from "./errors";
import { AttemptFailure, DEFAULT_RETRY_POLICY, RetryPolicy, retryDecision } from "./retry";

/** One retry about to happen, for progress output. */
export interface RetryEvent {
  /** HTTP method, upper case. */
  readonly method: string;
  /** API path, without base URL or query string. */
  readonly path: string;
  /** 1 for the first retry. */
  readonly retry: number;
  readonly maxRetries: number;
  /** How long the client waits before the retry. */
  readonly delayMs: number;
  /** Why, e.g. `rate limited (429)`. */
  readonly reason: string;
  /** A ready-to-print, redacted progress line. */
  readonly message: string;
}

/** Options every client accepts (passed through by `createClient`). */
export interface ClientOptions {
  /**
   * Overrides of the retry policy (tests use tiny delays).
   * @default DEFAULT_RETRY_POLICY: 4 retries, 500 ms backoff base, 10 s backoff cap, 60 s Retry-After cap
   */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Called before each retry with a redacted, ready-to-print progress line, e.g.
   * `POST /service-accounts: rate limited (429); retry 1 of 4 in 2.0s`, and the details.
   * @default no progress output
   */
  readonly onRetry?: (message: string, event: RetryEvent) => void;
  /**
   * Per-request timeout in milliseconds (each attempt separately).
   * @default 30_000
   */
  readonly timeoutMs?: number;
}

/** How requests authenticate: `Authorization: Bearer <token>` or, e.g., `x-api-key: <key>`. */
export interface AuthHeader {
  /** Header name, e.g. `Authorization` or `x-api-key`. */
  readonly header: string;
  /** The secret itself (redacted from every error). */
  readonly credential: string;
  /**
   * Written before the credential, separated by a space, e.g. `Bearer`.
   * @default no scheme: the header value is the credential
   */
  readonly scheme?: string;
}

/** Options of an {@link HttpClient}. */
export interface HttpClientOptions extends ClientOptions {
  /** API base URL; may carry a path prefix and a trailing slash. */
  readonly baseUrl: string;
  readonly auth: AuthHeader;
  /** Reads the error body shape of this API. */
  readonly errorParser: ErrorBodyParser;
  /**
   * Name of the environment variable holding the token, named in authentication errors.
   * @default errors speak of "the token environment variable"
   */
  readonly tokenEnv?: string;
  /**
   * Extra, non-secret headers sent with every request, e.g. Flexprice's `X-Environment-ID`. The auth
   * header is not one of them (it is redacted; these are not).
   * @default none
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Supported HTTP methods. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One API call. */
export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, starting with `/`; ids already URI-encoded. */
  readonly path: string;
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON request body. */
  readonly body?: unknown;
  /**
   * Replaces the client's auth for this request only (e.g. to test a freshly minted key).
   * Its credential is added to the redacted secrets.
   * @default the client's auth
   */
  readonly auth?: AuthHeader;
}

/** A successful (2xx) response. */
export interface HttpResponse<T> {
  readonly status: number;
  readonly data: T;
}

/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Sends JSON requests to one API and either returns a 2xx response or throws an {@link ApiError}
 * subclass (a {@link ConnectionError} when no response came back), retrying per
 * {@link retryDecision}.
 */
export class HttpClient {
  // ES private fields: invisible to util.inspect and JSON.stringify, so logging the client
  // cannot print the token.
  readonly #axios: AxiosInstance;
  readonly #auth: AuthHeader;
  readonly #secrets = new Set<string>();
  readonly #policy: RetryPolicy;
  readonly #onRetry?: (message: string, event: RetryEvent) => void;
  readonly #errorParser: ErrorBodyParser;
  readonly #tokenEnv?: string;

  constructor(options: HttpClientOptions) {
    this.#auth = options.auth;
    this.addSecret(options.auth.credential);
    this.#policy = validatePolicy({ ...DEFAULT_RETRY_POLICY, ...definedOnly(options.retry ?? {}) });
    this.#onRetry = options.onRetry;
    this.#errorParser = options.errorParser;
    this.#tokenEnv = options.tokenEnv;
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeout > 0)) throw new Error(`timeoutMs must be a positive number of milliseconds (got ${timeout})`);
    this.#axios = axios.create({
      baseURL: normalizeBaseUrl(options.baseUrl),
      timeout,
      headers: { Accept: "application/json, application/problem+json", "User-Agent": userAgent(), ...options.headers },
      // Every status comes back as a response; this module maps error statuses itself.
      validateStatus: () => true,
      // An API redirect is unexpected; never carry the auth header to another location.
      maxRedirects: 0,
      // Report timeouts as ETIMEDOUT rather than the generic ECONNABORTED.
      transitional: { clarifyTimeoutError: true },
    });
  }

  /** Adds a value (a key's plaintext, a token) to the secrets scrubbed from every later error and progress line. */
  addSecret(value: string): void {
    if (value) this.#secrets.add(value);
  }

  /**
   * Sends `request`, retrying per the policy. Resolves with the 2xx response; rejects with an
   * {@link ApiError} subclass, never with an axios error.
   */
  async request<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const auth = request.auth ?? this.#auth;
    this.addSecret(auth.credential);
    const headerValue = auth.scheme ? `${auth.scheme} ${auth.credential}` : auth.credential;
    const pathOnly = request.path.split("?")[0];

    for (let retriesSoFar = 0; ; retriesSoFar++) {
      let response: AxiosResponse | undefined;
      let networkError: unknown;
      try {
        response = await this.#axios.request({
          method: request.method,
          url: request.path.replace(/^\/+/, ""),
          params: request.query ? definedOnly(request.query) : undefined,
          data: request.body,
          headers: { [auth.header]: headerValue },
        });
      } catch (e) {
        networkError = e;
      }

      if (response && response.status >= 200 && response.status < 300) {
        return { status: response.status, data: response.data as T };
      }

      const headers = response ? plainHeaders(response.headers) : {};
      const failure: AttemptFailure = response
        ? { kind: "status", status: response.status, retryAfter: headerString(headers["retry-after"]) }
        : { kind: "network", errno: errnoOf(networkError) };
      const decision = retryDecision({
        method: request.method,
        retriesSoFar,
        failure,
        policy: this.#policy,
        random: Math.random(),
        now: Date.now(),
      });

      if (!decision.retry) {
        const context = this.#context(request.method, pathOnly, retriesSoFar);
        throw response
          ? createApiError(response.status, response.data, headers, this.#errorParser, context)
          : createConnectionError(networkError, context);
      }

      if (this.#onRetry) {
        const secrets = [...this.#secrets];
        const seconds = (decision.delayMs / 1000).toFixed(decision.delayMs < 1000 ? 3 : 1);
        const message = redact(
          `${request.method} ${pathOnly}: ${decision.reason}; retry ${retriesSoFar + 1} of ${this.#policy.maxRetries} in ${seconds}s`,
          secrets,
        );
        try {
          this.#onRetry(message, {
            method: request.method,
            path: redact(pathOnly, secrets),
            retry: retriesSoFar + 1,
            maxRetries: this.#policy.maxRetries,
            delayMs: decision.delayMs,
            reason: redact(decision.reason, secrets),
            message,
          });
        } catch {
          // A failing progress line must not abort the call (nor replace its outcome).
        }
      }
      await sleep(decision.delayMs);
    }
  }

  #context(method: string, path: string, retries: number): ErrorContext {
    return { method, path, secrets: [...this.#secrets], tokenEnv: this.#tokenEnv, retries };
  }
}

/** Rejects a policy that would never stop retrying or wait a negative time. */
function validatePolicy(policy: RetryPolicy): RetryPolicy {
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new Error(`retry.maxRetries must be a non-negative integer (got ${policy.maxRetries})`);
  }
  for (const name of ["baseDelayMs", "maxDelayMs", "maxRetryAfterMs"] as const) {
    const value = policy[name];
    if (!Number.isFinite(value) || value < 0) throw new Error(`retry.${name} must be a non-negative number of milliseconds (got ${value})`);
  }
  return policy;
}

/** The axios base URL: validated, and without trailing slashes (paths are joined with one `/`). */
function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`API base URL must be an absolute http(s) URL (got "${baseUrl}")`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`API base URL must use http or https (got "${url.protocol}")`);
  }
  if (url.search || url.hash) {
    throw new Error("API base URL must not contain a query string or fragment");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

let cachedUserAgent: string | undefined;

/** `cdktf-api-keys/<version>`, the version read once from the package's own package.json. */
function userAgent(): string {
  if (cachedUserAgent) return cachedUserAgent;
  let version = "unknown";
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
    if (typeof manifest.version === "string") version = manifest.version;
  } catch {
    // A bundle copied away from its package: still identify the library.
  }
  return (cachedUserAgent = `cdktf-api-keys/${version}`);
}

/** Response headers as a plain lower-cased record (axios may hand over an AxiosHeaders object). */
function plainHeaders(headers: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof headers !== "object" || headers === null) return out;
  const source = typeof (headers as { toJSON?: unknown }).toJSON === "function" ? (headers as { toJSON(): object }).toJSON() : headers;
  for (const [key, value] of Object.entries(source)) out[key.toLowerCase()] = value;
  return out;
}

function headerString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
