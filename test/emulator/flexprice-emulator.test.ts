import { emulatorCommand } from "../../src/cli/emulator-command";
import { FlexpriceEmulator, type FlexpriceSnapshot } from "../../src/emulator/flexprice-emulator";
import { loadOpenApiContract } from "../../src/emulator/openapi-validator";
import { checkedFetch, type Reply } from "./checked-fetch";
import { startEmulator as startRealEmulator, type EmulatorOptions, type RunningEmulator } from "../../src/emulator/start-emulator";

const contract = loadOpenApiContract("flexprice");

interface SendOptions {
  /** `x-api-key`; `null` sends none. Default: the admin token. */
  readonly key?: string | null;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly environmentId?: string;
}

let emulator: RunningEmulator;
const started: RunningEmulator[] = [];

/** Starts a Flexprice emulator that afterEach closes. */
async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const running = await startRealEmulator({ api: "flexprice", ...options });
  started.push(running);
  return running;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

function snapshot(): FlexpriceSnapshot {
  return emulator.inspect() as FlexpriceSnapshot;
}

/**
 * One real HTTP request to the emulator. Every answer is checked against openapi/flexprice.yaml: the
 * documented response of the operation, or an `errors.ErrorResponse` for routes it does not have.
 */
async function send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? emulator.adminToken : options.key;
  if (key !== null) headers["x-api-key"] = key;
  if (options.environmentId !== undefined) headers["x-environment-id"] = options.environmentId;
  return checkedFetch(contract, { contentType: "application/json", schema: "errors.ErrorResponse" }, emulator.url, method, path, { ...options, headers });
}

async function createAccount(roles: string[] = ["super_admin"], name = "svc", key?: string): Promise<string> {
  const reply = await send("POST", "/users", { key, json: { type: "service_account", name, roles } });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

/** Creates a key and returns its id and plaintext, whichever shape the answer came in. */
async function createKey(json: Record<string, unknown>, key?: string): Promise<{ id: string; value: string; body: any }> {
  const reply = await send("POST", "/secrets/api/keys", { key, json: { name: "ci", type: "private_key", ...json } });
  expect(reply.status).toBe(201);
  const id = (reply.body.secret?.id ?? reply.body.id) as string;
  return { id, value: reply.body.api_key as string, body: reply.body };
}

describe("authentication", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("no x-api-key is the auth layer's 401 { error: Unauthorized }", async () => {
    const reply = await send("GET", "/secrets/api/keys", { key: null });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized" });
  });

  test.each([["a wrong key", "sk_01NOTAKEY"], ["the admin token with a suffix", "x"]])("%s is 401", async (_label, key) => {
    const value = key === "x" ? `${emulator.adminToken}x` : key;
    const reply = await send("POST", "/users/search", { key: value, json: {} });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: "Unauthorized" });
  });

  test("a Bearer Authorization header is not how Flexprice authenticates", async () => {
    const response = await fetch(`${emulator.url}/secrets/api/keys`, { headers: { authorization: `Bearer ${emulator.adminToken}` } });
    expect(response.status).toBe(401);
  });

  test("the admin token given in the options authenticates", async () => {
    emulator = await startEmulator({ adminToken: "fp-admin-token" });
    expect(emulator.adminToken).toBe("fp-admin-token");
    expect((await send("GET", "/secrets/api/keys", { key: "fp-admin-token" })).status).toBe(200);
  });

  test("a minted key authenticates until it is deleted, and its use is recorded", async () => {
    // GIVEN a super_admin service account and a key of it
    const accountId = await createAccount(["super_admin"]);
    const { id, value } = await createKey({ service_account_id: accountId });

    // WHEN / THEN it works on every operation
    expect((await send("GET", "/secrets/api/keys", { key: value })).status).toBe(200);
    expect((await send("POST", "/users/search", { key: value, json: {} })).status).toBe(200);
    const other = await createAccount(["all_reader"], "made-by-key", value);
    expect(other).toMatch(/^user_/);
    expect(snapshot().apiKeys.find((k) => k.id === id)).toMatchObject({ status: "active", lastUsedAt: expect.any(String) });

    // WHEN deleted: 401 from then on
    expect((await send("DELETE", `/secrets/api/keys/${id}`)).status).toBe(204);
    expect((await send("GET", "/secrets/api/keys", { key: value })).body).toEqual({ error: "Unauthorized" });
    expect(snapshot().apiKeys.find((k) => k.id === id)).toMatchObject({ status: "revoked", deletedAt: expect.any(String) });
  });

  test("a key stops authenticating once now > expires_at; it stays listed (still published)", async () => {
    // GIVEN a controllable clock
    let now = new Date("2030-01-01T00:00:00.000Z");
    emulator = await startEmulator({ now: () => now });
    const accountId = await createAccount(["all_reader"]);
    const { id, value } = await createKey({ service_account_id: accountId, expires_at: "2030-01-01T01:00:00Z" });

    // WHEN / THEN valid up to and including expires_at
    now = new Date("2030-01-01T01:00:00.000Z");
    expect((await send("GET", "/secrets/api/keys", { key: value })).status).toBe(200);

    // WHEN past it
    now = new Date("2030-01-01T01:00:00.001Z");
    expect((await send("GET", "/secrets/api/keys", { key: value })).status).toBe(401);
    const listed = await send("GET", "/secrets/api/keys");
    expect(listed.body.items).toEqual([expect.objectContaining({ id, status: "published", expires_at: "2030-01-01T01:00:00.000Z" })]);
    expect(snapshot().apiKeys[0]).toMatchObject({ id, status: "expired", expiresAt: "2030-01-01T01:00:00.000Z" });
  });

  test("an expires_at in the past is accepted (the vendor does not check it): the key is born expired", async () => {
    const accountId = await createAccount(["all_reader"]);
    const { value } = await createKey({ service_account_id: accountId, expires_at: "2000-01-01T00:00:00Z" });
    expect((await send("GET", "/secrets/api/keys", { key: value })).status).toBe(401);
  });
});

