import * as util from "util";
import {
  apiStatus,
  mayHaveActed,
  ApiError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ErrorContext,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
  createApiError,
  parseFactoryError,
  createConnectionError,
  parseProblemDetails,
} from "../../src/clients/errors";

const TOKEN = "flw_admin_SECRET_token_123";
const context: ErrorContext = { method: "POST", path: "/service-accounts", secrets: [TOKEN], tokenEnv: "FLOWNALLY_TOKEN" };

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return { type: `https://errors.flownally.test/${code}`, title: "Problem", status, detail, code, ...extra };
}

describe("createApiError", () => {
  test.each([
    [400, ValidationError],
    [422, ValidationError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, ServerError],
    [503, ServerError],
  ])("maps %i to its subclass", (status, cls) => {
    const err = createApiError(status, problem(status, "some_code", "d"), {}, parseProblemDetails, context);
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(cls.name);
    expect(err.status).toBe(status);
  });

  test("an unmapped status gives a plain ApiError", () => {
    const err = createApiError(418, "", {}, parseProblemDetails, context);
    expect(err.constructor).toBe(ApiError);
    expect(err.code).toBe("http_418");
  });

  test("the message carries status, code, detail and every field violation", () => {
    // GIVEN a Flownally validation problem with two violations
    const body = problem(400, "validation_failed", "request body is invalid", {
      violations: [
        { field: "/name", description: "must match pattern ^[a-z0-9][a-z0-9._-]*$" },
        { field: "/description", description: "must NOT have more than 256 characters" },
      ],
    });
    // WHEN
    const err = createApiError(400, body, { "X-Request-Id": "req_42" }, parseProblemDetails, context);
    // THEN
    expect(err.message).toBe(
      "POST /service-accounts failed: 400 validation_failed: request body is invalid " +
        "(/name: must match pattern ^[a-z0-9][a-z0-9._-]*$; /description: must NOT have more than 256 characters) [request id req_42]",
    );
    expect(err).toMatchObject({
      code: "validation_failed",
      title: "Problem",
      detail: "request body is invalid",
      requestId: "req_42",
      method: "POST",
      path: "/service-accounts",
    });
    expect(err.violations).toHaveLength(2);
  });

  test("a 401 tells the user which environment variable to check", () => {
    const err = createApiError(401, problem(401, "unauthenticated", "invalid bearer token"), {}, parseProblemDetails, context);
    expect(err.message).toMatch(/^POST \/service-accounts failed: 401 unauthenticated: invalid bearer token\. /);
    expect(err.message).toContain("FLOWNALLY_TOKEN");
  });

  test("a 429 exposes Retry-After in seconds", () => {
    const err = createApiError(429, problem(429, "rate_limited", "slow down"), { "retry-after": "7" }, parseProblemDetails, context);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterSeconds).toBe(7);
  });

  test("a body in no known shape falls back to status defaults and a text excerpt", () => {
    const err = createApiError(502, "<html>\n  Bad gateway\n</html>", {}, parseProblemDetails, context);
    expect(err).toMatchObject({ code: "server_error", title: "Bad Gateway", detail: "<html> Bad gateway </html>" });
    expect(err.message).toBe("POST /service-accounts failed: 502 server_error: <html> Bad gateway </html>");
  });

  test("mentions retries made before giving up", () => {
    const err = createApiError(429, problem(429, "rate_limited", "slow down"), {}, parseProblemDetails, { ...context, retries: 4 });
    expect(err.message).toBe("POST /service-accounts failed: 429 rate_limited: slow down [after 4 retries]");
  });

  test("secrets echoed by the API are redacted from every field, the stack, JSON and inspect", () => {
    // GIVEN an API that echoes the token and a key in its answer
    const key = "flk_live_PLAINTEXT_abcdef";
    const body = problem(400, "validation_failed", `bad header Bearer ${TOKEN}`, {
      title: `about ${key}`,
      violations: [{ field: "/name", description: `got ${key}` }],
    });
    // WHEN
    const err = createApiError(400, body, {}, parseProblemDetails, { ...context, secrets: [TOKEN, key] });
    // THEN
    for (const text of [err.message, err.stack ?? "", JSON.stringify(err), util.inspect(err, { depth: 10 })]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(key);
    }
    expect(err.detail).toBe("bad header Bearer [REDACTED]");
    expect(err.violations[0].description).toBe("got [REDACTED]");
  });
});

