import { createHash } from "crypto";
import { emulatorCommand } from "../../src/cli/emulator-command";
import { FactoryEmulator, type FactorySnapshot } from "../../src/emulator/factory-emulator";
import { loadOpenApiContract } from "../../src/emulator/openapi-validator";
import { checkedFetch, type Reply } from "./checked-fetch";
import { startEmulator as startRealEmulator, type EmulatorOptions, type RunningEmulator } from "../../src/emulator/start-emulator";

const contract = loadOpenApiContract("factory");
const MINUTE = 60_000;

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
let accountId: string;
const started: RunningEmulator[] = [];

/** Starts a Factory emulator that afterEach closes. */
async function startEmulator(options: Omit<EmulatorOptions, "api"> = {}): Promise<RunningEmulator> {
  const running = await startRealEmulator({ api: "factory", ...options });
  started.push(running);
  return running;
}

/** Starts the emulator the tests talk to, and remembers its (first) seeded account. */
async function use(options: Omit<EmulatorOptions, "api"> = {}): Promise<void> {
  emulator = await startEmulator(options);
  accountId = emulator.inspect().serviceAccounts[0].id;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

/**
 * One real HTTP request to the emulator. Every answer is checked against openapi/factory.yaml: the
 * documented response of the operation, or Factory's error body for paths the document does not have.
 */
async function send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? emulator.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  return checkedFetch(contract, { contentType: "application/json", schema: "ErrorResponseBody" }, emulator.url, method, path, { ...options, headers });
}

const keysPath = (account: string = accountId): string => `/api/v0/service-accounts/${account}/api-keys`;
const keyPath = (keyId: string, account: string = accountId): string => `${keysPath(account)}/${keyId}`;

async function createKey(json: object = { name: "ci" }, account: string = accountId): Promise<{ id: string; value: string; fingerprint: string }> {
  const reply = await send("POST", keysPath(account), { json });
  expect(reply.status).toBe(201);
  return reply.body.apiKey;
}

async function listed(keyId: string, account: string = accountId): Promise<any> {
  const reply = await send("GET", keysPath(account));
  expect(reply.status).toBe(200);
  return reply.body.apiKeys.find((k: { id: string }) => k.id === keyId);
}

describe("seeded service accounts", () => {
  test("by default one account named ci-bot exists, with an sa_ id", async () => {
    // WHEN
    emulator = await startEmulator();

    // THEN
    expect(emulator.api).toBe("factory");
    expect(emulator.inspect()).toEqual({
      serviceAccounts: [{ id: expect.stringMatching(/^sa_[0-9A-Za-z]{16}$/), name: "ci-bot", createdAt: expect.any(String), deletedAt: null }],
      apiKeys: [],
    });
  });

  test("seedServiceAccounts names the accounts, each with its own id, and its keys are listable", async () => {
    // GIVEN
    await use({ seedServiceAccounts: ["deploy", "nightly"] });

    // WHEN
    const accounts = emulator.inspect().serviceAccounts;

    // THEN
    expect(accounts.map((a) => a.name)).toEqual(["deploy", "nightly"]);
    expect(new Set(accounts.map((a) => a.id)).size).toBe(2);
    for (const account of accounts) expect((await send("GET", keysPath(account.id))).body).toEqual({ apiKeys: [] });
  });

  test.each([
    [[], /at least one account: Factory's API cannot create service accounts/],
    [["ci", "ci"], /names "ci" twice/],
    [[""], /non-empty names/],
  ])("seedServiceAccounts %p is refused", async (seedServiceAccounts, message) => {
    await expect(startEmulator({ seedServiceAccounts })).rejects.toThrow(message);
  });

  test("maxActiveKeysPerAccount must be a positive integer", () => {
    expect(() => new FactoryEmulator({ adminToken: "t", maxActiveKeysPerAccount: 0 })).toThrow(/`maxActiveKeysPerAccount` must be a positive integer/);
  });

  test("`cdktf-api-keys emulator --api factory` prints the URL, the token and each seeded account", async () => {
    // GIVEN
    let stdout = "";
    const controller = new AbortController();
    const exit = emulatorCommand(["--api", "factory", "--admin-token", "T0ken"], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), signal: controller.signal });

    // WHEN
    let seeded: RegExpExecArray | null = null;
    for (let i = 0; i < 200 && !seeded; i++) {
      seeded = /^Service account ci-bot: (sa_\w+)$/m.exec(stdout);
      if (!seeded) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const url = /^Factory emulator listening on (http:\/\/\S+)$/m.exec(stdout)?.[1];

    // THEN the printed id is an account the emulator knows
    expect(stdout).toContain("Admin token: T0ken\n");
    expect(seeded).not.toBeNull();
    const reply = await fetch(`${url}/api/v0/service-accounts/${seeded![1]}/api-keys`, { headers: { authorization: "Bearer T0ken" } });
    expect([reply.status, await reply.json()]).toEqual([200, { apiKeys: [] }]);
    controller.abort();
    await expect(exit).resolves.toBe(0);
  });
});

