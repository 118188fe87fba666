import * as util from "util";
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../src/clients/errors";
import { createClient } from "../../src/clients/create-client";
import { ClientOptions, RetryEvent } from "../../src/clients/http";
import { KeyManagementClient } from "../../src/clients/types";
import { ApiSpec } from "../../src/spec";
import { RunningEmulator, startEmulator } from "../../src/emulator/start-emulator";
import { rejection, renderings } from "./rejections";

/** Retries without real waiting, except where a Retry-After header asks for it. */
const FAST_RETRY = { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 };

let emu: RunningEmulator;
let api: ApiSpec;
let retries: { message: string; event: RetryEvent }[];
let client: KeyManagementClient;

function clientWith(token: string, options: ClientOptions = {}): KeyManagementClient {
  return createClient(api, token, {
    retry: FAST_RETRY,
    onRetry: (message, event) => retries.push({ message, event }),
    ...options,
  });
}

beforeEach(async () => {
  emu = await startEmulator();
  api = { kind: "flownally", baseUrl: emu.url, tokenEnv: "FLOWNALLY_TOKEN" };
  retries = [];
  client = clientWith(emu.adminToken);
});

afterEach(async () => {
  await emu.close();
});

describe("service accounts", () => {
  test("create, then list", async () => {
    // WHEN
    const created = await client.createServiceAccount({ name: "billing", description: "billing exporter" });
    const bare = await client.createServiceAccount({ name: "reports" });
    // THEN
    expect(created).toEqual({ id: expect.stringMatching(/^sa_/), name: "billing", description: "billing exporter", createdAt: expect.any(String) });
    expect(bare.description).toBeNull();
    expect(await client.listServiceAccounts()).toEqual([created, bare]);
  });

  test("listing follows nextCursor across more than 100 accounts", async () => {
    // GIVEN 230 accounts: three pages of 100
    const names = Array.from({ length: 230 }, (_, i) => `acct-${String(i).padStart(3, "0")}`);
    for (const name of names) await client.createServiceAccount({ name });
    // WHEN
    const listed = await client.listServiceAccounts();
    // THEN every account, once, in creation order
    expect(listed.map((a) => a.name)).toEqual(names);
    expect(new Set(listed.map((a) => a.id)).size).toBe(230);
  });

  test("delete is idempotent: deleted, then already-gone", async () => {
    const account = await client.createServiceAccount({ name: "temp" });
    expect(await client.deleteServiceAccount(account.id)).toBe("deleted");
    expect(await client.deleteServiceAccount(account.id)).toBe("already-gone");
    expect(await client.deleteServiceAccount("sa_doesnotexist")).toBe("already-gone");
    expect(await client.listServiceAccounts()).toEqual([]);
  });

  test("a taken name is a ConflictError", async () => {
    await client.createServiceAccount({ name: "billing" });
    const err = await rejection(client.createServiceAccount({ name: "billing" }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, code: "service_account_name_taken", method: "POST", path: "/service-accounts" });
    expect(err.message).toMatch(/^POST \/service-accounts failed: 409 service_account_name_taken: An active service account is already named "billing"/);
  });

  test("an invalid request is a ValidationError naming every field violation", async () => {
    // WHEN the name breaks the pattern and the description is too long
    const err = await rejection(client.createServiceAccount({ name: "Bad Name!", description: "x".repeat(300) }));
    // THEN
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, code: "validation_failed" });
    expect(err.violations.map((v) => v.field).sort()).toEqual(["/description", "/name"]);
    expect(err.message).toMatch(/^POST \/service-accounts failed: 400 validation_failed: /);
    for (const v of err.violations) expect(err.message).toContain(`${v.field}: ${v.description}`);
  });
});

