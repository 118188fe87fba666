import * as http from "http";
import type { AddressInfo } from "net";
import * as util from "util";
import {
  AuthenticationError,
  ConflictError,
  ErrorContext,
  FLEXPRICE_ERROR_TITLE,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
  createApiError,
  parseFlexpriceError,
} from "../../src/clients/errors";
import { createClient } from "../../src/clients/create-client";
import { FlexpriceClient, FlexpriceClientOptions } from "../../src/clients/flexprice-client";
import { FLEXPRICE_BUILT_IN_ROLES } from "../../src/spec";
import { RetryEvent } from "../../src/clients/http";
import { KeyManagementClient } from "../../src/clients/types";
import type { FlexpriceSnapshot } from "../../src/emulator/flexprice-emulator";
import { RunningEmulator, startEmulator } from "../../src/emulator/start-emulator";
import { ApiSpec } from "../../src/spec";
import { rejection, renderings } from "./rejections";

/** Retries without real waiting, except where a Retry-After header asks for it. */
const FAST_RETRY = { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };
const DAY_MS = 24 * 3600 * 1000;

let emu: RunningEmulator;
let api: ApiSpec;
let retries: { message: string; event: RetryEvent }[];
let client: KeyManagementClient;

function clientWith(token: string, options: FlexpriceClientOptions = {}, spec: ApiSpec = api): FlexpriceClient {
  return new FlexpriceClient(spec, token, {
    retry: FAST_RETRY,
    onRetry: (message, event) => retries.push({ message, event }),
    ...options,
  });
}

function state(): FlexpriceSnapshot {
  return emu.inspect() as FlexpriceSnapshot;
}

/** A minted key of a fresh service account with `roles`. */
async function keyWithRoles(roles: string[], type: "private_key" | "publishable_key" = "private_key"): Promise<string> {
  const account = await client.createServiceAccount({ name: `holder of ${roles.join("+")}`, roles });
  return (await client.createApiKey(account.id, { name: "probe", type })).value;
}

beforeEach(async () => {
  emu = await startEmulator({ api: "flexprice" });
  api = { kind: "flexprice", baseUrl: emu.url, tokenEnv: "FLEXPRICE_TOKEN" };
  retries = [];
  client = clientWith(emu.adminToken);
});

afterEach(async () => {
  // The vendor ignores body members it does not know: the client must never rely on one.
  const ignored = state().ignoredRequestMembers;
  await emu.close();
  expect(ignored).toEqual([]);
});

