import * as http from "http";
import type { AddressInfo } from "net";
import * as util from "util";
import {
  ApiError,
  AuthenticationError,
  ConflictError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnsupportedOperationError,
  ValidationError,
  createApiError,
  parseFactoryError,
} from "../../src/clients/errors";
import { createClient } from "../../src/clients/create-client";
import { FactoryClient } from "../../src/clients/factory-client";
import type { FactorySnapshot } from "../../src/emulator/factory-emulator";
import { ClientOptions, RetryEvent } from "../../src/clients/http";
import { ApiSpec } from "../../src/spec";
import { EmulatorOptions, RunningEmulator, startEmulator } from "../../src/emulator/start-emulator";
import { rejection, renderings } from "./rejections";

/** Retries without real waiting, except where a Retry-After header asks for it. */
const FAST_RETRY = { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };
const MINUTE = 60_000;

let emu: RunningEmulator;
let api: ApiSpec;
let accountId: string;
let retries: { message: string; event: RetryEvent }[];
let client: FactoryClient;

function clientWith(token: string, options: ClientOptions = {}): FactoryClient {
  return new FactoryClient(api, token, { retry: FAST_RETRY, onRetry: (message, event) => retries.push({ message, event }), ...options });
}

/** (Re)starts the emulator the tests talk to; the previous one is closed. */
async function use(options: Omit<EmulatorOptions, "api"> = {}): Promise<void> {
  await emu?.close();
  emu = await startEmulator({ api: "factory", ...options });
  api = { kind: "factory", baseUrl: emu.url, tokenEnv: "FACTORY_TOKEN" };
  accountId = emu.inspect().serviceAccounts[0].id;
  retries = [];
  client = clientWith(emu.adminToken);
}

const keysPath = (account: string = accountId): string => `/api/v0/service-accounts/${account}/api-keys`;

beforeEach(() => use());

afterEach(async () => {
  await emu.close();
});

describe("createClient", () => {
  test("builds a FactoryClient for kind factory", () => {
    expect(createClient(api, emu.adminToken)).toBeInstanceOf(FactoryClient);
  });

  test("the client refuses another API kind", () => {
    expect(() => new FactoryClient({ ...api, kind: "flownally" }, "t")).toThrow(/FactoryClient cannot talk to a "flownally" API/);
  });
});

describe("service accounts are not the API's business", () => {
  test.each([
    ["listServiceAccounts", (c: FactoryClient) => c.listServiceAccounts()],
    ["createServiceAccount", (c: FactoryClient) => c.createServiceAccount({ name: "ci-bot" })],
    ["deleteServiceAccount", (c: FactoryClient) => c.deleteServiceAccount("sa_1")],
  ])("%s rejects with UnsupportedOperationError, sending nothing", async (operation, call) => {
    // GIVEN nothing listens: a request would be a ConnectionError
    await emu.close();

    // WHEN
    const err = await rejection(call(client));

    // THEN
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect(err).toMatchObject({ name: "UnsupportedOperationError", api: "Factory", operation });
    expect(err.message).toBe(
      `Factory does not support ${operation}: Factory service accounts are created in Factory's web app, not through its API. ` +
        "Create the account there and reference it with ServiceAccount.fromId(scope, id, { api, serviceAccountId }).",
    );
    expect(retries).toEqual([]);
  });
});