describe("API keys", () => {
  test("create returns metadata and the one-time value; list never shows the value", async () => {
    // GIVEN
    const account = await client.createServiceAccount({ name: "billing" });
    const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    // WHEN
    const created = await client.createApiKey(account.id, { name: "exporter", expiresAt, scopes: ["read:invoices"] });
    // THEN
    expect(created.value).toMatch(/^fln_/);
    expect(created.info).toEqual({
      id: expect.stringMatching(/^key_/),
      serviceAccountId: account.id,
      name: "exporter",
      prefix: created.value.slice(0, 12),
      scopes: ["read:invoices"],
      createdAt: expect.any(String),
      expiresAt: expiresAt.toISOString(),
      revokedAt: null,
      status: "active",
    });
    const listed = await client.listApiKeys(account.id);
    expect(listed).toEqual([created.info]);
    expect(JSON.stringify(listed)).not.toContain(created.value);
  });

  test("a key without expiry or scopes", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const { info } = await client.createApiKey(account.id, { name: "plain" });
    expect(info).toMatchObject({ expiresAt: null, scopes: [] });
  });

  test("an expiry in the past is a ValidationError on /expiresAt", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const err = await rejection(client.createApiKey(account.id, { name: "old", expiresAt: new Date(Date.now() - 60_000) }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.violations).toEqual([{ field: "/expiresAt", description: expect.stringMatching(/^must be in the future/) }]);
    expect(err.message).toContain("(/expiresAt: must be in the future");
  });

  test("revoke is idempotent: deleted, deleted again (already revoked), already-gone for an unknown id", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const { info } = await client.createApiKey(account.id, { name: "k" });
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(await client.revokeApiKey(account.id, "key_doesnotexist")).toBe("already-gone");
    expect((await client.listApiKeys(account.id))[0]).toMatchObject({ id: info.id, status: "revoked", revokedAt: expect.any(String) });
  });

  test("an unknown account is a NotFoundError service_account_not_found", async () => {
    const listErr = await rejection(client.listApiKeys("sa_missing"));
    expect(listErr).toBeInstanceOf(NotFoundError);
    expect(listErr).toMatchObject({ status: 404, code: "service_account_not_found", method: "GET", path: "/service-accounts/sa_missing/api-keys" });
    const createErr = await rejection(client.createApiKey("sa_missing", { name: "k" }));
    expect(createErr).toBeInstanceOf(NotFoundError);
    expect(createErr.code).toBe("service_account_not_found");
  });

  test("authenticates() is true for a live key, false once revoked", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const { info, value } = await client.createApiKey(account.id, { name: "k" });
    expect(await client.authenticates(value)).toBe(true);
    await client.revokeApiKey(account.id, info.id);
    expect(await client.authenticates(value)).toBe(false);
  });

  test("authenticates() is false once the key's account is deleted, and for garbage", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const { value } = await client.createApiKey(account.id, { name: "k" });
    await client.deleteServiceAccount(account.id);
    expect(await client.authenticates(value)).toBe(false);
    expect(await client.authenticates("fln_notakey")).toBe(false);
  });
});

describe("authentication errors", () => {
  test("a wrong admin token is an AuthenticationError that names the token variable and hides the token", async () => {
    // GIVEN
    const wrongToken = "adm_wrong_but_secret_0123456789";
    const bad = clientWith(wrongToken);
    // WHEN
    const err = await rejection(bad.listServiceAccounts());
    // THEN
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "unauthenticated" });
    expect(err.message).toContain("FLOWNALLY_TOKEN");
    for (const text of renderings(err)) expect(text).not.toContain(wrongToken);
    expect(retries).toEqual([]);
  });
});