describe("service accounts", () => {
  test("create with roles, then list", async () => {
    // WHEN
    const ingest = await client.createServiceAccount({ name: "Event ingestion", roles: ["event_ingestor"] });
    const reader = await client.createServiceAccount({ name: "analytics", roles: ["event_reader", "all_reader"] });
    // THEN
    expect(ingest).toEqual({ id: expect.stringMatching(/^user_/), name: "Event ingestion", description: null, createdAt: expect.any(String) });
    expect(state().serviceAccounts.map((a) => a.roles)).toEqual([["event_ingestor"], ["event_reader", "all_reader"]]);
    // newest first, and without the admin user (type user)
    expect(await client.listServiceAccounts()).toEqual([reader, ingest]);
  });

  test("names need not be unique", async () => {
    const a = await client.createServiceAccount({ name: "twin", roles: ["all_reader"] });
    const b = await client.createServiceAccount({ name: "twin", roles: ["all_reader"] });
    expect(a.id).not.toBe(b.id);
    expect((await client.listServiceAccounts()).map((s) => s.name)).toEqual(["twin", "twin"]);
  });

  test("listing pages by offset until every account is read (page size 3 over 8 accounts)", async () => {
    // GIVEN
    const names = Array.from({ length: 8 }, (_, i) => `acct-${i}`);
    for (const name of names) await client.createServiceAccount({ name, roles: ["all_reader"] });
    // WHEN
    const listed = await clientWith(emu.adminToken, { pageSize: 3 }).listServiceAccounts();
    // THEN every account once, newest first
    expect(listed.map((a) => a.name)).toEqual([...names].reverse());
  });

  test("roles are required: a clear error, and nothing is sent", async () => {
    for (const roles of [undefined, []]) {
      await expect(client.createServiceAccount({ name: "bare", roles })).rejects.toThrow(
        /Flexprice service account "bare" needs at least one role, which its keys inherit: set roles \(built-in: super_admin, all_reader, all_writer, event_ingestor, event_reader\)/,
      );
    }
    expect(state().serviceAccounts).toEqual([]);
  });

  test("a description is refused (Flexprice accounts have none)", async () => {
    await expect(client.createServiceAccount({ name: "x", description: "d", roles: ["all_reader"] })).rejects.toThrow(/no description/);
  });

  test("an unknown role is a ValidationError naming it", async () => {
    const err = await rejection(client.createServiceAccount({ name: "x", roles: ["event_ingestor", "billing_admin"] }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, code: "validation_error", method: "POST", path: "/users" });
    expect(err.violations).toEqual([{ field: "roles", description: expect.stringContaining("billing_admin") }]);
    expect(err.message).toMatch(/^POST \/users failed: 400 validation_error: invalid role: billing_admin \(roles: unknown role billing_admin; built-in roles are /);
  });

  test("delete is idempotent: deleted, then already-gone (also for an unknown id)", async () => {
    const account = await client.createServiceAccount({ name: "temp", roles: ["all_reader"] });
    expect(await client.deleteServiceAccount(account.id)).toBe("deleted");
    expect(await client.deleteServiceAccount(account.id)).toBe("already-gone");
    expect(await client.deleteServiceAccount("user_doesnotexist")).toBe("already-gone");
    expect(await client.listServiceAccounts()).toEqual([]);
  });

  test("delete is refused while the account has active keys, with a message saying to revoke them first; then it works", async () => {
    // GIVEN an account with a private and a publishable key
    const account = await client.createServiceAccount({ name: "busy", roles: ["event_ingestor"] });
    const server = await client.createApiKey(account.id, { name: "server" });
    const browser = await client.createApiKey(account.id, { name: "browser", type: "publishable_key" });

    // WHEN
    const err = await rejection(client.deleteServiceAccount(account.id));

    // THEN
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, code: "invalid_operation", method: "DELETE", path: `/users/${account.id}` });
    expect(err.violations).toEqual([{ field: "active_api_keys", description: `${server.info.id}, ${browser.info.id}` }]);
    expect(err.message).toMatch(/still has 2 active API keys; delete them first/);
    expect(err.message).toMatch(/revoke its keys first \(destroy the ApiKey resources of service account user_\w+\), then delete the account$/);

    // WHEN the keys are revoked
    await client.revokeApiKey(account.id, server.info.id);
    await client.revokeApiKey(account.id, browser.info.id);

    // THEN
    expect(await client.deleteServiceAccount(account.id)).toBe("deleted");
  });
});

