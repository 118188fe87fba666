/**
 * Every error a key-management client throws, in one module: a base {@link ApiError} carrying the
 * status, a stable machine code and the field violations; one subclass per kind of failure; and
 * {@link createApiError}, which maps an HTTP error response to the right subclass.
 *
 * Each API has its own error body shape. A small {@link ErrorBodyParser} per shape turns it into a
 * {@link ParsedErrorBody}; the client picks the parser for its API. The body is run through
 * {@link redactDeep} before it is parsed, every text field of an error (and its message as a whole)
 * through {@link redact} in the constructor, and no error ever holds the request headers, the full
 * URL or the underlying axios error.
 */

import { redact, redactDeep } from "../redact";
import { parseRetryAfter } from "./retry";

/** One invalid field of a request, as the API reported it. */
export interface FieldViolation {
  /** Which field (Flownally: a JSON pointer into the request body, e.g. `/name`). */
  readonly field: string;
  readonly description: string;
}

/** The parts of an error body the errors use, whatever the API's shape. */
export interface ParsedErrorBody {
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly violations?: readonly FieldViolation[];
  /** The key that replaced the one the request named (Factory's 409 on a key already rotated). */
  readonly replacedBy?: string;
}

/** Reads one API's error body shape; returns undefined when `body` is not of that shape. */
export type ErrorBodyParser = (body: unknown) => ParsedErrorBody | undefined;

/** The fields an {@link ApiError} is built from. */
export interface ApiErrorInit {
  /** HTTP status; 0 when no response was received. */
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly violations?: readonly FieldViolation[];
  /** See {@link ParsedErrorBody.replacedBy}. */
  readonly replacedBy?: string;
  readonly requestId?: string;
  /** HTTP method, upper case. */
  readonly method: string;
  /** API path without base URL or query string, e.g. `/service-accounts`. */
  readonly path: string;
  /** What to do next, appended to the message (e.g. which environment variable to check). */
  readonly hint?: string;
  /** Retries made before giving up; mentioned in the message when > 0. */
  readonly retries?: number;
  /** Secret values to scrub from every text field. Used in the constructor, never stored. */
  readonly secrets?: readonly string[];
}

/**
 * A failed API call. `message` reads
 * `POST /service-accounts failed: 400 validation_failed: request body is invalid (/name: must match ...)`.
 */
export class ApiError extends Error {
  /** HTTP status; 0 when no response was received ({@link ConnectionError}). */
  readonly status: number;
  /** Stable machine code, e.g. `validation_failed`, `service_account_not_found`. */
  readonly code: string;
  /** Short summary from the API (or the HTTP reason when the API gave none). */
  readonly title: string;
  /** Human explanation from the API (redacted). */
  readonly detail: string;
  /** Per-field problems with the request (empty when none). */
  readonly violations: readonly FieldViolation[];
  /** The API's request id, when it sent one: quote it to the vendor's support. */
  readonly requestId?: string;
  /** The key that replaced the one the request named, when the API said so (Factory: a key already rotated). */
  readonly replacedBy?: string;
  /** HTTP method, upper case. */
  readonly method: string;
  /** API path, without base URL or query string. */
  readonly path: string;

  constructor(init: ApiErrorInit) {
    // Every text field is scrubbed on its own, and the message once more as a whole.
    const secrets = init.secrets ?? [];
    const clean = (text: string): string => redact(text, secrets);
    const method = clean(init.method);
    const path = clean(init.path);
    const code = clean(init.code);
    const title = clean(init.title);
    const detail = clean(init.detail);
    const violations = (init.violations ?? []).map((v) => ({ field: clean(v.field), description: clean(v.description) }));
    const requestId = init.requestId === undefined ? undefined : clean(init.requestId);
    super(
      clean(
        formatMessage({
          method,
          path,
          status: init.status,
          code,
          text: detail || title,
          violations,
          requestId,
          retries: init.retries ?? 0,
          hint: init.hint === undefined ? undefined : clean(init.hint),
        }),
      ),
    );
    this.status = init.status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.violations = violations;
    if (requestId !== undefined) this.requestId = requestId;
    if (init.replacedBy !== undefined) this.replacedBy = clean(init.replacedBy);
    this.method = method;
    this.path = path;
  }
}

/** 400 or 422: the request was malformed; see {@link ApiError.violations}. */
export class ValidationError extends ApiError {}

/** 401: the token is missing, wrong, revoked or expired. */
export class AuthenticationError extends ApiError {}

/** 403: the token is valid but may not do this. */
export class PermissionDeniedError extends ApiError {}