describe("retries", () => {
  test("429 is retried after the Retry-After delay, then succeeds", async () => {
    // GIVEN the next list is rate limited once with Retry-After: 1
    emu.injectFault({ status: 429, times: 1, retryAfterSeconds: 1, method: "GET" });
    const started = Date.now();
    // WHEN
    const accounts = await client.listServiceAccounts();
    // THEN it waited about a second, and said so
    expect(accounts).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    expect(retries[0].event).toMatchObject({ method: "GET", path: "/service-accounts", retry: 1, maxRetries: 4, delayMs: 1_000 });
    expect(retries[0].message).toBe("GET /service-accounts: rate limited (429); retry 1 of 4 in 1.0s");
  });

  test("a POST answered 429 is retried too (the server did not act on it) and creates exactly one account", async () => {
    emu.injectFault({ status: 429, times: 2, retryAfterSeconds: 0, method: "POST" });
    const account = await client.createServiceAccount({ name: "billing" });
    expect(retries).toHaveLength(2);
    expect(emu.inspect().serviceAccounts.map((a) => a.id)).toEqual([account.id]);
  });

  test("429 beyond the retry budget is a RateLimitError with Retry-After", async () => {
    emu.injectFault({ status: 429, times: 10, retryAfterSeconds: 0 });
    const err = await rejection(client.listServiceAccounts());
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 0 });
    expect(err.message).toMatch(/^GET \/service-accounts failed: 429 rate_limited: .* \[after 4 retries\]$/);
    expect(retries).toHaveLength(4);
  });

  test("the retry budget is configurable", async () => {
    emu.injectFault({ status: 429, times: 10, retryAfterSeconds: 0 });
    const err = await rejection(clientWith(emu.adminToken, { retry: { ...FAST_RETRY, maxRetries: 1 } }).listServiceAccounts());
    expect(err).toBeInstanceOf(RateLimitError);
    expect(retries).toHaveLength(1);
  });

  test("500 on a GET is retried, then succeeds", async () => {
    await client.createServiceAccount({ name: "billing" });
    emu.injectFault({ status: 500, times: 2, method: "GET" });
    expect((await client.listServiceAccounts()).map((a) => a.name)).toEqual(["billing"]);
    expect(retries.map((r) => r.event.reason)).toEqual(["server error (500)", "server error (500)"]);
  });

  test("503 on a revoke (DELETE) is retried, then succeeds", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const { info } = await client.createApiKey(account.id, { name: "k" });
    emu.injectFault({ status: 503, times: 1, method: "DELETE" });
    expect(await client.revokeApiKey(account.id, info.id)).toBe("deleted");
    expect(retries).toHaveLength(1);
  });

  test.each([500, 503] as const)("a POST that creates a key is NOT retried on %i", async (status) => {
    // GIVEN one failure on the create; a retry would succeed and mint a key
    const account = await client.createServiceAccount({ name: "billing" });
    emu.injectFault({ status, times: 1, method: "POST", pathPrefix: "/service-accounts/" });
    // WHEN
    const err = await rejection(client.createApiKey(account.id, { name: "k" }));
    // THEN one attempt, no key
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(status);
    expect(retries).toEqual([]);
    expect(emu.inspect().apiKeys).toEqual([]);
  });

  test("a refused connection is retried, then is a ConnectionError", async () => {
    // GIVEN nothing listens any more
    await emu.close();
    // WHEN
    const err = await rejection(client.createServiceAccount({ name: "billing" }));
    // THEN the POST was retried (nothing can have reached a server), then given up
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ status: 0, code: "connection_refused", errno: "ECONNREFUSED", method: "POST", path: "/service-accounts" });
    expect(retries).toHaveLength(4);
    for (const text of renderings(err)) expect(text).not.toContain(emu.adminToken);
  });
});

describe("redaction", () => {
  test("neither the token nor a key value appears in any thrown error", async () => {
    // GIVEN a key value the client has seen, and a failing API
    const account = await client.createServiceAccount({ name: "billing" });
    const { value } = await client.createApiKey(account.id, { name: "k" });
    emu.injectFault({ status: 500, times: 100 });
    // WHEN errors are thrown after the token and the key were used
    const errors = [
      await rejection(client.authenticates(value)),
      await rejection(client.listServiceAccounts()),
      await rejection(client.createApiKey(account.id, { name: "k2" })),
    ];
    // THEN
    for (const err of errors) {
      expect(err).toBeInstanceOf(ServerError);
      expect(err).not.toHaveProperty("config");
      expect(err).not.toHaveProperty("request");
      expect(err).not.toHaveProperty("response");
      expect((err as { isAxiosError?: unknown }).isAxiosError).toBeUndefined();
      for (const text of renderings(err)) {
        expect(text).not.toContain(emu.adminToken);
        expect(text).not.toContain(value);
      }
    }
    for (const { message } of retries) {
      expect(message).not.toContain(emu.adminToken);
      expect(message).not.toContain(value);
    }
  });

  test("the client itself does not print its token", async () => {
    expect(util.inspect(client, { depth: 10, showHidden: true })).not.toContain(emu.adminToken);
    expect(JSON.stringify(client)).not.toContain(emu.adminToken);
  });
});

describe("createClient", () => {
  test("rejects an empty token, naming the variable", () => {
    expect(() => createClient(api, "")).toThrow(/FLOWNALLY_TOKEN/);
  });

  test("rejects a base URL that is not http(s)", () => {
    expect(() => createClient({ ...api, baseUrl: "ftp://example.com" }, "t")).toThrow(/http or https/);
    expect(() => createClient({ ...api, baseUrl: "not a url" }, "t")).toThrow(/absolute http\(s\) URL/);
  });

  test("accepts a base URL with a trailing slash", async () => {
    const slashed = createClient({ ...api, baseUrl: `${emu.url}/` }, emu.adminToken);
    expect(await slashed.listServiceAccounts()).toEqual([]);
  });
});