describe("permissions follow the key's roles", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("an event_ingestor key authenticates but may not list keys: the auth layer's 403", async () => {
    // GIVEN
    const accountId = await createAccount(["event_ingestor"]);
    const { value } = await createKey({ service_account_id: accountId });

    // WHEN
    const listed = await send("GET", "/secrets/api/keys", { key: value });
    const created = await send("POST", "/users", { key: value, json: { type: "service_account", name: "x", roles: ["all_reader"] } });

    // THEN
    expect(listed.status).toBe(403);
    expect(listed.body).toEqual({ message: "insufficient permissions" });
    expect(created.status).toBe(403);
    expect(snapshot().serviceAccounts).toHaveLength(1);
  });

  test.each([
    ["super_admin", [200, 200, 201, 201]],
    ["all_writer", [200, 200, 201, 201]],
    ["all_reader", [200, 200, 403, 403]],
    ["event_reader", [403, 403, 403, 403]],
  ])("a %s key: list keys, search users, create account, create key -> %p", async (role, expected) => {
    const accountId = await createAccount([role]);
    const { value } = await createKey({ service_account_id: accountId });
    const statuses = [
      (await send("GET", "/secrets/api/keys", { key: value })).status,
      (await send("POST", "/users/search", { key: value, json: {} })).status,
      (await send("POST", "/users", { key: value, json: { type: "service_account", roles: ["event_reader"] } })).status,
      (await send("POST", "/secrets/api/keys", { key: value, json: { name: "k", type: "private_key" } })).status,
    ];
    expect(statuses).toEqual(expected);
  });

  test("a publishable key authenticates (403, not 401) but may call none of these operations, whatever its roles", async () => {
    const accountId = await createAccount(["super_admin"]);
    const { value } = await createKey({ service_account_id: accountId, type: "publishable_key" });
    expect(value).toMatch(/^pk_/);
    const reply = await send("GET", "/secrets/api/keys", { key: value });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: "insufficient permissions" });
  });

  test("the key copies the account's roles at creation", async () => {
    // GIVEN an account with two roles
    const accountId = await createAccount(["event_ingestor", "event_reader"]);

    // WHEN two keys are created, one per response shape
    const first = await createKey({ service_account_id: accountId });
    const second = await createKey({ service_account_id: accountId });

    // THEN both carry the roles, in both answers and in the emulator's state
    expect(first.body.secret).toMatchObject({ roles: ["event_ingestor", "event_reader"], user_type: "service_account" });
    expect(second.body.roles).toEqual(["event_ingestor", "event_reader"]);
    expect(snapshot().apiKeys.map((k) => k.roles)).toEqual([
      ["event_ingestor", "event_reader"],
      ["event_ingestor", "event_reader"],
    ]);
  });

  test("without service_account_id the key belongs to the caller: the admin user, or a key's own account", async () => {
    // GIVEN
    const accountId = await createAccount(["all_writer"]);
    const { value } = await createKey({ service_account_id: accountId });

    // WHEN
    const adminKey = await createKey({ name: "own" });
    const ownKey = await createKey({ name: "own-of-key" }, value);

    // THEN (the second key came in the flat shape, the third wrapped)
    expect(adminKey.body.roles).toEqual(["super_admin"]);
    expect(ownKey.body.secret).toMatchObject({ roles: ["all_writer"], user_type: "service_account" });
    const admin = (await send("POST", "/users/search", { json: { type: "user" } })).body.items[0].id;
    const owners = new Map(snapshot().apiKeys.map((k) => [k.id, k.serviceAccountId]));
    expect([owners.get(adminKey.id), owners.get(ownKey.id)]).toEqual([admin, accountId]);
  });
});