describe("API keys", () => {
  test("both create answers (the OpenAPI { api_key, secret } and the flat guide shape) give the same info", async () => {
    // GIVEN an account; the emulator alternates the two shapes (1st wrapped, 2nd flat)
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor", "event_reader"] });
    const expiresAt = new Date(Date.now() + 30 * DAY_MS);

    // WHEN
    const wrapped = await client.createApiKey(account.id, { name: "server", expiresAt });
    const flat = await client.createApiKey(account.id, { name: "server-2", expiresAt });

    // THEN
    const expected = (name: string) => ({
      id: expect.stringMatching(/^secret_/),
      serviceAccountId: account.id,
      name,
      prefix: expect.any(String),
      scopes: ["event_ingestor", "event_reader"],
      createdAt: expect.any(String),
      expiresAt: expiresAt.toISOString(),
      revokedAt: null,
      status: "active",
    });
    expect(wrapped.info).toEqual(expected("server"));
    expect(flat.info).toEqual(expected("server-2"));
    // the prefix is the API's display_id: only the OpenAPI shape has one, and it is never derived from the key
    const keys = state().apiKeys;
    expect(wrapped.info.prefix).toBe(keys[0].displayId);
    expect(flat.info.prefix).toBe("");
    expect(wrapped.value).toMatch(/^sk_/);
    expect(flat.value).toMatch(/^sk_/);
    expect(await client.authenticates(wrapped.value)).toBe(true);
    expect(await client.authenticates(flat.value)).toBe(true);
  });

  test("types: private_key by default, publishable_key on request; expires_at sent as RFC 3339", async () => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    const expiresAt = new Date("2031-05-06T07:08:09.010Z");
    const server = await client.createApiKey(account.id, { name: "server", expiresAt });
    const browser = await client.createApiKey(account.id, { name: "browser", type: "publishable_key" });
    expect(server.value).toMatch(/^sk_/);
    expect(browser.value).toMatch(/^pk_/);
    expect(browser.info.expiresAt).toBeNull();
    expect(state().apiKeys.map((k) => [k.name, k.type, k.expiresAt])).toEqual([
      ["server", "private_key", "2031-05-06T07:08:09.010Z"],
      ["browser", "publishable_key", null],
    ]);
  });

  test.each([
    ["type integration", { name: "k", type: "integration" }, /Flexprice refuses type "integration" for API keys; use "private_key" \(server side\) or "publishable_key" \(client side\)/],
    ["an unknown type", { name: "k", type: "secret_key" }, /type must be "private_key" or "publishable_key" \(got "secret_key"\)/],
    ["scopes", { name: "k", scopes: ["events:write"] }, /Flexprice keys have no scopes, they inherit the roles of their service account; remove scopes and set roles on the service account/],
    ["an invalid expiry", { name: "k", expiresAt: new Date("nope") }, /expiresAt of API key "k" is not a valid date/],
  ])("%s is refused before anything is sent", async (_label, input, message) => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    await expect(client.createApiKey(account.id, input as never)).rejects.toThrow(message);
    await expect(client.createApiKey("", { name: "k" })).rejects.toThrow(/needs a service account id/);
    expect(state().apiKeys).toEqual([]);
  });

  test("empty scopes are not scopes", async () => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    await expect(client.createApiKey(account.id, { name: "k", scopes: [] })).resolves.toBeDefined();
  });

  test("an unknown account is a NotFoundError not_found", async () => {
    const err = await rejection(client.createApiKey("user_missing", { name: "k" }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: "not_found", method: "POST", path: "/secrets/api/keys" });
  });

  test("listing pages through more than 1000 keys with pages of 1000, showing only published private keys", async () => {
    // GIVEN 1003 private keys, a publishable one and a revoked one
    const account = await client.createServiceAccount({ name: "bulk", roles: ["all_reader"] });
    const ids: string[] = [];
    for (let i = 0; i < 1003; i++) ids.push((await client.createApiKey(account.id, { name: `k${i}` })).info.id);
    await client.createApiKey(account.id, { name: "browser", type: "publishable_key" });
    const revoked = await client.createApiKey(account.id, { name: "revoked" });
    await client.revokeApiKey(account.id, revoked.info.id);

    // WHEN
    const listed = await client.listApiKeys(account.id);

    // THEN every private key once, newest first, mapped from SecretResponse
    expect(listed.map((k) => k.id)).toEqual([...ids].reverse());
    expect(listed[0]).toEqual({
      id: ids[1002],
      serviceAccountId: "", // the list does not say which account a key belongs to
      name: "k1002",
      prefix: expect.stringMatching(/^sk_..\*\*\*..$/),
      scopes: ["all_reader"],
      createdAt: expect.any(String),
      expiresAt: null,
      revokedAt: null,
      status: "active",
    });
  });

  test("listing with a small page size, and an expired key is listed as expired", async () => {
    // GIVEN 5 keys, one already expired
    const account = await client.createServiceAccount({ name: "few", roles: ["all_reader"] });
    for (let i = 0; i < 4; i++) await client.createApiKey(account.id, { name: `k${i}` });
    await client.createApiKey(account.id, { name: "old", expiresAt: new Date(Date.now() - DAY_MS) });
    // WHEN
    const listed = await clientWith(emu.adminToken, { pageSize: 2 }).listApiKeys(account.id);
    // THEN
    expect(listed.map((k) => [k.name, k.status])).toEqual([
      ["old", "expired"],
      ["k3", "active"],
      ["k2", "active"],
      ["k1", "active"],
      ["k0", "active"],
    ]);
  });

  test("revoke is idempotent: deleted, deleted again (the API answers 204), already-gone for an unknown id", async () => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    const { info, value } = await client.createApiKey(account.id, { name: "k" });
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(account.id, "secret_doesnotexist")).toBe("already-gone");
    expect(state().apiKeys[0]).toMatchObject({ id: info.id, status: "revoked" });
    expect(await client.authenticates(value)).toBe(false);
  });

  test("authenticates(): a key whose roles forbid listing keys (403) still authenticates; garbage does not", async () => {
    expect(await client.authenticates(await keyWithRoles(["event_ingestor"]))).toBe(true);
    expect(await client.authenticates(await keyWithRoles(["super_admin"], "publishable_key"))).toBe(true);
    expect(await client.authenticates(await keyWithRoles(["all_reader"]))).toBe(true);
    expect(await client.authenticates("sk_01NOTAKEY")).toBe(false);
  });

  test("authenticates() is false once the key has expired", async () => {
    // GIVEN an emulator clock that can jump
    await emu.close();
    let now = new Date("2030-01-01T00:00:00.000Z");
    emu = await startEmulator({ api: "flexprice", now: () => now });
    api = { ...api, baseUrl: emu.url };
    client = clientWith(emu.adminToken);
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    const { value } = await client.createApiKey(account.id, { name: "k", expiresAt: new Date("2030-01-02T00:00:00.000Z") });
    // WHEN / THEN
    expect(await client.authenticates(value)).toBe(true);
    now = new Date("2030-01-03T00:00:00.000Z");
    expect(await client.authenticates(value)).toBe(false);
  });
});