describe("API keys", () => {
  test("create sends epoch ms and returns the one-time value; list maps epoch ms to RFC 3339", async () => {
    // GIVEN the emulator's clock at a known time
    const now = new Date("2030-01-01T00:00:00.000Z");
    await use({ now: () => now });
    const expiresAt = new Date("2030-03-01T12:34:56.789Z");

    // WHEN
    const created = await client.createApiKey(accountId, { name: "deploy", expiresAt });
    const listed = await client.listApiKeys(accountId);

    // THEN
    expect(created.value).toMatch(/^fk-/);
    expect(created.info).toEqual({
      id: expect.stringMatching(/^key_/),
      serviceAccountId: accountId,
      name: "deploy",
      prefix: (emu.inspect() as FactorySnapshot).apiKeys[0].fingerprint,
      scopes: [],
      createdAt: expect.any(String),
      expiresAt: "2030-03-01T12:34:56.789Z",
      revokedAt: null,
      status: "active",
    });
    expect((emu.inspect() as FactorySnapshot).apiKeys[0].expiresAt).toBe("2030-03-01T12:34:56.789Z");
    expect(listed).toEqual([{ ...created.info, createdAt: "2030-01-01T00:00:00.000Z" }]);
    expect(JSON.stringify(listed)).not.toContain(created.value);
  });

  test("a key without expiry; an empty scopes list is no scopes", async () => {
    const { info } = await client.createApiKey(accountId, { name: "plain", scopes: [] });
    expect(info).toMatchObject({ expiresAt: null, scopes: [] });
  });

  test.each([
    [{ scopes: ["read"] }, /^Factory does not support API key scopes: Factory API keys have no scopes \(API key "k" asked for read\); leave `scopes` out\.$/],
    [{ type: "private_key" as const }, /^Factory does not support API key types: Factory API keys have no types \(API key "k" asked for "private_key"\); leave `type` out\.$/],
  ])("create with %p is refused before sending", async (extra, message) => {
    const err = await rejection(client.createApiKey(accountId, { name: "k", ...extra }));
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect(err.message).toMatch(message);
    expect(emu.inspect().apiKeys).toEqual([]);
  });

  test("an invalid expiresAt is refused before sending", async () => {
    await expect(client.createApiKey(accountId, { name: "k", expiresAt: new Date("nope") })).rejects.toThrow(/expiresAt of API key "k" is not a valid date/);
  });

  test("a key whose expiresAt has passed is listed as expired; a revoked one as revoked with revokedAt", async () => {
    // GIVEN the emulator's clock in 2020: the keys are minted then, and have expired by now
    await use({ now: () => new Date("2020-01-01T00:00:00.000Z") });
    const expired = await client.createApiKey(accountId, { name: "old", expiresAt: new Date("2020-06-01T00:00:00.000Z") });
    const revoked = await client.createApiKey(accountId, { name: "gone" });
    await client.revokeApiKey(accountId, revoked.info.id);

    // WHEN
    const listed = await client.listApiKeys(accountId);

    // THEN
    expect(listed.map((k) => [k.id, k.status, k.revokedAt])).toEqual([
      [expired.info.id, "expired", null],
      [revoked.info.id, "revoked", "2020-01-01T00:00:00.000Z"],
    ]);
  });

  test("revoke is idempotent: deleted, deleted again, already-gone for an unknown key", async () => {
    const { info } = await client.createApiKey(accountId, { name: "k" });
    expect(await client.revokeApiKey(accountId, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(accountId, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(accountId, "key_doesnotexist")).toBe("already-gone");
    expect((await client.listApiKeys(accountId))[0]).toMatchObject({ id: info.id, status: "revoked", revokedAt: expect.any(String) });
  });

  test("a 404 from an unknown account, or from a wrong base URL, is not taken for already-gone", async () => {
    // GIVEN
    const { info } = await client.createApiKey(accountId, { name: "k" });
    const wrongBase = new FactoryClient({ ...api, baseUrl: `${emu.url}/proxy` }, emu.adminToken, { retry: FAST_RETRY });

    // WHEN
    const unknownAccount = await rejection(client.revokeApiKey("sa_unknown", info.id));
    const misrouted = await rejection(wrongBase.revokeApiKey(accountId, info.id));

    // THEN
    expect(unknownAccount).toBeInstanceOf(NotFoundError);
    expect(unknownAccount.message).toBe(
      `POST /api/v0/service-accounts/sa_unknown/api-keys/${info.id}/revoke failed: 404 not_found: No service account has the id "sa_unknown".`,
    );
    expect(misrouted).toBeInstanceOf(NotFoundError);
    expect(emu.inspect().apiKeys[0].status).toBe("active");
  });

  test("authenticates() is true for a live key, false once revoked", async () => {
    const { info, value } = await client.createApiKey(accountId, { name: "k" });
    expect(await client.authenticates(value, accountId)).toBe(true);
    await client.revokeApiKey(accountId, info.id);
    expect(await client.authenticates(value, accountId)).toBe(false);
    expect(await client.authenticates("fk-notakey0", accountId)).toBe(false);
  });

  test("authenticates() needs the key's service account", async () => {
    await expect(client.authenticates("fk-whatever")).rejects.toThrow(/FactoryClient.authenticates needs the key's service account id/);
  });
});

describe("rotate", () => {
  let now: number;
  beforeEach(async () => {
    now = Date.now();
    await use({ now: () => new Date(now) });
  });

  test("returns the replacement with its value; the old key is revoked at once", async () => {
    // GIVEN
    const old = await client.createApiKey(accountId, { name: "deploy" });
    const expiresAt = new Date(now + 90 * 24 * 60 * MINUTE);

    // WHEN
    const fresh = await client.rotateApiKey(accountId, old.info.id, { expiresAt });

    // THEN
    expect(fresh.info).toMatchObject({ name: "deploy", serviceAccountId: accountId, expiresAt: expiresAt.toISOString(), status: "active" });
    expect(fresh.info.id).not.toBe(old.info.id);
    expect(fresh.value).not.toBe(old.value);
    expect(await client.authenticates(fresh.value, accountId)).toBe(true);
    expect(await client.authenticates(old.value, accountId)).toBe(false);
    expect((await client.listApiKeys(accountId)).map((k) => [k.id, k.status])).toEqual([
      [old.info.id, "revoked"],
      [fresh.info.id, "active"],
    ]);
  });

  test("with a grace period the old key keeps working until it ends", async () => {
    // GIVEN
    const old = await client.createApiKey(accountId, { name: "deploy" });

    // WHEN
    const fresh = await client.rotateApiKey(accountId, old.info.id, { gracePeriodMinutes: 10 });

    // THEN
    now += 10 * MINUTE - 1;
    expect(await client.authenticates(old.value, accountId)).toBe(true);
    expect((await client.listApiKeys(accountId))[0]).toMatchObject({ id: old.info.id, status: "active", revokedAt: null });
    now += 1;
    expect(await client.authenticates(old.value, accountId)).toBe(false);
    expect(await client.authenticates(fresh.value, accountId)).toBe(true);
    expect((await client.listApiKeys(accountId))[0]).toMatchObject({ status: "revoked", revokedAt: new Date(now).toISOString() });
  });

  test.each([11, -1, 1.5, Number.NaN])("gracePeriodMinutes %p is refused before sending", async (gracePeriodMinutes) => {
    const old = await client.createApiKey(accountId, { name: "deploy" });
    await expect(client.rotateApiKey(accountId, old.info.id, { gracePeriodMinutes })).rejects.toThrow(
      `\`gracePeriodMinutes\` must be an integer between 0 and 10 (got ${gracePeriodMinutes})`,
    );
    expect(emu.inspect().apiKeys).toHaveLength(1);
  });

  test("rotating a revoked or already rotated key is a ConflictError", async () => {
    const old = await client.createApiKey(accountId, { name: "deploy" });
    await client.rotateApiKey(accountId, old.info.id);
    const err = await rejection(client.rotateApiKey(accountId, old.info.id));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, code: "conflict", title: "Conflict" });
    expect(err.message).toMatch(new RegExp(`^POST /api/v0/service-accounts/${accountId}/api-keys/${old.info.id}/rotate failed: 409 conflict: API key "${old.info.id}" was already rotated`));
  });
});

describe("every documented error status, as a typed error", () => {
  test("400: a ValidationError with the field violations", async () => {
    const err = await rejection(client.createApiKey(accountId, { name: "n".repeat(129) }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, code: "bad_request", title: "Bad Request", violations: [{ field: "/name", description: "must NOT have more than 128 characters" }] });
    expect(err.message).toBe(
      `POST ${keysPath()} failed: 400 bad_request: The request is invalid: /name must NOT have more than 128 characters. (/name: must NOT have more than 128 characters)`,
    );
  });

  test("an expiry already past: the API mints the key, reported as expired and not authenticating", async () => {
    const created = await client.createApiKey(accountId, { name: "old", expiresAt: new Date(Date.now() - MINUTE) });
    expect(created.info.status).toBe("expired");
    expect(await client.authenticates(created.value, accountId)).toBe(false);
  });

  test("401: an AuthenticationError naming the token variable, without the token", async () => {
    const wrongToken = "fk-wrong_but_secret_0123456789";
    const err = await rejection(clientWith(wrongToken).listApiKeys(accountId));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "unauthorized", title: "Unauthorized" });
    expect(err.message).toMatch(/^GET \/api\/v0\/service-accounts\/sa_\w+\/api-keys failed: 401 unauthorized: Send `Authorization: Bearer <token>`/);
    expect(err.message).toContain("FACTORY_TOKEN");
    for (const text of renderings(err)) expect(text).not.toContain(wrongToken);
    expect(retries).toEqual([]);
  });

  test("402: a plain ApiError payment_required once the account has 100 active keys", async () => {
    for (let i = 0; i < 100; i++) await client.createApiKey(accountId, { name: `k${i}` });
    const err = await rejection(client.createApiKey(accountId, { name: "one-too-many" }));
    expect(err.constructor).toBe(ApiError);
    expect(err).toMatchObject({ status: 402, code: "payment_required", title: "Payment Required" });
    expect(err.message).toMatch(/failed: 402 payment_required: Service account "ci-bot" already has 100 active API keys/);
  });

  test("403: a PermissionDeniedError when a minted key tries to mint", async () => {
    const { value } = await client.createApiKey(accountId, { name: "k" });
    const err = await rejection(clientWith(value).createApiKey(accountId, { name: "by-key" }));
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, code: "forbidden", title: "Forbidden" });
    for (const text of renderings(err)) expect(text).not.toContain(value);
  });

  test("404: a NotFoundError for an unknown account", async () => {
    const err = await rejection(client.listApiKeys("sa_missing"));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: "not_found", method: "GET", path: keysPath("sa_missing") });
    expect(err.message).toBe(`GET ${keysPath("sa_missing")} failed: 404 not_found: No service account has the id "sa_missing".`);
    const rotateErr = await rejection(client.rotateApiKey(accountId, "key_missing"));
    expect(rotateErr).toBeInstanceOf(NotFoundError);
  });

  test("500 on a POST that mints is a ServerError and is NOT retried", async () => {
    emu.injectFault({ status: 500, times: 1, method: "POST" });
    const err = await rejection(client.createApiKey(accountId, { name: "k" }));
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 500, code: "internal_server_error", title: "Internal Server Error" });
    expect(retries).toEqual([]);
    expect(emu.inspect().apiKeys).toEqual([]);
  });

  test("500 and 503 on a GET are retried, then succeed", async () => {
    emu.injectFault({ status: 500, times: 1, method: "GET" });
    emu.injectFault({ status: 503, times: 1, method: "GET" });
    expect(await client.listApiKeys(accountId)).toEqual([]);
    expect(retries.map((r) => r.event.reason)).toEqual(["server error (500)", "server error (503)"]);
  });

  test("429 is retried after Retry-After, also on a POST, and mints exactly one key", async () => {
    emu.injectFault({ status: 429, times: 1, retryAfterSeconds: 1, method: "POST" });
    const started = Date.now();
    await client.createApiKey(accountId, { name: "k" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries.map((r) => r.message)).toEqual([`POST ${keysPath()}: rate limited (429); retry 1 of 4 in 1.0s`]);
    expect(emu.inspect().apiKeys).toHaveLength(1);
  });

  test("429 beyond the retry budget is a RateLimitError with Retry-After", async () => {
    emu.injectFault({ status: 429, times: 10, retryAfterSeconds: 0 });
    const err = await rejection(client.listApiKeys(accountId));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "too_many_requests", retryAfterSeconds: 0 });
    expect(err.message).toMatch(/failed: 429 too_many_requests: Rate limit exceeded; retry in 0 s\. \[after 4 retries\]$/);
  });

  test("503 on a revoke (a POST) is a ServerError: the shared policy does not retry POSTs on 5xx", async () => {
    const { info } = await client.createApiKey(accountId, { name: "k" });
    emu.injectFault({ status: 503, times: 1, method: "POST" });
    const err = await rejection(client.revokeApiKey(accountId, info.id));
    expect(err).toBeInstanceOf(ServerError);
    expect(err.code).toBe("service_unavailable");
    expect(await client.revokeApiKey(accountId, info.id)).toBe("deleted");
  });
});