/** 404: the addressed resource does not exist (check {@link ApiError.code} for which kind). */
export class NotFoundError extends ApiError {}

/** 409: conflicts with existing state, e.g. `service_account_name_taken`. */
export class ConflictError extends ApiError {}

/** 429: rate limited, and still so after the allowed retries. */
export class RateLimitError extends ApiError {
  /** What the last `Retry-After` asked for, in seconds, when the API sent one. */
  readonly retryAfterSeconds?: number;

  constructor(init: ApiErrorInit & { readonly retryAfterSeconds?: number }) {
    super(init);
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** 5xx: the API failed. */
export class ServerError extends ApiError {}

/** The API's answer could not be used (e.g. a 201 without the key it promised). */
export class InvalidResponseError extends ApiError {}

/**
 * No HTTP response: connection refused, DNS failure, reset, timeout. `status` is 0, `code` one of
 * `connection_refused`, `dns_lookup_failed`, `timeout`, `connection_failed`.
 */
export class ConnectionError extends ApiError {
  /** The Node/axios error code, e.g. `ECONNREFUSED`, `ETIMEDOUT`. */
  readonly errno: string;

  constructor(init: ApiErrorInit & { readonly errno: string }) {
    super(init);
    this.errno = redact(init.errno, init.secrets ?? []);
  }
}

/**
 * An operation the API does not have, refused before any request is sent: e.g. creating a Factory
 * service account (Factory creates them in its web app). Not an {@link ApiError}: nothing was asked
 * of the API.
 */
export class UnsupportedOperationError extends Error {
  /** The API's display name, e.g. `Factory`. */
  readonly api: string;
  /** The client method that was called, e.g. `createServiceAccount`. */
  readonly operation: string;

  /**
   * @param api the API's display name, e.g. `Factory`
   * @param operation the client method, e.g. `createServiceAccount`
   * @param reason why, and what to do instead (a full sentence or two)
   */
  constructor(api: string, operation: string, reason: string) {
    super(`${api} does not support ${operation}: ${reason}`);
    this.api = api;
    this.operation = operation;
  }
}

// Names on the prototypes (not instance fields: those would show in JSON.stringify), and as string
// literals so a minifying bundler cannot rename them.
for (const [cls, name] of [
  [ApiError, "ApiError"],
  [ValidationError, "ValidationError"],
  [AuthenticationError, "AuthenticationError"],
  [PermissionDeniedError, "PermissionDeniedError"],
  [NotFoundError, "NotFoundError"],
  [ConflictError, "ConflictError"],
  [RateLimitError, "RateLimitError"],
  [ServerError, "ServerError"],
  [InvalidResponseError, "InvalidResponseError"],
  [ConnectionError, "ConnectionError"],
  [UnsupportedOperationError, "UnsupportedOperationError"],
] as const) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false });
}

/** Where a failed request was going, and what to scrub; shared by {@link createApiError} and {@link createConnectionError}. */
export interface ErrorContext {
  /** HTTP method, upper case. */
  readonly method: string;
  /** API path without base URL or query string. */
  readonly path: string;
  /** Secret values to redact: the token and every key value seen so far. */
  readonly secrets: readonly string[];
  /** Name of the environment variable holding the token, for the 401 hint. */
  readonly tokenEnv?: string;
  /** Retries made before this error was final. */
  readonly retries?: number;
}

/**
 * Maps an HTTP error response to the matching {@link ApiError} subclass.
 *
 * @param status the HTTP status (>= 300)
 * @param body the parsed response body (object, string or empty)
 * @param headers the response headers (names matched case-insensitively)
 * @param parser reads the body shape of the API that answered
 * @param context the request and the secrets to redact
 */
export function createApiError(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, unknown>>,
  parser: ErrorBodyParser,
  context: ErrorContext,
): ApiError {
  // Scrubbed before it is read: a parser derives text from the body (Factory's code from the title,
  // Flexprice's nested details as JSON, an excerpt of a text body cut at 200 characters), and what
  // it derives would no longer hold the secret in a form that redact recognises.
  const clean = redactDeep(body, context.secrets);
  const parsed = parser(clean) ?? parseTextBody(clean);
  const init: ApiErrorInit = {
    status,
    code: parsed.code || defaultCode(status),
    title: parsed.title || defaultTitle(status),
    detail: parsed.detail ?? "",
    violations: parsed.violations ?? [],
    replacedBy: parsed.replacedBy,
    requestId: headerValue(headers, "x-request-id") ?? headerValue(headers, "request-id"),
    method: context.method,
    path: context.path,
    retries: context.retries,
    secrets: context.secrets,
  };
  if (status === 400 || status === 422) return new ValidationError(init);
  if (status === 401) return new AuthenticationError({ ...init, hint: authenticationHint(context.tokenEnv) });
  if (status === 403) return new PermissionDeniedError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return new ConflictError(init);
  if (status === 429) {
    const ms = parseRetryAfter(headerValue(headers, "retry-after"), Date.now());
    return new RateLimitError({ ...init, retryAfterSeconds: ms === undefined ? undefined : Math.ceil(ms / 1000) });
  }
  if (status >= 500) return new ServerError(init);
  return new ApiError(init);
}