describe("authentication", () => {
  beforeEach(() => use());

  test("no Authorization header is 401 in Factory's error shape, nothing more", async () => {
    const reply = await send("GET", keysPath(), { token: null });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ detail: expect.any(String), status: 401, title: "Unauthorized" });
  });

  test.each([
    ["a wrong token", { token: "not-the-token" }],
    ["another scheme", { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("%s is 401", async (_label, options) => {
    expect((await send("GET", keysPath(), options)).status).toBe(401);
  });

  test("a minted key lists the keys of any account, may not manage keys (403), and fails once revoked", async () => {
    // GIVEN two accounts and a key of the first
    await use({ seedServiceAccounts: ["ci-bot", "other"] });
    const other = emulator.inspect().serviceAccounts[1].id;
    const { id, value } = await createKey();

    // WHEN / THEN: it lists keys, of its own account and of another one
    expect((await send("GET", keysPath(), { token: value })).status).toBe(200);
    expect((await send("GET", keysPath(other), { token: value })).status).toBe(200);
    expect((emulator.inspect() as FactorySnapshot).apiKeys[0].lastUsedAt).toEqual(expect.any(String));

    // WHEN it tries to create, rotate or revoke: 403, and nothing happens
    for (const [method, path, json] of [
      ["POST", keysPath(), { name: "by-key" }],
      ["POST", `${keyPath(id)}/rotate`, {}],
      ["POST", `${keyPath(id)}/revoke`, undefined],
    ] as const) {
      const reply = await send(method, path, { token: value, json });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ detail: expect.stringContaining("may list API keys but not"), status: 403, title: "Forbidden" });
    }
    expect(emulator.inspect().apiKeys.map((k) => k.status)).toEqual(["active"]);

    // WHEN revoked: 401 from then on
    expect((await send("POST", `${keyPath(id)}/revoke`)).status).toBe(204);
    expect((await send("GET", keysPath(), { token: value })).status).toBe(401);
  });

  test("a key authenticates up to and including expiresAt, then is 401 and inspected as expired", async () => {
    // GIVEN a controllable clock
    let now = new Date("2030-01-01T00:00:00.000Z");
    await use({ now: () => now });
    const expiresAt = Date.parse("2030-01-01T01:00:00.000Z");
    const { id, value } = await createKey({ name: "short", expiresAt });

    // WHEN / THEN
    now = new Date(expiresAt);
    expect((await send("GET", keysPath(), { token: value })).status).toBe(200);
    now = new Date(expiresAt + 1);
    expect((await send("GET", keysPath(), { token: value })).status).toBe(401);
    expect(await listed(id)).toEqual({ id, name: "short", fingerprint: expect.any(String), createdAt: Date.parse("2030-01-01T00:00:00.000Z"), expiresAt, isRevoked: false });
    expect(emulator.inspect().apiKeys[0]).toMatchObject({ status: "expired", expiresAt: "2030-01-01T01:00:00.000Z", revokedAt: null });
  });

  test("the admin token given in the options authenticates", async () => {
    await use({ adminToken: "my-admin-token" });
    expect((await send("GET", keysPath(), { token: "my-admin-token" })).status).toBe(200);
  });
});