describe("the read-only token", () => {
  let accountId: string;
  let keyId: string;
  beforeEach(async () => {
    emulator = await startEmulator();
    accountId = await createAccount(["all_writer"]);
    keyId = (await createKey({ service_account_id: accountId })).id;
  });

  test("is a fresh random token by default, or the one given", async () => {
    expect(emulator.readOnlyToken).toMatch(/^ro_/);
    expect(emulator.readOnlyToken).not.toBe(emulator.adminToken);
    const other = await startEmulator({ readOnlyToken: "fp-read-only" });
    expect(other.readOnlyToken).toBe("fp-read-only");
  });

  test("lists keys and searches users (a POST that only reads), as the admin token sees them", async () => {
    // WHEN
    const keys = await send("GET", "/secrets/api/keys", { key: emulator.readOnlyToken });
    const users = await send("POST", "/users/search", { key: emulator.readOnlyToken, json: { type: "service_account" } });

    // THEN
    expect(keys.status).toBe(200);
    expect(keys.body).toEqual((await send("GET", "/secrets/api/keys")).body);
    expect(users.status).toBe(200);
    expect(users.body.items.map((u: { id: string }) => u.id)).toEqual([accountId]);
  });

  test.each([
    ["createApiKey", "POST", () => "/secrets/api/keys", { name: "by-read-only", type: "private_key" }],
    ["deleteApiKey", "DELETE", () => `/secrets/api/keys/${keyId}`, undefined],
    ["createUser", "POST", () => "/users", { type: "service_account", name: "by-read-only", roles: ["all_reader"] }],
    ["deleteUser", "DELETE", () => `/users/${accountId}`, undefined],
  ])("%s is the auth layer's 403 and changes nothing", async (_operationId, method, path, json) => {
    // GIVEN
    const before = snapshot();

    // WHEN
    const reply = await send(method, path(), { key: emulator.readOnlyToken, json });

    // THEN
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: "insufficient permissions" });
    expect(snapshot()).toEqual(before);
  });

  test("a write is refused before its body is validated or its ids are looked up; no body member is recorded", async () => {
    const before = snapshot();
    const badBody = await send("POST", "/secrets/api/keys", { key: emulator.readOnlyToken, json: { name: "x", type: "private_key", scopes: ["a"] } });
    const unknownKey = await send("DELETE", "/secrets/api/keys/secret_nope", { key: emulator.readOnlyToken });
    expect([badBody.status, unknownKey.status]).toEqual([403, 403]);
    expect(snapshot()).toEqual(before);
    expect(before.ignoredRequestMembers).toEqual([]);
  });
});