describe("error shapes", () => {
  test("a wrong admin key: the auth layer's 401 { error } is an AuthenticationError naming the token variable, hiding the key", async () => {
    // GIVEN
    const wrongToken = "fp_wrong_but_secret_0123456789";
    // WHEN
    const err = await rejection(clientWith(wrongToken).listServiceAccounts());
    // THEN
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "unauthenticated", detail: "Unauthorized", method: "POST", path: "/users/search" });
    expect(err.message).toMatch(/^POST \/users\/search failed: 401 unauthenticated: Unauthorized\. Check that the environment variable FLEXPRICE_TOKEN holds/);
    for (const text of renderings(err)) expect(text).not.toContain(wrongToken);
    expect(retries).toEqual([]);
  });

  test("a key whose roles do not allow it: the auth layer's 403 { message } is a PermissionDeniedError", async () => {
    // GIVEN a client whose key only ingests events
    const ingestKey = await keyWithRoles(["event_ingestor"]);
    const limited = clientWith(ingestKey);
    // WHEN
    const err = await rejection(limited.listApiKeys("any"));
    // THEN
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, code: "permission_denied", detail: "insufficient permissions" });
    expect(err.message).toBe("GET /secrets/api/keys failed: 403 permission_denied: insufficient permissions");
    for (const text of renderings(err)) expect(text).not.toContain(ingestKey);
  });

  test("a bare 404 that is not Flexprice's own not_found (a wrong base URL, a proxy) is not read as already-gone", async () => {
    // GIVEN a server that answers every request like a router that knows no such path
    const server = http.createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const wrong = clientWith(emu.adminToken, {}, { ...api, baseUrl: url });
      // WHEN
      const err = await rejection(wrong.revokeApiKey("user_1", "secret_1"));
      const accountErr = await rejection(wrong.deleteServiceAccount("user_1"));
      // THEN
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.message).toBe("DELETE /secrets/api/keys/secret_1 failed: 404 not_found: 404 page not found");
      expect(accountErr).toBeInstanceOf(NotFoundError);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe("parseFlexpriceError maps every documented body to the right subclass", () => {
    const TOKEN = "fp_admin_SECRET_token_123";
    const context: ErrorContext = { method: "POST", path: "/secrets/api/keys", secrets: [TOKEN], tokenEnv: "FLEXPRICE_TOKEN" };
    const body = (code: string, status: number, message = "something happened", details?: object) => ({
      code,
      message,
      http_status_code: status,
      ...(details ? { details } : {}),
    });

    test.each([
      [400, "validation_error", ValidationError],
      [400, "invalid_operation", ValidationError],
      [403, "permission_denied", PermissionDeniedError],
      [404, "not_found", NotFoundError],
      [409, "already_exists", ConflictError],
      [429, "too_many_requests", RateLimitError],
      [500, "internal_error", ServerError],
      [503, "service_unavailable", ServerError],
    ])("%i %s", (status, code, cls) => {
      const err = createApiError(status, body(code, status, `${code} happened`), {}, parseFlexpriceError, context);
      expect(err).toBeInstanceOf(cls);
      expect(err).toMatchObject({ status, code, title: FLEXPRICE_ERROR_TITLE, detail: `${code} happened` });
      expect(err.message).toBe(`POST /secrets/api/keys failed: ${status} ${code}: ${code} happened`);
    });

    test("the auth layer's 401 and 403 bodies, and an { error: { message } } body", () => {
      const unauthorized = createApiError(401, { error: "Unauthorized" }, {}, parseFlexpriceError, context);
      const forbidden = createApiError(403, { message: "insufficient permissions" }, {}, parseFlexpriceError, context);
      const nested = createApiError(500, { error: { message: "database is down" } }, {}, parseFlexpriceError, context);
      expect(unauthorized).toBeInstanceOf(AuthenticationError);
      expect(unauthorized.message).toContain("401 unauthenticated: Unauthorized. Check that the environment variable FLEXPRICE_TOKEN");
      expect(forbidden).toBeInstanceOf(PermissionDeniedError);
      expect(forbidden).toMatchObject({ code: "permission_denied", detail: "insufficient permissions" });
      expect(forbidden.title).not.toBe(FLEXPRICE_ERROR_TITLE);
      expect(nested).toMatchObject({ code: "server_error", detail: "database is down" });
    });

    test("details become field violations; a 429's Retry-After is kept; secrets are redacted", () => {
      const err = createApiError(
        429,
        body("too_many_requests", 429, `slow down, ${TOKEN}`, { limit: "must be between 1 and 1000", keys: ["a", "b"], n: { x: 1 } }),
        { "retry-after": "3" },
        parseFlexpriceError,
        context,
      );
      expect(err).toBeInstanceOf(RateLimitError);
      expect((err as RateLimitError).retryAfterSeconds).toBe(3);
      expect(err.violations).toEqual([
        { field: "limit", description: "must be between 1 and 1000" },
        { field: "keys", description: "a, b" },
        { field: "n", description: '{"x":1}' },
      ]);
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).toContain("[REDACTED]");
    });

    test("bodies of no Flexprice shape are left to the generic handling", () => {
      expect(parseFlexpriceError("oops")).toBeUndefined();
      expect(parseFlexpriceError([])).toBeUndefined();
      expect(parseFlexpriceError({ unrelated: true })).toBeUndefined();
    });
  });
});