describe("the read-only token", () => {
  let keyId: string;
  beforeEach(async () => {
    await use();
    keyId = (await createKey()).id;
  });

  test("is a fresh random token by default, or the one given", async () => {
    expect(emulator.readOnlyToken).toMatch(/^ro_/);
    expect(emulator.readOnlyToken).not.toBe(emulator.adminToken);
    const other = await startEmulator({ readOnlyToken: "factory-read-only" });
    expect(other.readOnlyToken).toBe("factory-read-only");
  });

  test("lists the keys of an account, as the admin token sees them", async () => {
    // WHEN
    const reply = await send("GET", keysPath(), { token: emulator.readOnlyToken });

    // THEN
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual((await send("GET", keysPath())).body);
    expect(reply.body.apiKeys.map((k: { id: string }) => k.id)).toEqual([keyId]);
  });

  test.each([
    ["create", "POST", () => keysPath(), { name: "by-read-only" }],
    ["rotate", "POST", () => `${keyPath(keyId)}/rotate`, { gracePeriodMinutes: 5 }],
    ["revoke", "POST", () => `${keyPath(keyId)}/revoke`, undefined],
  ])("%s is 403 in Factory's error shape and changes nothing", async (_label, method, path, json) => {
    // GIVEN
    const before = emulator.inspect();

    // WHEN
    const reply = await send(method, path(), { token: emulator.readOnlyToken, json });

    // THEN
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      detail: "The token is read-only: it may list API keys but not create, rotate or revoke them.",
      status: 403,
      title: "Forbidden",
    });
    expect(emulator.inspect()).toEqual(before);
  });

  test("a write is refused before its body is validated or its ids are looked up", async () => {
    const before = emulator.inspect();
    const badBody = await send("POST", keysPath(), { token: emulator.readOnlyToken, json: { name: "" } });
    const unknownKey = await send("POST", `${keyPath("key_nope")}/revoke`, { token: emulator.readOnlyToken });
    expect([badBody.status, unknownKey.status]).toEqual([403, 403]);
    expect(emulator.inspect()).toEqual(before);
  });
});