describe("service accounts (users)", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("create answers 201 with the user; names need not be unique", async () => {
    // WHEN
    const first = await send("POST", "/users", { json: { type: "service_account", name: "Event ingestion", roles: ["event_ingestor"] } });
    const second = await send("POST", "/users", { json: { type: "service_account", name: "Event ingestion", roles: ["event_ingestor"] } });

    // THEN
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^user_[0-9A-Z]{26}$/),
      name: "Event ingestion",
      email: "",
      type: "service_account",
      roles: ["event_ingestor"],
      status: "published",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  test("an unknown role is 400 validation_error naming it", async () => {
    const reply = await send("POST", "/users", { json: { type: "service_account", name: "x", roles: ["event_ingestor", "billing_admin"] } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: "validation_error", http_status_code: 400, message: "invalid role: billing_admin" });
    expect(reply.body.details.roles).toContain("billing_admin");
    expect(snapshot().serviceAccounts).toEqual([]);
  });

  test.each([
    ["no roles", { type: "service_account", name: "x", roles: [] }, "roles", "must NOT have fewer than 1 items"],
    ["roles missing", { type: "service_account", name: "x" }, "roles", "is required"],
    ["an empty role", { type: "service_account", roles: [""] }, "roles.0", "must NOT have fewer than 1 characters"],
    ["an unknown type", { type: "robot", roles: ["all_reader"] }, "type", "must be equal to one of the allowed values"],
    ["an array body", [], "body", "must be object"],
  ])("create with %s is 400 validation_error naming the field", async (_label, json, field, description) => {
    const reply = await send("POST", "/users", { json });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("validation_error");
    expect(reply.body.details[field]).toContain(description);
  });

  test("a human user (type user) is 400 invalid_operation in the emulator", async () => {
    const reply = await send("POST", "/users", { json: { type: "user", email: "a@b.c", roles: ["all_reader"] } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("invalid_operation");
  });

  test("malformed JSON and a body that is not JSON are 400 validation_error", async () => {
    const malformed = await send("POST", "/users", { rawBody: '{"type": ', contentType: "application/json" });
    const text = await send("POST", "/users", { rawBody: '{"type":"service_account"}', contentType: "text/plain" });
    const empty = await send("POST", "/users", { rawBody: "", contentType: "application/json" });
    for (const reply of [malformed, text, empty]) {
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe("validation_error");
    }
    expect(empty.body.details).toEqual({ body: "a JSON request body is required" });
  });

  test("search lists users newest first, narrows by type, and reports the NEXT offset", async () => {
    // GIVEN three service accounts (and the admin user)
    const ids = [await createAccount(["all_reader"], "a"), await createAccount(["all_reader"], "b"), await createAccount(["all_reader"], "c")];

    // WHEN
    const first = await send("POST", "/users/search", { json: { type: "service_account", limit: 2 } });
    const second = await send("POST", "/users/search", { json: { type: "service_account", limit: 2, offset: 2 } });
    const everyone = await send("POST", "/users/search", { json: {} });

    // THEN
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.pagination).toEqual({ total: 3, limit: 2, offset: 2 });
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([ids[0]]);
    expect(second.body.pagination).toEqual({ total: 3, limit: 2, offset: 4 });
    expect(everyone.body.pagination).toEqual({ total: 4, limit: 50, offset: 50 });
    expect(everyone.body.items.map((u: { type: string }) => u.type)).toEqual(["service_account", "service_account", "service_account", "user"]);
  });

  test.each([
    [{ limit: 0 }, "limit", "must be >= 1"],
    [{ limit: 1001 }, "limit", "must be <= 1000"],
    [{ offset: -1 }, "offset", "must be >= 0"],
    [{ type: "robot" }, "type", "must be equal to one of the allowed values"],
  ])("search with %p is 400 validation_error at details.%s", async (json, field, description) => {
    const reply = await send("POST", "/users/search", { json });
    expect(reply.status).toBe(400);
    expect(reply.body.details).toEqual({ [field]: description });
  });

  test("delete answers 204, then 404 not_found; deleted accounts are not listed", async () => {
    const id = await createAccount(["all_reader"], "gone");
    expect((await send("DELETE", `/users/${id}`)).status).toBe(204);
    const again = await send("DELETE", `/users/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: "not_found", http_status_code: 404 });
    const unknown = await send("DELETE", "/users/user_unknown");
    expect(unknown.body.code).toBe("not_found");
    expect((await send("POST", "/users/search", { json: { type: "service_account" } })).body.items).toEqual([]);
    expect(snapshot().serviceAccounts[0]).toMatchObject({ id, deletedAt: expect.any(String) });
  });

  test("delete is 400 invalid_operation while the account has active keys (listed in details), 204 once they are gone", async () => {
    // GIVEN an account with a private and a publishable key, and an expired one
    let now = new Date("2030-01-01T00:00:00.000Z");
    emulator = await startEmulator({ now: () => now });
    const id = await createAccount(["event_ingestor"]);
    const privateKey = await createKey({ service_account_id: id });
    const publishable = await createKey({ service_account_id: id, type: "publishable_key" });
    await createKey({ service_account_id: id, expires_at: "2030-01-01T00:00:01Z" });
    now = new Date("2030-01-02T00:00:00.000Z");

    // WHEN / THEN refused, naming both active keys (not the expired one)
    const refused = await send("DELETE", `/users/${id}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "invalid_operation", message: expect.stringContaining("still has 2 active API keys") });
    expect(refused.body.details).toEqual({ active_api_keys: [privateKey.id, publishable.id] });

    // WHEN the keys are deleted
    await send("DELETE", `/secrets/api/keys/${privateKey.id}`);
    expect((await send("DELETE", `/users/${id}`)).status).toBe(400);
    await send("DELETE", `/secrets/api/keys/${publishable.id}`);

    // THEN
    expect((await send("DELETE", `/users/${id}`)).status).toBe(204);
  });

  test("the admin user cannot be deleted", async () => {
    const users = await send("POST", "/users/search", { json: { type: "user" } });
    const reply = await send("DELETE", `/users/${users.body.items[0].id}`);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("invalid_operation");
  });

  test("seeded service accounts exist from the start with the all_reader role", async () => {
    emulator = await startEmulator({ seedServiceAccounts: ["ci-bot"] });
    expect(snapshot().serviceAccounts).toEqual([expect.objectContaining({ name: "ci-bot", roles: ["all_reader"], deletedAt: null })]);
  });
});