/**
 * Wraps a failure that produced no HTTP response (what axios throws for a refused connection, a
 * DNS failure, a reset or a timeout) in a {@link ConnectionError}. Only the error's code and
 * message are read: the original (whose `config` holds the request headers) is dropped.
 */
export function createConnectionError(cause: unknown, context: ErrorContext): ConnectionError {
  const errno = errnoOf(cause);
  const rawMessage = cause instanceof Error ? cause.message : String(cause);
  return new ConnectionError({
    status: 0,
    code: connectionCode(errno),
    title: "No response from the API",
    detail: rawMessage || errno,
    method: context.method,
    path: context.path,
    retries: context.retries,
    secrets: context.secrets,
    errno,
  });
}

/**
 * Parser for Flownally's RFC 9457 `ProblemDetails`:
 * `{ type, title, status, detail, instance?, code, violations?: [{ field, description }] }`.
 */
export const parseProblemDetails: ErrorBodyParser = (body) => {
  if (!isRecord(body)) return undefined;
  const code = stringField(body, "code");
  const title = stringField(body, "title");
  const detail = stringField(body, "detail");
  if (code === undefined && title === undefined && detail === undefined) return undefined;
  const violations: FieldViolation[] = [];
  if (Array.isArray(body.violations)) {
    for (const v of body.violations) {
      if (!isRecord(v)) continue;
      violations.push({ field: stringField(v, "field") ?? "", description: stringField(v, "description") ?? "" });
    }
  }
  return { code, title, detail, violations };
};

/**
 * Parser for Factory's error body `{ detail, status, title, metadata? }`. Factory has no machine codes:
 * the code is the title in snake case (`Not Found` -> `not_found`), so the message reads
 * `404 not_found: <detail>`. Field violations come from `metadata.violations` (`[{ field, description }]`)
 * when the API sent them.
 */
export const parseFactoryError: ErrorBodyParser = (body) => {
  if (!isRecord(body) || Array.isArray(body)) return undefined;
  const title = stringField(body, "title");
  const detail = stringField(body, "detail");
  if (title === undefined && detail === undefined) return undefined;
  const code = title === undefined ? undefined : snakeCase(title) || undefined;
  const violations: FieldViolation[] = [];
  const metadata = body.metadata;
  if (isRecord(metadata) && Array.isArray(metadata.violations)) {
    for (const v of metadata.violations) {
      if (!isRecord(v)) continue;
      violations.push({ field: stringField(v, "field") ?? "", description: stringField(v, "description") ?? "" });
    }
  }
  // A 409 on a key already rotated names its replacement (metadata.replacedBy): the caller can resolve it.
  const replacedBy = isRecord(metadata) ? stringField(metadata, "replacedBy") : undefined;
  return { code, title, detail, violations, ...(replacedBy && /^[\w-]{1,128}$/.test(replacedBy) ? { replacedBy } : {}) };
};