describe("create and list", () => {
  beforeEach(() => use());

  test("create answers 201 with the one-time value; the list has epoch-ms times and never the value", async () => {
    // GIVEN a fixed clock
    const now = Date.parse("2030-01-01T00:00:00.000Z");
    await use({ now: () => new Date(now) });
    const expiresAt = now + 30 * 24 * 60 * MINUTE;

    // WHEN
    const reply = await send("POST", keysPath(), { json: { name: "deploy", expiresAt } });

    // THEN
    expect(reply.status).toBe(201);
    const { apiKey } = reply.body;
    expect(apiKey).toEqual({ id: expect.stringMatching(/^key_[0-9A-Za-z]{16}$/), value: expect.stringMatching(/^fk-[0-9A-Za-z]{40}$/), fingerprint: expect.any(String), name: "deploy", expiresAt });
    const list = await send("GET", keysPath());
    expect(list.body).toEqual({ apiKeys: [{ id: apiKey.id, name: "deploy", fingerprint: apiKey.fingerprint, createdAt: now, expiresAt, isRevoked: false }] });
    const everything = JSON.stringify([list.body, emulator.inspect()]);
    expect(everything).not.toContain(apiKey.value);
  });

  test("the fingerprint is the end of the key's SHA-256, not of the key; only hashes are kept", async () => {
    // WHEN
    const first = await createKey({ name: "one" });
    const second = await createKey({ name: "two" });

    // THEN
    for (const key of [first, second]) {
      expect(key.fingerprint).toBe(createHash("sha256").update(key.value).digest("hex").slice(-4));
    }
    expect(first.value).not.toBe(second.value);
    expect(JSON.stringify(emulator.inspect())).not.toContain(createHash("sha256").update(first.value).digest("hex"));
  });

  test("a key without expiresAt never expires and has none in the answers", async () => {
    const key = await createKey({ name: "forever" });
    expect(key).not.toHaveProperty("expiresAt");
    expect(await listed(key.id)).not.toHaveProperty("expiresAt");
  });

  test("keys are listed oldest first, revoked ones included", async () => {
    const one = await createKey({ name: "one" });
    const two = await createKey({ name: "two" });
    await send("POST", `${keyPath(one.id)}/revoke`);
    const list = await send("GET", keysPath());
    expect(list.body.apiKeys.map((k: { name: string; isRevoked: boolean }) => [k.name, k.isRevoked])).toEqual([
      ["one", true],
      ["two", false],
    ]);
    expect(two.id).not.toBe(one.id);
  });

  test.each([
    ["an extra property", { name: "ci", scopes: ["read"] }, "/scopes", "is not allowed"],
    ["a type", { name: "ci", type: "private_key" }, "/type", "is not allowed"],
    ["missing name", {}, "/name", "is required"],
    ["empty name", { name: "" }, "/name", "must NOT have fewer than 1 characters"],
    ["129-character name", { name: "n".repeat(129) }, "/name", "must NOT have more than 128 characters"],
    ["expiresAt 0", { name: "ci", expiresAt: 0 }, "/expiresAt", "must be > 0"],
    ["expiresAt not an integer", { name: "ci", expiresAt: 1.5 }, "/expiresAt", "must be integer"],
    ["expiresAt as RFC 3339", { name: "ci", expiresAt: "2999-01-01T00:00:00Z" }, "/expiresAt", "must be integer"],
    ["an array body", [], "", "must be object"],
  ])("create with %s is 400 with the violation in metadata", async (_label, json, field, description) => {
    // WHEN
    const reply = await send("POST", keysPath(), { json });

    // THEN
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      detail: expect.stringMatching(/^The request is invalid: /),
      status: 400,
      title: "Bad Request",
      metadata: { violations: expect.arrayContaining([{ field, description: expect.stringContaining(description) }]) },
    });
    expect(emulator.inspect().apiKeys).toEqual([]);
  });

  test.each([
    ["an empty body", "", "application/json", "a JSON request body is required"],
    ["malformed JSON", '{"name": ', "application/json", "not valid JSON"],
    ["a body that is not JSON", '{"name":"ci"}', "text/plain", "application/json"],
  ])("create with %s is 400", async (_label, rawBody, contentType, detail) => {
    const reply = await send("POST", keysPath(), { rawBody, contentType });
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain(detail);
  });

  test("an account holds at most 100 active keys: one more is 402; revoking one makes room", async () => {
    // GIVEN 100 active keys
    const keys = [];
    for (let i = 0; i < 100; i++) keys.push(await createKey({ name: `k${i}` }));

    // WHEN
    const refused = await send("POST", keysPath(), { json: { name: "one-too-many" } });

    // THEN
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({ detail: expect.stringContaining("the most the plan allows"), status: 402, title: "Payment Required", metadata: { limit: 100 } });
    await send("POST", `${keyPath(keys[0].id)}/revoke`);
    expect((await send("POST", keysPath(), { json: { name: "room-again" } })).status).toBe(201);
  });

  test("list and create on an unknown account are 404", async () => {
    for (const [method, json] of [["GET", undefined], ["POST", { name: "ci" }]] as const) {
      const reply = await send(method, keysPath("sa_unknown"), { json });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ detail: 'No service account has the id "sa_unknown".', status: 404, title: "Not Found", metadata: { serviceAccountId: "sa_unknown" } });
    }
  });
});