describe("retries and faults", () => {
  test("429 is retried after the Retry-After delay, then succeeds", async () => {
    emu.injectFault({ status: 429, times: 1, retryAfterSeconds: 1, method: "GET" });
    const started = Date.now();
    expect(await client.listApiKeys("any")).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    expect(retries[0].message).toBe("GET /secrets/api/keys: rate limited (429); retry 1 of 4 in 1.0s");
  });

  test("a POST answered 429 is retried (the server did not act on it) and creates exactly one account", async () => {
    emu.injectFault({ status: 429, times: 2, retryAfterSeconds: 0, method: "POST", pathPrefix: "/users" });
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    expect(retries).toHaveLength(2);
    expect(state().serviceAccounts.map((a) => a.id)).toEqual([account.id]);
  });

  test("429 beyond the retry budget is a RateLimitError too_many_requests with Retry-After", async () => {
    emu.injectFault({ status: 429, times: 10, retryAfterSeconds: 0 });
    const err = await rejection(client.listServiceAccounts());
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "too_many_requests", retryAfterSeconds: 0 });
    expect(err.message).toMatch(/^POST \/users\/search failed: 429 too_many_requests: .* \[after 4 retries\]$/);
  });

  test("500 on a GET is retried, then succeeds", async () => {
    emu.injectFault({ status: 500, times: 2, method: "GET" });
    expect(await client.listApiKeys("any")).toEqual([]);
    expect(retries.map((r) => r.event.reason)).toEqual(["server error (500)", "server error (500)"]);
  });

  test("503 on a revoke (DELETE) is retried, then succeeds", async () => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    const { info } = await client.createApiKey(account.id, { name: "k" });
    emu.injectFault({ status: 503, times: 1, method: "DELETE" });
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(retries).toHaveLength(1);
  });

  test.each([
    [500, "internal_error"],
    [503, "service_unavailable"],
  ] as const)("a POST that creates a key is NOT retried on %i (%s)", async (status, code) => {
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    emu.injectFault({ status, times: 1, method: "POST", pathPrefix: "/secrets/api/keys" });
    const err = await rejection(client.createApiKey(account.id, { name: "k" }));
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status, code });
    expect(retries).toEqual([]);
    expect(state().apiKeys).toEqual([]);
  });
});

