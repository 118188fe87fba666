/**
 * When to retry a failed request, and how long to wait first. Pure functions: no I/O, no clock or
 * randomness of their own (both are passed in), so every branch is unit-tested directly.
 */

/** How hard the HTTP layer tries before giving up. */
export interface RetryPolicy {
  /**
   * Retries after the first attempt (so at most `maxRetries + 1` requests).
   * @default 4
   */
  readonly maxRetries: number;
  /**
   * Backoff base: the ceiling of the first retry's delay, doubled on each further retry.
   * @default 500
   */
  readonly baseDelayMs: number;
  /**
   * Ceiling of any backoff delay.
   * @default 10_000
   */
  readonly maxDelayMs: number;
  /**
   * Ceiling of a wait asked for by `Retry-After`: a longer request is shortened to this.
   * @default 60_000
   */
  readonly maxRetryAfterMs: number;
}

/** The policy used when a client is given no `retry` option. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
});

/** How an attempt failed: an HTTP response with an error status, or no response at all. */
export type AttemptFailure =
  | {
      readonly kind: "status";
      readonly status: number;
      /** The raw `Retry-After` header, if any (seconds or an HTTP date). */
      readonly retryAfter?: string;
    }
  | {
      readonly kind: "network";
      /** The Node/axios error code, e.g. `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`. */
      readonly errno: string;
    };

/** Everything {@link retryDecision} looks at. */
export interface RetryInput {
  /** HTTP method of the request, upper case. */
  readonly method: string;
  /** Retries already made for this request (0 after the first attempt failed). */
  readonly retriesSoFar: number;
  readonly failure: AttemptFailure;
  readonly policy: RetryPolicy;
  /** A number in [0, 1): the jitter source (Math.random in production). */
  readonly random: number;
  /** Current time in epoch ms, to read a `Retry-After` HTTP date. */
  readonly now: number;
}

/** Whether to retry, and after how long; `reason` is a short human phrase for progress lines. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly reason: string }
  | { readonly retry: false; readonly reason: string };

/**
 * Methods whose repetition has the same effect as one request (RFC 9110 section 9.2.2). A DELETE
 * of a key or an account is safe to repeat: the second answer is 204 (already revoked) or 404,
 * which the clients map to "already-gone".
 */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** Statuses that mean "the server had a transient problem": worth another try if repeating is safe. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * Network errors raised before the request reached the server (no connection, no address): the
 * server cannot have acted on it, so even a POST may be sent again.
 */
const NOT_SENT_ERRNOS: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Decides whether a failed attempt is retried, and after what delay.
 *
 * Never retries a request that the server may have processed unless repeating it is harmless: a
 * POST that creates a key and then times out or gets a 5xx may have minted the key, and a retry
 * would mint a second one whose plaintext is lost.
 */
export function retryDecision(input: RetryInput): RetryDecision {
  const { method, retriesSoFar, failure, policy } = input;
  const idempotent = IDEMPOTENT_METHODS.has(method.toUpperCase());

  // Out of retries: give up whatever the failure.
  if (retriesSoFar >= policy.maxRetries) {
    return { retry: false, reason: `gave up after ${retriesSoFar} ${retriesSoFar === 1 ? "retry" : "retries"}` };
  }

  if (failure.kind === "status") {
    // 429: the server refused the request without acting on it, so any method may be retried.
    // Wait as long as Retry-After asks (capped at maxRetryAfterMs), or back off when it is absent.
    if (failure.status === 429) {
      return retryAfterOrBackoff(input, failure.retryAfter, "rate limited (429)");
    }
    // 500/502/503/504 on an idempotent method: transient, and repeating the request is harmless.
    // A 503 may carry Retry-After too.
    if (TRANSIENT_STATUSES.has(failure.status) && idempotent) {
      return retryAfterOrBackoff(input, failure.retryAfter, `server error (${failure.status})`);
    }
    // 5xx on a POST (or PATCH): the server may have done the work before failing. Not retried.
    if (TRANSIENT_STATUSES.has(failure.status)) {
      return { retry: false, reason: `${method} not retried after ${failure.status}: the server may have processed it` };
    }
    // Any other status (4xx, 501, ...): retrying gives the same answer.
    return { retry: false, reason: `status ${failure.status} is not retryable` };
  }

  // Refused before connecting (or no address): nothing reached the server, so any method may be retried.
  if (NOT_SENT_ERRNOS.has(failure.errno)) {
    return { retry: true, delayMs: backoffDelay(retriesSoFar, policy, input.random), reason: `connection failed (${failure.errno})` };
  }
  // Reset, timeout or other failure after the request may have been sent: only idempotent methods.
  if (idempotent) {
    return { retry: true, delayMs: backoffDelay(retriesSoFar, policy, input.random), reason: `connection failed (${failure.errno})` };
  }
  // Same failure on a POST: the server may have acted on it. Not retried.
  return { retry: false, reason: `${method} not retried after ${failure.errno}: the server may have processed it` };
}

/**
 * Exponential backoff with full jitter: a uniformly random delay in
 * [0, min(maxDelayMs, baseDelayMs * 2^retriesSoFar)).
 */
export function backoffDelay(retriesSoFar: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retriesSoFar);
  return Math.floor(ceiling * random);
}

/**
 * Reads a `Retry-After` header value: delay-seconds or an HTTP date. Returns milliseconds from
 * `now` (never negative), or undefined when the value is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a weekday or month; this also keeps Date.parse from reading "-1" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function retryAfterOrBackoff(input: RetryInput, retryAfter: string | undefined, reason: string): RetryDecision {
  const asked = parseRetryAfter(retryAfter, input.now);
  const delayMs =
    asked === undefined ? backoffDelay(input.retriesSoFar, input.policy, input.random) : Math.min(asked, input.policy.maxRetryAfterMs);
  return { retry: true, delayMs, reason };
}