describe("revoke", () => {
  beforeEach(() => use());

  test("204, again 204 with the first revokedAt kept; the key stays listed with isRevoked and revokedAt", async () => {
    // GIVEN a controllable clock
    let now = Date.parse("2030-01-01T00:00:00.000Z");
    await use({ now: () => new Date(now) });
    const { id } = await createKey();

    // WHEN
    now += MINUTE;
    const first = await send("POST", `${keyPath(id)}/revoke`);
    now += MINUTE;
    const second = await send("POST", `${keyPath(id)}/revoke`);

    // THEN
    expect([first.status, second.status]).toEqual([204, 204]);
    expect(first.body).toBeUndefined();
    expect(await listed(id)).toMatchObject({ isRevoked: true, revokedAt: Date.parse("2030-01-01T00:01:00.000Z") });
    expect(emulator.inspect().apiKeys[0]).toMatchObject({ status: "revoked", revokedAt: "2030-01-01T00:01:00.000Z" });
  });

  test("an unknown key, or a key of another account, is 404; so is an unknown account", async () => {
    // GIVEN
    await use({ seedServiceAccounts: ["ci-bot", "other"] });
    const other = emulator.inspect().serviceAccounts[1].id;
    const { id } = await createKey({ name: "ci" }, other);

    // WHEN
    const unknown = await send("POST", `${keyPath("key_unknown")}/revoke`);
    const elsewhere = await send("POST", `${keyPath(id)}/revoke`);
    const noAccount = await send("POST", `${keyPath(id, "sa_unknown")}/revoke`);

    // THEN
    expect(unknown.body).toEqual({ detail: expect.stringContaining('no API key with the id "key_unknown"'), status: 404, title: "Not Found", metadata: { serviceAccountId: accountId, keyId: "key_unknown" } });
    expect(elsewhere.status).toBe(404);
    expect(noAccount.body.metadata).toEqual({ serviceAccountId: "sa_unknown" });
    expect(emulator.inspect().apiKeys[0].status).toBe("active");
  });
});