describe("createConnectionError", () => {
  test("maps ECONNREFUSED and keeps nothing of the cause but code and message", () => {
    // GIVEN an axios-like error carrying the request headers in its config
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
      config: { headers: { Authorization: `Bearer ${TOKEN}` } },
    });
    // WHEN
    const err = createConnectionError(cause, { ...context, method: "GET" });
    // THEN
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ status: 0, code: "connection_refused", errno: "ECONNREFUSED" });
    expect(err.message).toBe("GET /service-accounts failed: connection_refused: connect ECONNREFUSED 127.0.0.1:9");
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect(util.inspect(err, { depth: 10 })).not.toContain(TOKEN);
    expect(err.cause).toBeUndefined();
  });

  test("finds the code of a wrapped AggregateError", () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED ::1:9"), { code: "ECONNREFUSED" });
    const cause = Object.assign(new Error(""), { code: "ERR_NETWORK", cause: new AggregateError([inner], "") });
    expect(createConnectionError(cause, context)).toMatchObject({ errno: "ECONNREFUSED", code: "connection_refused", detail: "ECONNREFUSED" });
  });

  test("timeouts", () => {
    const cause = Object.assign(new Error("timeout of 50ms exceeded"), { code: "ETIMEDOUT" });
    expect(createConnectionError(cause, context)).toMatchObject({ code: "timeout" });
  });
});

describe("parseProblemDetails", () => {
  test("reads code, title, detail and violations", () => {
    expect(
      parseProblemDetails({ type: "about:blank", title: "T", status: 409, detail: "D", code: "c", violations: [{ field: "/a", description: "x" }] }),
    ).toEqual({ code: "c", title: "T", detail: "D", violations: [{ field: "/a", description: "x" }] });
  });

  test("declines bodies of other shapes", () => {
    expect(parseProblemDetails("")).toBeUndefined();
    expect(parseProblemDetails({ error: "Unauthorized" })).toBeUndefined();
    expect(parseProblemDetails(null)).toBeUndefined();
  });
});

describe("did the server act", () => {
  test("which failures may have been carried out by the server, told by the error's fields (clients are bundled apart)", () => {
    const like = (status: number, code: string) => Object.assign(new Error("x"), { status, code });
    expect(mayHaveActed(like(502, "server_error"))).toBe(true);
    expect(mayHaveActed(like(0, "timeout"))).toBe(true);
    expect(mayHaveActed(like(0, "connection_failed"))).toBe(true);
    expect(mayHaveActed(like(201, "invalid_response"))).toBe(true);
    expect(mayHaveActed(like(0, "connection_refused"))).toBe(false);
    expect(mayHaveActed(like(400, "validation_failed"))).toBe(false);
    expect(mayHaveActed(like(429, "rate_limited"))).toBe(false);
    expect(mayHaveActed(new Error("ENOSPC"))).toBe(false);
  });

  test("the status is read only from errors with a string code", () => {
    expect(apiStatus(Object.assign(new Error("x"), { status: 404, code: "not_found" }))).toBe(404);
    expect(apiStatus(Object.assign(new Error("x"), { status: 404 }))).toBeUndefined();
    expect(apiStatus(undefined)).toBeUndefined();
  });
});

describe("Factory's 409 on a key already rotated", () => {
  test("names the replacement, and only an id-shaped one", () => {
    const body = (replacedBy: unknown) => ({ detail: "already rotated", status: 409, title: "Conflict", metadata: { keyId: "key_a", replacedBy } });
    expect(parseFactoryError(body("key_b-1"))).toMatchObject({ code: "conflict", replacedBy: "key_b-1" });
    expect(parseFactoryError(body("key b; drop"))?.replacedBy).toBeUndefined();
    expect(parseFactoryError(body(42))?.replacedBy).toBeUndefined();
    const error = createApiError(409, body("key_b"), {}, parseFactoryError, { method: "POST", path: "/rotate", secrets: [] });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.replacedBy).toBe("key_b");
  });
});
