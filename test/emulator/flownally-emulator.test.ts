import { startEmulator as startRealEmulator, type EmulatorOptions, type RunningEmulator } from "../../src/emulator/start-emulator";
import { loadOpenApiContract } from "../../src/emulator/openapi-validator";
import type { FlownallySnapshot } from "../../src/emulator/flownally-emulator";
import { checkedFetch, type Reply } from "./checked-fetch";

const contract = loadOpenApiContract("flownally");

interface SendOptions {
  /** Bearer token; `null` sends no Authorization header. Default: the admin token. */
  readonly token?: string | null;
  /** A raw Authorization header (overrides `token`). */
  readonly authorization?: string;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
}

let emulator: RunningEmulator;
const started: RunningEmulator[] = [];

/** Starts an emulator that afterEach closes. */
async function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  const running = await startRealEmulator(options);
  started.push(running);
  return running;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

/**
 * One real HTTP request to the emulator. Every answer is checked against the OpenAPI document: the
 * documented response of the operation, or a ProblemDetails for paths the document does not have.
 */
async function send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? emulator.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  return checkedFetch(contract, { contentType: "application/problem+json", schema: "ProblemDetails" }, emulator.url, method, path, { ...options, headers });
}

async function createAccount(name: string, description?: string): Promise<string> {
  const reply = await send("POST", "/service-accounts", { json: { name, description } });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function createKey(accountId: string, json: object = { name: "ci" }): Promise<{ id: string; key: string }> {
  const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, { json });
  expect(reply.status).toBe(201);
  return { id: reply.body.apiKey.id as string, key: reply.body.key as string };
}