describe("rotate", () => {
  let now: number;
  beforeEach(async () => {
    now = Date.parse("2030-01-01T00:00:00.000Z");
    await use({ now: () => new Date(now) });
  });

  test("without a grace period: a new key with the same name; the old one is revoked at once", async () => {
    // GIVEN
    const old = await createKey({ name: "deploy", expiresAt: now + 60 * MINUTE });

    // WHEN
    const reply = await send("POST", `${keyPath(old.id)}/rotate`, { json: { expiresAt: now + 120 * MINUTE } });

    // THEN
    expect(reply.status).toBe(200);
    const fresh = reply.body.apiKey;
    expect(fresh).toEqual({ id: expect.stringMatching(/^key_/), value: expect.stringMatching(/^fk-/), fingerprint: expect.any(String), name: "deploy", expiresAt: now + 120 * MINUTE });
    expect(fresh.id).not.toBe(old.id);
    expect((await send("GET", keysPath(), { token: old.value })).status).toBe(401);
    expect((await send("GET", keysPath(), { token: fresh.value })).status).toBe(200);
    expect(await listed(old.id)).toMatchObject({ isRevoked: true, revokedAt: now });
    expect(emulator.inspect().apiKeys[0]).toMatchObject({ id: old.id, replacedBy: fresh.id, status: "revoked" });
  });

  test("with no body at all, the replacement never expires", async () => {
    const old = await createKey();
    const reply = await send("POST", `${keyPath(old.id)}/rotate`);
    expect(reply.status).toBe(200);
    expect(reply.body.apiKey).not.toHaveProperty("expiresAt");
  });

  test("with a grace period the old key keeps working until it ends, listed as not revoked", async () => {
    // GIVEN
    const old = await createKey({ name: "deploy" });

    // WHEN rotated with 5 minutes of grace
    const fresh = (await send("POST", `${keyPath(old.id)}/rotate`, { json: { gracePeriodMinutes: 5 } })).body.apiKey;

    // THEN both work for 5 minutes
    now += 5 * MINUTE - 1;
    expect((await send("GET", keysPath(), { token: old.value })).status).toBe(200);
    expect((await send("GET", keysPath(), { token: fresh.value })).status).toBe(200);
    expect(await listed(old.id)).toEqual({ id: old.id, name: "deploy", fingerprint: old.fingerprint, createdAt: expect.any(Number), isRevoked: false });
    expect(emulator.inspect().apiKeys[0]).toMatchObject({ status: "active", revokedAt: "2030-01-01T00:05:00.000Z", replacedBy: fresh.id });

    // THEN the old one stops at the end of the grace period
    now += 1;
    expect((await send("GET", keysPath(), { token: old.value })).status).toBe(401);
    expect(await listed(old.id)).toMatchObject({ isRevoked: true, revokedAt: Date.parse("2030-01-01T00:05:00.000Z") });
  });

  test("revoking a key during its grace period revokes it at once", async () => {
    const old = await createKey();
    await send("POST", `${keyPath(old.id)}/rotate`, { json: { gracePeriodMinutes: 10 } });
    now += MINUTE;
    expect((await send("POST", `${keyPath(old.id)}/revoke`)).status).toBe(204);
    expect((await send("GET", keysPath(), { token: old.value })).status).toBe(401);
    expect(await listed(old.id)).toMatchObject({ isRevoked: true, revokedAt: now });
  });

  test("a key already rotated (even in its grace period) or revoked cannot be rotated: 409", async () => {
    // GIVEN
    const rotated = await createKey({ name: "rotated" });
    const fresh = (await send("POST", `${keyPath(rotated.id)}/rotate`, { json: { gracePeriodMinutes: 10 } })).body.apiKey;
    const revoked = await createKey({ name: "revoked" });
    await send("POST", `${keyPath(revoked.id)}/revoke`);

    // WHEN
    const again = await send("POST", `${keyPath(rotated.id)}/rotate`, { json: {} });
    const ofRevoked = await send("POST", `${keyPath(revoked.id)}/rotate`, { json: {} });

    // THEN
    expect(again.body).toEqual({ detail: expect.stringContaining("was already rotated"), status: 409, title: "Conflict", metadata: { keyId: rotated.id, replacedBy: fresh.id } });
    expect(ofRevoked.body).toEqual({ detail: expect.stringContaining("is revoked"), status: 409, title: "Conflict", metadata: { keyId: revoked.id } });
    expect(emulator.inspect().apiKeys).toHaveLength(3);
  });

  test("an expiresAt already past is accepted, as the schema allows, and mints a key that never authenticates", async () => {
    // WHEN
    const reply = await send("POST", keysPath(), { json: { name: "stale", expiresAt: 946684800000 } });

    // THEN
    expect(reply.status).toBe(201);
    expect(reply.body.apiKey.expiresAt).toBe(946684800000);
    expect(emulator.inspect().apiKeys).toEqual([expect.objectContaining({ name: "stale", status: "expired" })]);
    expect((await send("GET", keysPath(), { token: reply.body.apiKey.value })).status).toBe(401);
  });

  test.each([
    ["gracePeriodMinutes 11", { gracePeriodMinutes: 11 }, "/gracePeriodMinutes", "must be <= 10"],
    ["gracePeriodMinutes -1", { gracePeriodMinutes: -1 }, "/gracePeriodMinutes", "must be >= 0"],
    ["gracePeriodMinutes 1.5", { gracePeriodMinutes: 1.5 }, "/gracePeriodMinutes", "must be integer"],
    ["an extra property", { name: "renamed" }, "/name", "is not allowed"],
  ])("rotate with %s is 400 and changes nothing", async (_label, json, field, description) => {
    const old = await createKey();
    const reply = await send("POST", `${keyPath(old.id)}/rotate`, { json });
    expect(reply.status).toBe(400);
    expect(reply.body.metadata.violations).toContainEqual({ field, description: expect.stringContaining(description) });
    expect(emulator.inspect().apiKeys).toEqual([expect.objectContaining({ id: old.id, status: "active", replacedBy: null })]);
  });

  test("rotating an unknown key is 404", async () => {
    const reply = await send("POST", `${keyPath("key_unknown")}/rotate`, { json: {} });
    expect(reply.status).toBe(404);
    expect(reply.body.metadata).toEqual({ serviceAccountId: accountId, keyId: "key_unknown" });
  });
});

