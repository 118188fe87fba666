import { AttemptFailure, DEFAULT_RETRY_POLICY, RetryInput, backoffDelay, parseRetryAfter, retryDecision } from "../../src/clients/retry";

const policy = { maxRetries: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const NOW = Date.parse("2030-01-01T00:00:00Z");

function decide(method: string, failure: AttemptFailure, overrides: Partial<RetryInput> = {}) {
  return retryDecision({ method, retriesSoFar: 0, failure, policy, random: 0.5, now: NOW, ...overrides });
}

describe("retryDecision", () => {
  test("defaults to 4 retries", () => {
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBe(4);
  });

  test("429 is retried for any method, waiting as long as Retry-After asks", () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      expect(decide(method, { kind: "status", status: 429, retryAfter: "3" })).toEqual({
        retry: true,
        delayMs: 3_000,
        reason: "rate limited (429)",
      });
    }
  });

  test("429 Retry-After is capped at maxRetryAfterMs", () => {
    expect(decide("POST", { kind: "status", status: 429, retryAfter: "3600" })).toMatchObject({ retry: true, delayMs: 5_000 });
  });

  test("429 Retry-After as an HTTP date waits until then", () => {
    const at = new Date(NOW + 2_000).toUTCString();
    expect(decide("GET", { kind: "status", status: 429, retryAfter: at })).toMatchObject({ retry: true, delayMs: 2_000 });
  });

  test("429 without Retry-After backs off", () => {
    expect(decide("GET", { kind: "status", status: 429 })).toMatchObject({ retry: true, delayMs: 50 });
  });

  test.each([500, 502, 503, 504])("%i is retried for GET and DELETE", (status) => {
    expect(decide("GET", { kind: "status", status })).toMatchObject({ retry: true });
    expect(decide("DELETE", { kind: "status", status })).toMatchObject({ retry: true });
  });

  test.each([500, 502, 503, 504])("%i is NOT retried for POST (a create may have happened)", (status) => {
    expect(decide("POST", { kind: "status", status })).toMatchObject({ retry: false });
    expect(decide("PATCH", { kind: "status", status })).toMatchObject({ retry: false });
  });

  test("503 with Retry-After on GET honours it", () => {
    expect(decide("GET", { kind: "status", status: 503, retryAfter: "1" })).toMatchObject({ retry: true, delayMs: 1_000 });
  });

  test.each([400, 401, 403, 404, 409, 422, 501])("%i is never retried", (status) => {
    expect(decide("GET", { kind: "status", status })).toMatchObject({ retry: false });
  });

  test.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"])("%s (nothing sent) is retried even for POST", (errno) => {
    expect(decide("POST", { kind: "network", errno })).toMatchObject({ retry: true });
  });

  test.each(["ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "ERR_NETWORK"])("%s is retried for GET/DELETE only", (errno) => {
    expect(decide("GET", { kind: "network", errno })).toMatchObject({ retry: true });
    expect(decide("DELETE", { kind: "network", errno })).toMatchObject({ retry: true });
    expect(decide("POST", { kind: "network", errno })).toMatchObject({ retry: false });
  });

  test("gives up once maxRetries retries were made", () => {
    const failure: AttemptFailure = { kind: "status", status: 429, retryAfter: "1" };
    expect(decide("GET", failure, { retriesSoFar: 3 })).toMatchObject({ retry: true });
    expect(decide("GET", failure, { retriesSoFar: 4 })).toEqual({ retry: false, reason: "gave up after 4 retries" });
  });

  test("maxRetries 0 disables retries", () => {
    expect(decide("GET", { kind: "status", status: 503 }, { policy: { ...policy, maxRetries: 0 } })).toMatchObject({ retry: false });
  });
});

describe("backoffDelay", () => {
  test("full jitter below an exponentially growing ceiling", () => {
    expect(backoffDelay(0, policy, 0.999)).toBe(99);
    expect(backoffDelay(1, policy, 0.999)).toBe(199);
    expect(backoffDelay(2, policy, 0.999)).toBe(399);
    expect(backoffDelay(2, policy, 0)).toBe(0);
  });

  test("ceiling is capped at maxDelayMs", () => {
    expect(backoffDelay(10, policy, 0.5)).toBe(500);
    expect(backoffDelay(1000, policy, 0.999)).toBe(999);
  });
});

describe("parseRetryAfter", () => {
  test("delay-seconds", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 7 ", NOW)).toBe(7_000);
  });

  test("HTTP date in the past means no wait", () => {
    expect(parseRetryAfter(new Date(NOW - 10_000).toUTCString(), NOW)).toBe(0);
  });

  test("absent or unreadable", () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("-1", NOW)).toBeUndefined();
  });
});