describe("redaction", () => {
  test("neither the admin key nor a minted key appears in any thrown error or retry line", async () => {
    // GIVEN a key value the client has seen, and a failing API
    const account = await client.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    const { value } = await client.createApiKey(account.id, { name: "k" });
    emu.injectFault({ status: 500, times: 100 });
    // WHEN
    const errors = [
      await rejection(client.authenticates(value)),
      await rejection(client.listApiKeys(account.id)),
      await rejection(client.createApiKey(account.id, { name: "k2" })),
      await rejection(client.deleteServiceAccount(account.id)),
    ];
    // THEN
    for (const err of errors) {
      expect(err).toBeInstanceOf(ServerError);
      expect(err).not.toHaveProperty("config");
      expect(err).not.toHaveProperty("response");
      for (const text of renderings(err)) {
        expect(text).not.toContain(emu.adminToken);
        expect(text).not.toContain(value);
      }
    }
    expect(retries.length).toBeGreaterThan(0);
    for (const { message } of retries) {
      expect(message).not.toContain(emu.adminToken);
      expect(message).not.toContain(value);
    }
  });

  test("the client itself does not print its key", () => {
    expect(util.inspect(client, { depth: 10, showHidden: true })).not.toContain(emu.adminToken);
    expect(JSON.stringify(client)).not.toContain(emu.adminToken);
  });

  test("a create answer without the key is an InvalidResponseError (a key may exist without its value)", async () => {
    // GIVEN a server that answers 201 without api_key
    const server = http.createServer((_req, res) => {
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ secret: { id: "secret_1" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const odd = clientWith("t", {}, { ...api, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const err = await rejection(odd.createApiKey("user_1", { name: "k" }));
      expect(err).toBeInstanceOf(InvalidResponseError);
      expect(err.message).toMatch(/lacks `api_key`/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("X-Environment-ID", () => {
  test("is sent with every request when api.environmentId is set, and not otherwise", async () => {
    // GIVEN
    const inEnv = clientWith(emu.adminToken, {}, { ...api, environmentId: "env_0123" });
    // WHEN
    const account = await inEnv.createServiceAccount({ name: "ingest", roles: ["event_ingestor"] });
    await inEnv.createApiKey(account.id, { name: "k" });
    await client.createServiceAccount({ name: "plain", roles: ["all_reader"] });
    // THEN
    expect(state().serviceAccounts.map((a) => a.environmentId)).toEqual(["env_0123", null]);
    expect(state().apiKeys.map((k) => k.environmentId)).toEqual(["env_0123"]);
  });

  test("an environment id with spaces is refused", () => {
    expect(() => clientWith("t", {}, { ...api, environmentId: "env 1" })).toThrow(/environmentId must be a Flexprice environment id without spaces/);
  });
});

describe("construction", () => {
  test("createClient builds a FlexpriceClient for kind flexprice, and refuses an empty token naming the variable", () => {
    expect(createClient(api, "t")).toBeInstanceOf(FlexpriceClient);
    expect(() => createClient(api, "")).toThrow(/FLEXPRICE_TOKEN/);
  });

  test("refuses another API kind and a page size outside 1..1000", () => {
    expect(() => new FlexpriceClient({ ...api, kind: "flownally" }, "t")).toThrow(/cannot talk to a "flownally" API/);
    expect(() => new FlexpriceClient(api, "t", { pageSize: 0 })).toThrow(/pageSize must be an integer between 1 and 1000 \(got 0\)/);
    expect(() => new FlexpriceClient(api, "t", { pageSize: 1001 })).toThrow(/pageSize/);
  });

  test("FLEXPRICE_BUILT_IN_ROLES lists the built-in roles", () => {
    expect(FLEXPRICE_BUILT_IN_ROLES).toEqual(["super_admin", "all_reader", "all_writer", "event_ingestor", "event_reader"]);
  });
});