describe("routing", () => {
  beforeEach(() => use());

  test.each(["/nope", "/api/v0/service-accounts", "/api/v0/service-accounts/sa_1/api-keys/key_1", "/service-accounts/sa_1/api-keys"])(
    "an unknown path (%s) is 404 in Factory's error shape",
    async (path) => {
      const reply = await send("GET", path);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ detail: `No route for GET ${path}.`, status: 404, title: "Not Found" });
    },
  );

  test.each([
    ["DELETE", "/api/v0/service-accounts/sa_1/api-keys", "GET, POST"],
    ["GET", "/api/v0/service-accounts/sa_1/api-keys/key_1/revoke", "POST"],
  ])("%s %s is 405 with Allow: %s", async (method, path, allow) => {
    const reply = await send(method, path);
    expect(reply.status).toBe(405);
    expect(reply.body.title).toBe("Method Not Allowed");
    expect(reply.headers.get("allow")).toBe(allow);
  });

  test("routing comes before authentication", async () => {
    expect((await send("GET", "/nope", { token: null })).status).toBe(404);
    expect((await send("GET", keysPath(), { token: null })).status).toBe(401);
  });
});

describe("fault injection", () => {
  beforeEach(() => use());

  test("429 in Factory's error shape with Retry-After, then normal answers", async () => {
    // GIVEN
    emulator.injectFault({ status: 429, times: 2, retryAfterSeconds: 7 });

    // WHEN
    const first = await send("GET", keysPath());
    const second = await send("POST", keysPath(), { json: { name: "ci" } });
    const third = await send("GET", keysPath());

    // THEN
    for (const reply of [first, second]) {
      expect(reply.body).toEqual({ detail: expect.stringContaining("retry in 7 s"), status: 429, title: "Too Many Requests", metadata: { retryAfterSeconds: 7 } });
      expect(reply.headers.get("retry-after")).toBe("7");
    }
    expect(third.body).toEqual({ apiKeys: [] }); // the rate-limited create did nothing
  });

  test.each([
    [500, "Internal Server Error"],
    [503, "Service Unavailable"],
  ] as const)("%i %s, before authentication", async (status, title) => {
    emulator.injectFault({ status, times: 1 });
    const reply = await send("GET", keysPath(), { token: null });
    expect(reply.body).toEqual({ detail: expect.any(String), status, title });
    expect((await send("GET", keysPath())).status).toBe(200);
  });

  test("method and pathPrefix restrict which requests fail", async () => {
    const { id } = await createKey();
    emulator.injectFault({ status: 500, times: 1, method: "POST", pathPrefix: `${keyPath(id)}/revoke` });
    expect((await send("POST", keysPath(), { json: { name: "other" } })).status).toBe(201);
    expect((await send("POST", `${keyPath(id)}/revoke`)).status).toBe(500);
    expect((await send("POST", `${keyPath(id)}/revoke`)).status).toBe(204);
  });
});

test("writes nothing to the console, so no token or key can leak there", async () => {
  // GIVEN
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => jest.spyOn(console, m));
  await use();

  // WHEN a full lifecycle, including failures
  const { id, value } = await createKey();
  await send("GET", keysPath(), { token: value });
  await send("GET", keysPath(), { token: "wrong" });
  await send("POST", `${keyPath(id)}/rotate`, { json: { gracePeriodMinutes: 1 } });
  await send("POST", `${keyPath(id)}/revoke`);
  emulator.injectFault({ status: 500, times: 1 });
  await send("GET", keysPath());

  // THEN
  for (const spy of spies) {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
});