describe("answers of other servers", () => {
  let server: http.Server;
  let answer: { status: number; body: unknown };

  beforeEach(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    api = { kind: "factory", baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokenEnv: "FACTORY_TOKEN" };
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("authenticates() counts a 403 as authenticated", async () => {
    answer = { status: 403, body: { detail: "This key may not list keys of this account.", status: 403, title: "Forbidden" } };
    expect(await clientWith("t").authenticates("fk-key0", "sa_1")).toBe(true);
  });

  test("a 201 without the one-time value is an InvalidResponseError", async () => {
    answer = { status: 201, body: { apiKey: { id: "key_1", fingerprint: "abcd", name: "k" } } };
    const err = await rejection(clientWith("t").createApiKey("sa_1", { name: "k" }));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.message).toMatch(/a key may have been created without its value/);
  });

  test("a list whose times are not epoch ms is an InvalidResponseError", async () => {
    answer = { status: 200, body: { apiKeys: [{ id: "key_1", name: "k", fingerprint: "abcd", createdAt: "2030-01-01T00:00:00Z", isRevoked: false }] } };
    const err = await rejection(clientWith("t").listApiKeys("sa_1"));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.message).toContain('`createdAt` is not a time in epoch milliseconds (got "2030-01-01T00:00:00Z")');
  });
});