describe("authentication", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("no Authorization header is 401 unauthenticated with a Bearer challenge", async () => {
    // WHEN
    const reply = await send("GET", "/service-accounts", { token: null });

    // THEN
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ status: 401, code: "unauthenticated", instance: "/service-accounts" });
    expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  test.each([
    ["a wrong token", { token: "not-the-token" }],
    ["another scheme", { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("%s is 401", async (_label, options) => {
    const reply = await send("GET", "/service-accounts", options);
    expect(reply.status).toBe(401);
    expect(reply.body.code).toBe("unauthenticated");
  });

  test("the admin token given in the options authenticates", async () => {
    // GIVEN
    emulator = await startEmulator({ adminToken: "my-admin-token" });

    // THEN
    expect(emulator.adminToken).toBe("my-admin-token");
    expect((await send("GET", "/service-accounts", { token: "my-admin-token" })).status).toBe(200);
  });

  test("a minted key authenticates on every endpoint until it is revoked", async () => {
    // GIVEN
    const accountId = await createAccount("billing");
    const { id, key } = await createKey(accountId);

    // WHEN / THEN: it works, and its use is recorded
    expect((await send("GET", "/service-accounts", { token: key })).status).toBe(200);
    expect((await send("POST", "/service-accounts", { token: key, json: { name: "made-by-key" } })).status).toBe(201);
    const listed = await send("GET", `/service-accounts/${accountId}/api-keys`, { token: key });
    expect(listed.body.apiKeys[0]).toMatchObject({ id, status: "active", lastUsedAt: expect.any(String) });

    // WHEN revoked: 401 from then on
    expect((await send("DELETE", `/api-keys/${id}`)).status).toBe(204);
    expect((await send("GET", "/service-accounts", { token: key })).status).toBe(401);
    const after = await send("GET", `/service-accounts/${accountId}/api-keys`);
    expect(after.body.apiKeys[0]).toMatchObject({ id, status: "revoked", revokedAt: expect.any(String) });
  });

  test("deleting the account stops all its keys from authenticating", async () => {
    // GIVEN
    const accountId = await createAccount("billing");
    const first = await createKey(accountId, { name: "one" });
    const second = await createKey(accountId, { name: "two" });
    const otherAccount = await createAccount("other");
    const other = await createKey(otherAccount);

    // WHEN
    expect((await send("DELETE", `/service-accounts/${accountId}`)).status).toBe(204);

    // THEN
    expect((await send("GET", "/service-accounts", { token: first.key })).status).toBe(401);
    expect((await send("GET", "/service-accounts", { token: second.key })).status).toBe(401);
    expect((await send("GET", "/service-accounts", { token: other.key })).status).toBe(200);
    const keys = emulator.inspect().apiKeys.filter((k) => k.serviceAccountId === accountId);
    expect(keys.map((k) => k.status)).toEqual(["revoked", "revoked"]);
  });

  test("a key stops authenticating once now > expiresAt and is listed as expired", async () => {
    // GIVEN a controllable clock
    let now = new Date("2030-01-01T00:00:00.000Z");
    emulator = await startEmulator({ now: () => now });
    const accountId = await createAccount("billing");
    const { key } = await createKey(accountId, { name: "short", expiresAt: "2030-01-01T01:00:00Z" });

    // WHEN / THEN: valid up to and including expiresAt
    now = new Date("2030-01-01T01:00:00.000Z");
    expect((await send("GET", "/service-accounts", { token: key })).status).toBe(200);

    // WHEN past expiresAt
    now = new Date("2030-01-01T01:00:00.001Z");
    expect((await send("GET", "/service-accounts", { token: key })).status).toBe(401);
    const listed = await send("GET", `/service-accounts/${accountId}/api-keys`);
    expect(listed.body.apiKeys[0]).toMatchObject({
      status: "expired",
      expiresAt: "2030-01-01T01:00:00.000Z",
      revokedAt: null,
      createdAt: "2030-01-01T00:00:00.000Z",
    });
  });
});

describe("service accounts", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("create answers 201 with the account; description defaults to null", async () => {
    // WHEN
    const withDescription = await send("POST", "/service-accounts", { json: { name: "billing", description: "Bills" } });
    const without = await send("POST", "/service-accounts", { json: { name: "audit" } });

    // THEN
    expect(withDescription.status).toBe(201);
    expect(withDescription.body).toEqual({
      id: expect.stringMatching(/^sa_[0-9A-Za-z]{16}$/),
      name: "billing",
      description: "Bills",
      createdAt: expect.any(String),
    });
    expect(without.body.description).toBeNull();
    expect(without.body.id).not.toBe(withDescription.body.id);
  });

  test("an active account with the same name is 409 service_account_name_taken", async () => {
    // GIVEN
    await createAccount("billing");

    // WHEN
    const reply = await send("POST", "/service-accounts", { json: { name: "billing" } });

    // THEN
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ status: 409, code: "service_account_name_taken" });
  });

  test("a deleted account's name can be reused", async () => {
    // GIVEN
    const first = await createAccount("billing");
    await send("DELETE", `/service-accounts/${first}`);

    // WHEN
    const reply = await send("POST", "/service-accounts", { json: { name: "billing" } });

    // THEN
    expect(reply.status).toBe(201);
    expect(reply.body.id).not.toBe(first);
  });

  test("delete answers 204, then 404 service_account_not_found; deleted accounts are not listed", async () => {
    // GIVEN
    const id = await createAccount("billing");
    await createAccount("audit");

    // WHEN / THEN
    expect((await send("DELETE", `/service-accounts/${id}`)).status).toBe(204);
    const again = await send("DELETE", `/service-accounts/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("service_account_not_found");
    const listed = await send("GET", "/service-accounts");
    expect(listed.body.serviceAccounts.map((a: { name: string }) => a.name)).toEqual(["audit"]);
    expect(emulator.inspect().serviceAccounts.find((a) => a.id === id)?.deletedAt).toEqual(expect.any(String));
  });

  test("delete of an unknown id is 404 service_account_not_found", async () => {
    const reply = await send("DELETE", "/service-accounts/sa_doesnotexist");
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe("service_account_not_found");
  });

  test.each([
    ["missing name", {}, "/name", "is required"],
    ["empty name", { name: "" }, "/name", "must NOT have fewer than 1 characters"],
    ["upper-case name", { name: "Billing" }, "/name", "must match pattern"],
    ["name starting with a dot", { name: ".billing" }, "/name", "must match pattern"],
    ["65-character name", { name: "a".repeat(65) }, "/name", "must NOT have more than 64 characters"],
    ["name not a string", { name: 42 }, "/name", "must be string"],
    ["257-character description", { name: "ok", description: "d".repeat(257) }, "/description", "256"],
    ["unknown member", { name: "ok", color: "red" }, "/color", "is not allowed"],
    ["an array body", [], "", "must be object"],
  ])("create with %s is 400 validation_failed at %p", async (_label, json, field, description) => {
    // WHEN
    const reply = await send("POST", "/service-accounts", { json });

    // THEN
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("validation_failed");
    expect(reply.body.violations).toContainEqual({ field, description: expect.stringContaining(description) });
  });

  test("accepts the longest name and description", async () => {
    const reply = await send("POST", "/service-accounts", {
      json: { name: `a${"b".repeat(60)}._-`, description: "d".repeat(256) },
    });
    expect(reply.status).toBe(201);
  });

  test("an empty body is 400 validation_failed for the body as a whole", async () => {
    const reply = await send("POST", "/service-accounts", { rawBody: "", contentType: "application/json" });
    expect(reply.status).toBe(400);
    expect(reply.body.violations).toEqual([{ field: "", description: "a JSON request body is required" }]);
  });

  test("malformed JSON is 400 invalid_json", async () => {
    const reply = await send("POST", "/service-accounts", { rawBody: '{"name": ', contentType: "application/json" });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ status: 400, code: "invalid_json" });
  });

  test("a body that is not application/json is 415 unsupported_media_type", async () => {
    const reply = await send("POST", "/service-accounts", { rawBody: '{"name":"x"}', contentType: "text/plain" });
    expect(reply.status).toBe(415);
    expect(reply.body.code).toBe("unsupported_media_type");
  });

  test("list pages through more than 20 accounts with an opaque cursor", async () => {
    // GIVEN 45 accounts
    const names = Array.from({ length: 45 }, (_, i) => `account-${String(i).padStart(2, "0")}`);
    for (const name of names) await createAccount(name);

    // WHEN following nextCursor from the default page size
    const pages: number[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`;
      const reply = await send("GET", `/service-accounts${query}`);
      expect(reply.status).toBe(200);
      pages.push(reply.body.serviceAccounts.length);
      seen.push(...reply.body.serviceAccounts.map((a: { name: string }) => a.name));
      cursor = reply.body.nextCursor;
    } while (cursor !== null);

    // THEN
    expect(pages).toEqual([20, 20, 5]);
    expect(seen).toEqual(names);
  });

  test("list honours limit; the last page has nextCursor null", async () => {
    // GIVEN
    for (const name of ["a", "b", "c"]) await createAccount(name);

    // WHEN
    const first = await send("GET", "/service-accounts?limit=2");
    const second = await send("GET", `/service-accounts?limit=2&cursor=${first.body.nextCursor}`);
    const all = await send("GET", "/service-accounts?limit=100");

    // THEN
    expect(first.body.serviceAccounts.map((a: { name: string }) => a.name)).toEqual(["a", "b"]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body).toMatchObject({ serviceAccounts: [{ name: "c" }], nextCursor: null });
    expect(all.body.serviceAccounts).toHaveLength(3);
    expect(all.body.nextCursor).toBeNull();
  });

  test("a cursor stays valid when the account it points after is deleted", async () => {
    // GIVEN
    const ids = [await createAccount("a"), await createAccount("b"), await createAccount("c")];
    const first = await send("GET", "/service-accounts?limit=2");

    // WHEN
    await send("DELETE", `/service-accounts/${ids[1]}`);
    const second = await send("GET", `/service-accounts?limit=2&cursor=${first.body.nextCursor}`);

    // THEN
    expect(second.body).toEqual({ serviceAccounts: [expect.objectContaining({ name: "c" })], nextCursor: null });
  });

  test.each([
    ["limit=0", "query.limit", "must be >= 1"],
    ["limit=101", "query.limit", "must be <= 100"],
    ["limit=ten", "query.limit", "must be integer"],
    ["limit=1.5", "query.limit", "must be integer"],
    ["limit=1&limit=2", "query.limit", "must be given once"],
    ["cursor=bm9wZQ", "query.cursor", "is not a cursor this server issued"],
    ["cursor=", "query.cursor", "must NOT have fewer than 1 characters"],
  ])("list with %s is 400 validation_failed at %s", async (query, field, description) => {
    const reply = await send("GET", `/service-accounts?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("validation_failed");
    expect(reply.body.violations).toEqual([{ field, description }]);
  });
});

describe("API keys", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("create answers 201 with the metadata and a one-time plaintext key", async () => {
    // GIVEN
    const accountId = await createAccount("billing");

    // WHEN
    const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, {
      json: { name: "ci", scopes: ["read", "write"], expiresAt: "2999-01-01T00:00:00+02:00" },
    });

    // THEN
    expect(reply.status).toBe(201);
    const { apiKey, key } = reply.body;
    expect(key).toMatch(/^fln_[0-9A-Za-z]{40}$/);
    expect(apiKey).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{16}$/),
      serviceAccountId: accountId,
      name: "ci",
      prefix: key.slice(0, 12),
      scopes: ["read", "write"],
      createdAt: expect.any(String),
      expiresAt: "2998-12-31T22:00:00.000Z",
      lastUsedAt: null,
      revokedAt: null,
      status: "active",
    });
  });

  test("scopes default to none and the key never expires", async () => {
    const accountId = await createAccount("billing");
    const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, { json: { name: "ci" } });
    expect(reply.body.apiKey).toMatchObject({ scopes: [], expiresAt: null });
  });

  test("the plaintext is never listed nor inspectable, and each key is different", async () => {
    // GIVEN
    const accountId = await createAccount("billing");
    const first = await createKey(accountId, { name: "one" });
    const second = await createKey(accountId, { name: "two" });

    // WHEN
    const listed = await send("GET", `/service-accounts/${accountId}/api-keys`);

    // THEN
    expect(first.key).not.toBe(second.key);
    expect(listed.body.apiKeys.map((k: { name: string }) => k.name)).toEqual(["one", "two"]);
    const everything = JSON.stringify([listed.body, emulator.inspect()]);
    expect(everything).not.toContain(first.key);
    expect(everything).not.toContain(second.key);
  });

  test.each([
    ["in the past", "2000-01-01T00:00:00Z", "must be in the future"],
    ["not RFC 3339", "tomorrow", 'must match format "date-time"'],
    ["without a time zone", "2999-01-01T00:00:00", 'must match format "date-time"'],
  ])("expiresAt %s is 400 validation_failed at /expiresAt", async (_label, expiresAt, description) => {
    const accountId = await createAccount("billing");
    const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, { json: { name: "ci", expiresAt } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("validation_failed");
    expect(reply.body.violations).toEqual([{ field: "/expiresAt", description: expect.stringContaining(description) }]);
  });

  test("expiresAt equal to now is not in the future", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    emulator = await startEmulator({ now: () => now });
    const accountId = await createAccount("billing");
    const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, {
      json: { name: "ci", expiresAt: now.toISOString() },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.violations[0].field).toBe("/expiresAt");
  });

  test.each([
    ["missing name", {}, "/name", "is required"],
    ["129-character name", { name: "n".repeat(129) }, "/name", "must NOT have more than 128 characters"],
    ["scopes not an array", { name: "ci", scopes: "read" }, "/scopes", "must be array"],
    ["a scope not a string", { name: "ci", scopes: ["read", 7] }, "/scopes/1", "must be string"],
    ["unknown member", { name: "ci", value: "fln_mine" }, "/value", "is not allowed"],
  ])("create with %s is 400 validation_failed at %p", async (_label, json, field, description) => {
    const accountId = await createAccount("billing");
    const reply = await send("POST", `/service-accounts/${accountId}/api-keys`, { json });
    expect(reply.status).toBe(400);
    expect(reply.body.violations).toContainEqual({ field, description });
  });

  test("create and list on an unknown or deleted account are 404 service_account_not_found", async () => {
    // GIVEN
    const deleted = await createAccount("gone");
    await send("DELETE", `/service-accounts/${deleted}`);

    for (const id of ["sa_unknown", deleted]) {
      // WHEN
      const created = await send("POST", `/service-accounts/${id}/api-keys`, { json: { name: "ci" } });
      const listed = await send("GET", `/service-accounts/${id}/api-keys`);

      // THEN
      expect([created.status, listed.status]).toEqual([404, 404]);
      expect([created.body.code, listed.body.code]).toEqual(["service_account_not_found", "service_account_not_found"]);
    }
  });

  test("revoke answers 204, again 204 (idempotent), and 404 api_key_not_found for an unknown id", async () => {
    // GIVEN
    const accountId = await createAccount("billing");
    const { id } = await createKey(accountId);

    // WHEN
    const first = await send("DELETE", `/api-keys/${id}`);
    const revokedAt = (emulator.inspect() as FlownallySnapshot).apiKeys[0].revokedAt;
    const second = await send("DELETE", `/api-keys/${id}`);
    const unknown = await send("DELETE", "/api-keys/key_unknown");

    // THEN
    expect([first.status, second.status]).toEqual([204, 204]);
    expect((emulator.inspect() as FlownallySnapshot).apiKeys[0].revokedAt).toBe(revokedAt);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404, code: "api_key_not_found" });
  });

  test("revoking a key of a deleted account still answers 204", async () => {
    const accountId = await createAccount("billing");
    const { id } = await createKey(accountId);
    await send("DELETE", `/service-accounts/${accountId}`);
    expect((await send("DELETE", `/api-keys/${id}`)).status).toBe(204);
  });
});

describe("the read-only token", () => {
  let accountId: string;
  let keyId: string;
  beforeEach(async () => {
    emulator = await startEmulator();
    accountId = await createAccount("billing", "bills");
    keyId = (await createKey(accountId)).id;
  });

  test("is a fresh random token by default, or the one given", async () => {
    // THEN
    expect(emulator.readOnlyToken).toMatch(/^ro_[A-Za-z0-9_-]{32}$/);
    expect(emulator.readOnlyToken).not.toBe(emulator.adminToken);
    const other = await startEmulator({ readOnlyToken: "my-read-only-token" });
    expect(other.readOnlyToken).toBe("my-read-only-token");
  });

  test("lists service accounts and API keys, seeing what the admin token sees", async () => {
    // WHEN
    const accounts = await send("GET", "/service-accounts?limit=1", { token: emulator.readOnlyToken });
    const keys = await send("GET", `/service-accounts/${accountId}/api-keys`, { token: emulator.readOnlyToken });

    // THEN
    expect(accounts.status).toBe(200);
    expect(accounts.body).toEqual((await send("GET", "/service-accounts?limit=1")).body);
    expect(keys.status).toBe(200);
    expect(keys.body.apiKeys).toEqual([expect.objectContaining({ id: keyId, status: "active", lastUsedAt: null })]);
  });

  test.each([
    ["createServiceAccount", "POST", () => "/service-accounts", { name: "made-read-only" }],
    ["deleteServiceAccount", "DELETE", () => `/service-accounts/${accountId}`, undefined],
    ["createApiKey", "POST", () => `/service-accounts/${accountId}/api-keys`, { name: "made-read-only" }],
    ["revokeApiKey", "DELETE", () => `/api-keys/${keyId}`, undefined],
  ])("%s is 403 permission_denied and changes nothing", async (operationId, method, path, json) => {
    // GIVEN
    const before = emulator.inspect();

    // WHEN
    const reply = await send(method, path(), { token: emulator.readOnlyToken, json });

    // THEN
    expect(reply.status).toBe(403);
    expect(reply.headers.get("content-type")).toBe("application/problem+json");
    expect(reply.body).toEqual({
      type: "urn:problem-type:flownally:permission_denied",
      title: "Permission denied",
      status: 403,
      detail: expect.stringContaining(`read-only: it may list service accounts and API keys; ${operationId} needs a token that may write`),
      instance: path(),
      code: "permission_denied",
    });
    expect(emulator.inspect()).toEqual(before);
  });

  test("a write is refused before its body is validated or its ids are looked up", async () => {
    // GIVEN
    const before = emulator.inspect();

    // WHEN
    const badBody = await send("POST", "/service-accounts", { token: emulator.readOnlyToken, json: { color: "red" } });
    const unknownKey = await send("DELETE", "/api-keys/key_nope", { token: emulator.readOnlyToken });

    // THEN
    expect([badBody.status, badBody.body.code]).toEqual([403, "permission_denied"]);
    expect([unknownKey.status, unknownKey.body.code]).toEqual([403, "permission_denied"]);
    expect(emulator.inspect()).toEqual(before);
  });

  test("another emulator's read-only token is 401, like any wrong token", async () => {
    const other = await startEmulator();
    const reply = await send("GET", "/service-accounts", { token: other.readOnlyToken });
    expect([reply.status, reply.body.code]).toEqual([401, "unauthenticated"]);
  });
});

describe("routing", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test.each(["/nope", "/service-accounts/sa_1/api-keys/extra", "/api-keys", "/service-accounts/"])(
    "an unknown path (%s) is 404 not_found",
    async (path) => {
      const reply = await send("GET", path);
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ status: 404, code: "not_found" });
    },
  );

  test.each([
    ["PUT", "/service-accounts", "GET, POST"],
    ["PATCH", "/service-accounts/sa_1", "DELETE"],
    ["GET", "/api-keys/key_1", "DELETE"],
  ])("%s %s is 405 method_not_allowed with Allow: %s", async (method, path, allow) => {
    const reply = await send(method, path);
    expect(reply.status).toBe(405);
    expect(reply.body.code).toBe("method_not_allowed");
    expect(reply.headers.get("allow")).toBe(allow);
  });

  test("routing comes before authentication", async () => {
    expect((await send("GET", "/nope", { token: null })).status).toBe(404);
    expect((await send("GET", "/service-accounts", { token: null })).status).toBe(401);
  });

  test("percent-encoded ids are decoded", async () => {
    const reply = await send("DELETE", "/service-accounts/sa%5Fmissing");
    expect(reply.status).toBe(404);
    expect(reply.body.detail).toContain('"sa_missing"');
  });
});

describe("fault injection", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("429 rate_limited with Retry-After for the next N requests, then normal answers", async () => {
    // GIVEN
    emulator.injectFault({ status: 429, times: 2, retryAfterSeconds: 7 });

    // WHEN
    const first = await send("GET", "/service-accounts");
    const second = await send("POST", "/service-accounts", { json: { name: "billing" } });
    const third = await send("GET", "/service-accounts");

    // THEN
    for (const reply of [first, second]) {
      expect(reply.status).toBe(429);
      expect(reply.body).toMatchObject({ status: 429, code: "rate_limited" });
      expect(reply.headers.get("retry-after")).toBe("7");
    }
    expect(third.status).toBe(200);
    expect(third.body.serviceAccounts).toEqual([]); // the rate-limited create did nothing
  });

  test("Retry-After defaults to 1 second", async () => {
    emulator.injectFault({ status: 429, times: 1 });
    expect((await send("GET", "/service-accounts")).headers.get("retry-after")).toBe("1");
  });

  test.each([
    [500, "internal_error"],
    [503, "unavailable"],
  ] as const)("%i %s", async (status, code) => {
    emulator.injectFault({ status, times: 1 });
    const reply = await send("GET", "/service-accounts");
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ status, code });
    expect((await send("GET", "/service-accounts")).status).toBe(200);
  });

  test("a fault answers before authentication", async () => {
    emulator.injectFault({ status: 503, times: 1 });
    expect((await send("GET", "/service-accounts", { token: null })).status).toBe(503);
  });

  test("method and pathPrefix restrict which requests fail", async () => {
    // GIVEN
    const accountId = await createAccount("billing");
    emulator.injectFault({ status: 500, times: 1, method: "post", pathPrefix: "/service-accounts/" });

    // WHEN / THEN: other methods and paths are untouched
    expect((await send("GET", `/service-accounts/${accountId}/api-keys`)).status).toBe(200);
    expect((await send("POST", "/service-accounts", { json: { name: "audit" } })).status).toBe(201);
    expect((await send("POST", `/service-accounts/${accountId}/api-keys`, { json: { name: "ci" } })).status).toBe(500);
    expect((await send("POST", `/service-accounts/${accountId}/api-keys`, { json: { name: "ci" } })).status).toBe(201);
  });

  test("faults are consumed in the order they were injected", async () => {
    emulator.injectFault({ status: 503, times: 1 });
    emulator.injectFault({ status: 429, times: 1 });
    expect((await send("GET", "/service-accounts")).status).toBe(503);
    expect((await send("GET", "/service-accounts")).status).toBe(429);
    expect((await send("GET", "/service-accounts")).status).toBe(200);
  });

  test.each([
    [{ status: 404, times: 1 }, /`status` must be 429, 500 or 503/],
    [{ status: 500, times: 0 }, /`times` must be a positive integer/],
    [{ status: 429, times: 1, retryAfterSeconds: -1 }, /`retryAfterSeconds`/],
  ])("rejects the fault %p", (fault, message) => {
    expect(() => emulator.injectFault(fault as never)).toThrow(message);
  });
});

describe("startEmulator", () => {
  test("listens on 127.0.0.1 with a random admin token by default", async () => {
    emulator = await startEmulator();
    const other = await startEmulator();
    try {
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.api).toBe("flownally");
      expect(emulator.adminToken).not.toBe(other.adminToken);
      expect(emulator.adminToken.length).toBeGreaterThanOrEqual(20);
    } finally {
      await other.close();
    }
  });

  test("close() can be called twice", async () => {
    emulator = await startEmulator();
    await emulator.close();
    await expect(emulator.close()).resolves.toBeUndefined();
  });

  test.each([
    [{ api: "stripe" }, /`api` must be one of flownally, factory, flexprice/],
    [{ port: 70000 }, /`port` must be an integer between 0 and 65535/],
    [{ adminToken: "" }, /`adminToken` must be a non-empty string/],
    [{ readOnlyToken: "read only" }, /`readOnlyToken` must be a non-empty string without whitespace/],
    [{ adminToken: "same", readOnlyToken: "same" }, /`readOnlyToken` must differ from `adminToken`/],
  ])("rejects %p", async (options, message) => {
    await expect(startEmulator(options as never)).rejects.toThrow(message);
  });

  test("writes nothing to the console, so no token or key can leak there", async () => {
    // GIVEN
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => jest.spyOn(console, m));
    emulator = await startEmulator();

    // WHEN a full lifecycle, including failures
    const accountId = await createAccount("billing");
    const { id, key } = await createKey(accountId);
    await send("GET", "/service-accounts", { token: key });
    await send("GET", "/service-accounts", { token: "wrong" });
    await send("DELETE", `/api-keys/${id}`);
    emulator.injectFault({ status: 500, times: 1 });
    await send("GET", "/service-accounts");

    // THEN
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });
});