describe("API keys", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("create answers in the OpenAPI shape, then the guide's flat shape, alternately", async () => {
    // GIVEN
    const accountId = await createAccount(["event_ingestor"]);

    // WHEN
    const replies: Reply[] = [];
    for (let i = 0; i < 3; i++) {
      replies.push(await send("POST", "/secrets/api/keys", { json: { name: `k${i}`, type: "private_key", service_account_id: accountId } }));
    }

    // THEN
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    const [wrapped, flat, wrappedAgain] = replies.map((r) => r.body);
    expect(wrapped).toEqual({
      api_key: expect.stringMatching(/^sk_[0-9A-Z]{26}$/),
      secret: {
        id: expect.stringMatching(/^secret_[0-9A-Z]{26}$/),
        name: "k0",
        type: "private_key",
        provider: "flexprice",
        display_id: `${wrapped.api_key.slice(0, 5)}***${wrapped.api_key.slice(-2)}`,
        roles: ["event_ingestor"],
        user_type: "service_account",
        status: "published",
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    expect(flat).toEqual({
      id: expect.stringMatching(/^secret_/),
      name: "k1",
      api_key: expect.stringMatching(/^sk_/),
      roles: ["event_ingestor"],
      created_at: expect.any(String),
    });
    expect(Object.keys(wrappedAgain)).toEqual(["api_key", "secret"]);
    expect(wrapped.secret.display_id).not.toContain(wrapped.api_key);
  });

  test.each([
    ["wrapped", ["api_key", "secret"]],
    ["flat", ["id", "name", "api_key", "roles", "created_at"]],
  ] as const)("the createResponseShape option %s fixes the shape", (shape, keys) => {
    // GIVEN an emulator driven directly
    const api = new FlexpriceEmulator({ adminToken: "adm", createResponseShape: shape });
    const request = (body: unknown) => ({
      method: "POST",
      path: "/secrets/api/keys",
      query: new URLSearchParams(),
      headers: { "x-api-key": "adm", "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
    });

    // WHEN
    const answers = [api.handle(request({ name: "a", type: "private_key" })), api.handle(request({ name: "b", type: "private_key" }))];

    // THEN
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(Object.keys(answer.body as object)).toEqual(keys);
      expect(contract.validateResponse({ method: "POST", pathTemplate: "/secrets/api/keys", status: 201, contentType: "application/json", body: answer.body })).toEqual([]);
    }
  });

  test("an unknown createResponseShape is refused", () => {
    expect(() => new FlexpriceEmulator({ adminToken: "adm", createResponseShape: "nested" as never })).toThrow(/`createResponseShape` must be/);
  });

  test("type integration is 400 validation_error, although the enum lists it", async () => {
    const reply = await send("POST", "/secrets/api/keys", { json: { name: "k", type: "integration" } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: "validation_error", http_status_code: 400, details: { type: expect.any(String) } });
    expect(snapshot().apiKeys).toEqual([]);
  });

  test("body members the document does not name are ignored, as the vendor does, and listed in the snapshot", async () => {
    // WHEN
    const user = await send("POST", "/users", { json: { type: "service_account", roles: ["all_reader"], color: "red" } });
    const key = await send("POST", "/secrets/api/keys", {
      json: { name: "k", type: "private_key", service_account_id: user.body.id, scopes: ["x"] },
    });

    // THEN
    expect([user.status, key.status]).toEqual([201, 201]);
    expect(user.body).not.toHaveProperty("color");
    expect(snapshot().apiKeys.find((k) => k.name === "k")?.roles).toEqual(["all_reader"]);
    expect(snapshot().ignoredRequestMembers).toEqual(["createUser.color", "createApiKey.scopes"]);
  });

  test.each([
    ["type missing", { name: "k" }, "type", "is required"],
    ["name missing", { type: "private_key" }, "name", "is required"],
    ["an empty name", { name: "", type: "private_key" }, "name", "must NOT have fewer than 1 characters"],
    ["expires_at not RFC 3339", { name: "k", type: "private_key", expires_at: "tomorrow" }, "expires_at", 'must match format "date-time"'],
    ["expires_at without a time zone", { name: "k", type: "private_key", expires_at: "2999-01-01T00:00:00" }, "expires_at", 'must match format "date-time"'],
  ])("create with %s is 400 validation_error naming the field", async (_label, json, field, description) => {
    const reply = await send("POST", "/secrets/api/keys", { json });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe("validation_error");
    expect(reply.body.details[field]).toContain(description);
  });

  test("a service_account_id that is unknown, deleted or a human user is refused", async () => {
    const deleted = await createAccount(["all_reader"]);
    await send("DELETE", `/users/${deleted}`);
    const admin = (await send("POST", "/users/search", { json: { type: "user" } })).body.items[0].id;

    const unknown = await send("POST", "/secrets/api/keys", { json: { name: "k", type: "private_key", service_account_id: "user_nope" } });
    const gone = await send("POST", "/secrets/api/keys", { json: { name: "k", type: "private_key", service_account_id: deleted } });
    const human = await send("POST", "/secrets/api/keys", { json: { name: "k", type: "private_key", service_account_id: admin } });

    expect([unknown.status, gone.status, human.status]).toEqual([404, 404, 400]);
    expect([unknown.body.code, gone.body.code, human.body.code]).toEqual(["not_found", "not_found", "validation_error"]);
  });

  test("the list shows only published private keys, newest first, never the plaintext", async () => {
    // GIVEN a private key, a publishable key, a deleted private key and another private key
    const accountId = await createAccount(["all_reader"]);
    const first = await createKey({ service_account_id: accountId, name: "first" });
    const publishable = await createKey({ service_account_id: accountId, type: "publishable_key" });
    const deleted = await createKey({ service_account_id: accountId, name: "deleted" });
    await send("DELETE", `/secrets/api/keys/${deleted.id}`);
    const last = await createKey({ service_account_id: accountId, name: "last" });

    // WHEN
    const listed = await send("GET", "/secrets/api/keys");

    // THEN
    expect(listed.body.items.map((k: { id: string }) => k.id)).toEqual([last.id, first.id]);
    expect(listed.body.pagination).toEqual({ total: 2, limit: 50, offset: 50 });
    const everything = JSON.stringify([listed.body, emulator.inspect()]);
    for (const key of [first, publishable, deleted, last]) expect(everything).not.toContain(key.value);
    expect(everything).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hash either
    expect(snapshot().apiKeys.map((k) => [k.type, k.status])).toEqual([
      ["private_key", "active"],
      ["publishable_key", "active"],
      ["private_key", "revoked"],
      ["private_key", "active"],
    ]);
  });

  test("the list pages by offset, reporting the NEXT offset, with a default limit of 50", async () => {
    // GIVEN 53 keys
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) ids.push((await createKey({ name: `k${i}` })).id);
    const newestFirst = [...ids].reverse();

    // WHEN
    const first = await send("GET", "/secrets/api/keys");
    const second = await send("GET", `/secrets/api/keys?offset=${first.body.pagination.offset}`);
    const small = await send("GET", "/secrets/api/keys?limit=5&offset=50");

    // THEN
    expect(first.body.items).toHaveLength(50);
    expect(first.body.pagination).toEqual({ total: 53, limit: 50, offset: 50 });
    expect(second.body.items.map((k: { id: string }) => k.id)).toEqual(newestFirst.slice(50));
    expect(second.body.pagination).toEqual({ total: 53, limit: 50, offset: 100 });
    expect(small.body.items).toHaveLength(3);
    expect(small.body.pagination).toEqual({ total: 53, limit: 5, offset: 55 });
  });

  test.each([
    ["limit=0", "query.limit", "must be >= 1"],
    ["limit=1001", "query.limit", "must be <= 1000"],
    ["limit=ten", "query.limit", "must be integer"],
    ["offset=-1", "query.offset", "must be >= 0"],
    ["limit=1&limit=2", "query.limit", "must be given once"],
  ])("list with %s is 400 validation_error at details[%p]", async (query, field, description) => {
    const reply = await send("GET", `/secrets/api/keys?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.details).toEqual({ [field]: description });
  });

  test("delete answers 204, again 204, and 404 not_found for an unknown id", async () => {
    const { id } = await createKey({});
    const first = await send("DELETE", `/secrets/api/keys/${id}`);
    const deletedAt = snapshot().apiKeys[0].deletedAt;
    const second = await send("DELETE", `/secrets/api/keys/${id}`);
    const unknown = await send("DELETE", "/secrets/api/keys/secret_unknown");

    expect([first.status, second.status]).toEqual([204, 204]);
    expect(snapshot().apiKeys[0].deletedAt).toBe(deletedAt);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: "not_found", http_status_code: 404 });
  });

  test("X-Environment-ID is recorded on what is created", async () => {
    const accountId = await createAccount(["all_reader"]);
    const withEnv = await send("POST", "/users", { environmentId: "env_42", json: { type: "service_account", roles: ["all_reader"] } });
    await send("POST", "/secrets/api/keys", { environmentId: "env_42", json: { name: "k", type: "private_key", service_account_id: accountId } });
    const state = snapshot();
    expect(state.serviceAccounts.map((a) => [a.id, a.environmentId])).toEqual([
      [accountId, null],
      [withEnv.body.id, "env_42"],
    ]);
    expect(state.apiKeys[0].environmentId).toBe("env_42");
  });
});

describe("routing", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test.each([
    ["GET", "/nope"],
    ["GET", "/users"],
    ["PUT", "/secrets/api/keys"],
    ["GET", "/secrets/api/keys/secret_1"],
    ["GET", "/users/search"],
  ])("%s %s is 404 not_found (like the vendor's router, a wrong method too), before authentication", async (method, path) => {
    const reply = await send(method, path, { key: null });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ code: "not_found", http_status_code: 404 });
  });

  test("percent-encoded ids are decoded", async () => {
    const reply = await send("DELETE", "/users/user%5Fmissing");
    expect(reply.body.message).toContain("user_missing");
  });
});

describe("fault injection", () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  test("429 too_many_requests with Retry-After for the next N requests, then normal answers", async () => {
    emulator.injectFault({ status: 429, times: 2, retryAfterSeconds: 7 });
    const first = await send("GET", "/secrets/api/keys");
    const second = await send("POST", "/users", { json: { type: "service_account", roles: ["all_reader"] } });
    const third = await send("POST", "/users/search", { json: {} });
    for (const reply of [first, second]) {
      expect(reply.status).toBe(429);
      expect(reply.body).toMatchObject({ code: "too_many_requests", http_status_code: 429 });
      expect(reply.headers.get("retry-after")).toBe("7");
    }
    expect(third.body.items.filter((u: { type: string }) => u.type === "service_account")).toEqual([]); // the refused create did nothing
  });

  test.each([
    [500, "internal_error"],
    [503, "service_unavailable"],
  ] as const)("%i %s, answered before authentication", async (status, code) => {
    emulator.injectFault({ status, times: 1 });
    const reply = await send("GET", "/secrets/api/keys", { key: null });
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({ code, message: expect.any(String), http_status_code: status });
    expect((await send("GET", "/secrets/api/keys")).status).toBe(200);
  });
});

describe("startEmulator and the emulator command", () => {
  test("startEmulator({ api: 'flexprice' }) plays Flexprice", async () => {
    emulator = await startEmulator();
    expect(emulator.api).toBe("flexprice");
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(snapshot()).toEqual({ serviceAccounts: [], apiKeys: [], ignoredRequestMembers: [] });
  });

  test("`cdktf-api-keys emulator --api flexprice` serves the API until stopped", async () => {
    // GIVEN
    const abort = new AbortController();
    let out = "";
    const exit = emulatorCommand(["--api", "flexprice", "--admin-token", "fp-cli-token"], { stdout: (t) => (out += t), signal: abort.signal });
    try {
      while (!out.includes("listening on")) await new Promise((r) => setTimeout(r, 10));
      const url = /listening on (\S+)/.exec(out)![1];

      // WHEN
      const response = await fetch(`${url}/secrets/api/keys`, { headers: { "x-api-key": "fp-cli-token" } });

      // THEN
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ items: [], pagination: { total: 0, limit: 50, offset: 50 } });
    } finally {
      abort.abort();
    }
    expect(await exit).toBe(0);
  });

  test("writes nothing to the console, so no token or key can leak there", async () => {
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => jest.spyOn(console, m));
    emulator = await startEmulator();
    const accountId = await createAccount(["event_ingestor"]);
    const { id, value } = await createKey({ service_account_id: accountId });
    await send("GET", "/secrets/api/keys", { key: value });
    await send("GET", "/secrets/api/keys", { key: "wrong" });
    await send("DELETE", `/secrets/api/keys/${id}`);
    emulator.injectFault({ status: 500, times: 1 });
    await send("GET", "/secrets/api/keys");
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });
});