/** `Too Many Requests` -> `too_many_requests`. */
function snakeCase(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/**
 * The `title` {@link parseFlexpriceError} gives a body in Flexprice's own error shape, so that a
 * client can tell Flexprice's `404 not_found` from a bare 404 of a proxy or a wrong base URL (whose
 * code also defaults to `not_found`).
 */
export const FLEXPRICE_ERROR_TITLE = "Flexprice error";

/**
 * Parser for Flexprice's three error bodies:
 * - the handlers' `{ code, message, http_status_code, details? }` (`code` e.g. `not_found`,
 *   `validation_error`, `invalid_operation`); each entry of `details` becomes a field violation;
 * - the auth layer's 401 `{ "error": "Unauthorized" }`;
 * - the auth layer's 403 `{ "message": "insufficient permissions" }`.
 * The auth layer's bodies carry no code, so theirs is the status default (`unauthenticated`,
 * `permission_denied`).
 */
export const parseFlexpriceError: ErrorBodyParser = (body) => {
  if (!isRecord(body) || Array.isArray(body)) return undefined;
  const code = stringField(body, "code");
  const message = stringField(body, "message");
  if (code !== undefined || typeof body.http_status_code === "number") {
    const violations: FieldViolation[] = [];
    if (isRecord(body.details) && !Array.isArray(body.details)) {
      for (const [field, value] of Object.entries(body.details)) {
        violations.push({ field, description: describeDetail(value) });
      }
    }
    return { code, title: FLEXPRICE_ERROR_TITLE, detail: message ?? "", violations };
  }
  if (typeof body.error === "string") return { detail: body.error };
  if (isRecord(body.error) && typeof body.error.message === "string") return { detail: body.error.message };
  if (message !== undefined) return { detail: message };
  return undefined;
};

/** One value of Flexprice's `details` as text: strings as they are, lists joined, anything else as JSON. */
function describeDetail(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return JSON.stringify(value) ?? String(value);
}

// ---------------------------------------------------------------------------------------------

function formatMessage(parts: {
  method: string;
  path: string;
  status: number;
  code: string;
  text: string;
  violations: readonly FieldViolation[];
  requestId?: string;
  retries: number;
  hint?: string;
}): string {
  const status = parts.status === 0 ? "" : `${parts.status} `;
  let message = `${parts.method} ${parts.path} failed: ${status}${parts.code}`;
  if (parts.text) message += `: ${parts.text}`;
  if (parts.violations.length > 0) {
    message += ` (${parts.violations.map((v) => (v.field ? `${v.field}: ${v.description}` : v.description)).join("; ")})`;
  }
  if (parts.retries > 0) message += ` [after ${parts.retries} ${parts.retries === 1 ? "retry" : "retries"}]`;
  if (parts.requestId) message += ` [request id ${parts.requestId}]`;
  if (parts.hint) message += `. ${parts.hint}`;
  return message;
}

function authenticationHint(tokenEnv: string | undefined): string {
  const where = tokenEnv ? `the environment variable ${tokenEnv}` : "the token environment variable";
  return `Check that ${where} holds a valid, unrevoked admin token for this API`;
}

/** A body no parser recognised: keep a short, single-line excerpt of any text as the detail. */
function parseTextBody(body: unknown): ParsedErrorBody {
  if (typeof body !== "string") return {};
  const text = body.replace(/\s+/g, " ").trim();
  return { detail: text.length > 200 ? `${text.slice(0, 200)}...` : text };
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 422:
      return "validation_failed";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server_error" : `http_${status}`;
  }
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function defaultTitle(status: number): string {
  return REASONS[status] ?? `HTTP ${status}`;
}

function connectionCode(errno: string): string {
  if (errno === "ECONNREFUSED") return "connection_refused";
  if (errno === "ENOTFOUND" || errno === "EAI_AGAIN") return "dns_lookup_failed";
  if (errno === "ETIMEDOUT" || errno === "ECONNABORTED") return "timeout";
  return "connection_failed";
}

/**
 * The most specific Node error code (e.g. `ECONNREFUSED`) on a failure that produced no response,
 * looking through wrapped causes; `ERR_NETWORK` when there is none.
 */
export function errnoOf(cause: unknown): string {
  for (let e: unknown = cause, depth = 0; isRecord(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === "string" && e.code !== "ERR_NETWORK") return e.code;
    if (Array.isArray(e.errors)) {
      const inner = e.errors.find((x: unknown) => isRecord(x) && typeof x.code === "string");
      if (isRecord(inner)) return inner.code as string;
    }
  }
  return "ERR_NETWORK";
}

function headerValue(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

// Did the server act? Decided here, once, for every caller (the key and account life cycles, the hooks).

/**
 * True when a failed call may still have been carried out by the server: no answer (a reset or a
 * timeout after the request was sent), a 5xx, or an answer that could not be read. A refused
 * connection or a 4xx means the server did nothing.
 */
export function mayHaveActed(e: unknown): boolean {
  const status = apiStatus(e);
  if (status === undefined) return false;
  const code = (e as { code?: unknown }).code;
  if (status === 0) return code !== "connection_refused" && code !== "dns_lookup_failed";
  return status >= 500 || code === "invalid_response"; // a 2xx the client could not read: the server acted
}

/**
 * The HTTP status of an API client's error (0: no answer), read from the error's fields rather than
 * its class: the clients live in another bundle (provider-runtime.cjs) than this module, with classes
 * of their own, so `instanceof ApiError` would be false for every error they throw.
 */
export function apiStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | undefined)?.status;
  return typeof status === "number" && typeof (e as { code?: unknown }).code === "string" ? status : undefined;
}