describe("parseFactoryError", () => {
  test("reads { detail, status, title, metadata } into the error", () => {
    const body = { detail: "Name is too long.", status: 400, title: "Bad Request", metadata: { violations: [{ field: "/name", description: "too long" }] } };
    const err = createApiError(400, body, {}, parseFactoryError, { method: "POST", path: "/api/v0/x", secrets: [] });
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: "bad_request", title: "Bad Request", detail: "Name is too long.", violations: [{ field: "/name", description: "too long" }] });
    expect(err.message).toBe("POST /api/v0/x failed: 400 bad_request: Name is too long. (/name: too long)");
  });

  test.each([[null], ["text"], [[]], [{ error: "Unauthorized" }]])("does not claim %p", (body) => {
    expect(parseFactoryError(body)).toBeUndefined();
  });
});

describe("redaction", () => {
  test("neither the token nor a key value appears in any thrown error or progress line", async () => {
    // GIVEN a key value the client has seen, and a failing API
    const { info, value } = await client.createApiKey(accountId, { name: "k" });
    const rotated = await client.rotateApiKey(accountId, info.id, { gracePeriodMinutes: 1 });
    emu.injectFault({ status: 500, times: 100 });

    // WHEN errors are thrown after the token and the keys were used
    const errors = [
      await rejection(client.authenticates(value, accountId)),
      await rejection(client.listApiKeys(accountId)),
      await rejection(client.createApiKey(accountId, { name: "k2" })),
      await rejection(client.rotateApiKey(accountId, rotated.info.id)),
    ];

    // THEN
    expect(retries.length).toBeGreaterThan(0);
    for (const err of errors) {
      expect(err).toBeInstanceOf(ServerError);
      expect(err).not.toHaveProperty("config");
      expect(err).not.toHaveProperty("response");
      for (const text of renderings(err)) {
        for (const secret of [emu.adminToken, value, rotated.value]) expect(text).not.toContain(secret);
      }
    }
    for (const { message } of retries) {
      for (const secret of [emu.adminToken, value, rotated.value]) expect(message).not.toContain(secret);
    }
  });

  test("the client itself does not print its token", () => {
    expect(util.inspect(client, { depth: 10, showHidden: true })).not.toContain(emu.adminToken);
    expect(JSON.stringify(client)).not.toContain(emu.adminToken);
  });
});
