import * as http from "http";
import type { AddressInfo } from "net";
import { ConnectionError, ServerError } from "../../src/clients/errors";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import type { FlownallySnapshot } from "../../src/emulator/flownally-emulator";
import { RunningEmulator, startEmulator } from "../../src/emulator/start-emulator";
import { FaultProxy, startFaultProxy } from "./fault-proxy";
import { rejection } from "../clients/rejections";

/** A request as the plain target server saw it. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A plain node:http target on loopback: records what reaches it and answers 201 with a JSON echo. */
async function startTarget(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const payload = JSON.stringify({ echoed: body, path: req.url });
      res.writeHead(201, { "content-type": "application/json", "x-target": "yes", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One request through node:http (not fetch), so a reset shows as the socket error it is. */
function send(url: string, method = "GET", body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: body === undefined ? {} : { "content-type": "text/plain" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Proxies first, then their targets.
  for (const close of closers.splice(0).reverse()) await close();
});

async function proxyTo(url: string): Promise<FaultProxy> {
  const proxy = await startFaultProxy(url);
  closers.push(() => proxy.close());
  return proxy;
}

describe("against a plain node:http server", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let proxy: FaultProxy;

  beforeEach(async () => {
    target = await startTarget();
    closers.push(() => target.close());
    proxy = await proxyTo(target.url);
  });

  test("without rules it forwards method, path, query, headers and body, and passes the answer back", async () => {
    // WHEN
    const reply = await fetch(`${proxy.url}/things/1?x=y`, {
      method: "PUT",
      headers: { authorization: "Bearer tok_abc", "x-custom": "kept", "content-type": "application/json" },
      body: '{"a":1}',
    });

    // THEN the target saw the request as sent, under its own Host
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(target.seen).toEqual([
      expect.objectContaining({ method: "PUT", url: "/things/1?x=y", body: '{"a":1}', headers: expect.objectContaining({ authorization: "Bearer tok_abc", "x-custom": "kept", host: new URL(target.url).host }) }),
    ]);
    // AND the client got the target's answer
    expect(reply.status).toBe(201);
    expect(reply.headers.get("x-target")).toBe("yes");
    expect(await reply.json()).toEqual({ echoed: '{"a":1}', path: "/things/1?x=y" });
    expect(proxy.requests()).toEqual([
      { method: "PUT", path: "/things/1", fault: undefined, forwarded: true, upstreamStatus: 201, upstreamError: undefined, status: 201, outcome: "answered" },
    ]);
  });

  test("a path prefix of the target URL goes in front of every forwarded path", async () => {
    const prefixed = await proxyTo(`${target.url}/v1/`);
    await send(`${prefixed.url}/keys`);
    expect(target.seen.map((s) => s.url)).toEqual(["/v1/keys"]);
  });

  test("failBeforeForward answers without forwarding, for `times` requests (1 by default), with optional headers and body", async () => {
    // GIVEN
    proxy.when({ method: "post", path: /^\/keys$/ }).failBeforeForward(503);
    proxy.when({ method: "GET" }).failBeforeForward(429, { headers: { "retry-after": "7" }, body: { code: "slow_down" } });

    // WHEN
    const first = await send(`${proxy.url}/keys`, "POST", "one");
    const second = await send(`${proxy.url}/keys`, "POST", "two");
    const limited = await send(`${proxy.url}/anything`);

    // THEN
    expect(first.status).toBe(503);
    expect(JSON.parse(first.body)).toEqual({ error: "fault_proxy", status: 503 });
    expect(second.status).toBe(201);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("7");
    expect(JSON.parse(limited.body)).toEqual({ code: "slow_down" });
    expect(target.seen.map((s) => s.body)).toEqual(["two"]);
    expect(proxy.requests().map((r) => [r.fault, r.forwarded, r.status])).toEqual([
      ["failBeforeForward", false, 503],
      [undefined, true, 201],
      ["failBeforeForward", false, 429],
    ]);
  });

  test("rules match method and path; the first one added wins; `times` counts and \"always\" never runs out", async () => {
    // GIVEN
    proxy.when({ path: /^\/a/, times: 2 }).failBeforeForward(500);
    proxy.when({ path: /^\/a/g, times: "always" }).failBeforeForward(418);
    proxy.when({ method: "DELETE", times: "always" }).failBeforeForward(409);

    // WHEN
    const statuses: number[] = [];
    for (const [method, path] of [["GET", "/a"], ["GET", "/a/b"], ["GET", "/a"], ["GET", "/a"], ["GET", "/b"], ["DELETE", "/b"], ["DELETE", "/b"]]) {
      statuses.push((await send(`${proxy.url}${path}`, method)).status);
    }

    // THEN
    expect(statuses).toEqual([500, 500, 418, 418, 201, 409, 409]);

    // WHEN the rules are cleared
    proxy.clearRules();
    // THEN requests pass again
    expect((await send(`${proxy.url}/a`)).status).toBe(201);
  });

  test("delay forwards at once but answers late: a client with a shorter timeout gives up, the target has acted", async () => {
    // GIVEN
    proxy.when({ method: "POST" }).delay(2_000);

    // WHEN
    const error = await rejection<Error>(fetch(`${proxy.url}/keys`, { method: "POST", body: "x", signal: AbortSignal.timeout(150) }));

    // THEN
    expect(error.name).toBe("TimeoutError");
    expect(target.seen).toHaveLength(1);
    await waitFor(() => proxy.requests()[0].outcome === "client-gone");
    expect(proxy.requests()[0]).toMatchObject({ fault: "delay", forwarded: true, upstreamStatus: 201, status: undefined, outcome: "client-gone" });
  });

  test("delay answers with the target's answer once the time is up", async () => {
    proxy.when({}).delay(200);
    const started = Date.now();
    const reply = await send(`${proxy.url}/slow`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(reply.status).toBe(201);
    expect(proxy.requests()[0]).toMatchObject({ fault: "delay", status: 201, outcome: "answered" });
  });

  test("forwardThen502 lets the target act and answers 502 with a small JSON body", async () => {
    proxy.when({ method: "POST" }).forwardThen502();
    const reply = await send(`${proxy.url}/keys`, "POST", "made");
    expect(reply.status).toBe(502);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(reply.body)).toEqual({ error: "fault_proxy_bad_gateway", message: expect.any(String) });
    expect(target.seen.map((s) => s.body)).toEqual(["made"]);
    expect(proxy.requests()[0]).toMatchObject({ fault: "forwardThen502", upstreamStatus: 201, status: 502, outcome: "answered" });
  });

  test("forwardThenReset lets the target act and resets the connection", async () => {
    proxy.when({ method: "POST" }).forwardThenReset();
    const error = await rejection<Error>(send(`${proxy.url}/keys`, "POST", "made"));
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    expect(target.seen.map((s) => s.body)).toEqual(["made"]);
    expect(proxy.requests()[0]).toMatchObject({ fault: "forwardThenReset", upstreamStatus: 201, status: undefined, outcome: "reset" });
  });

  test("hold keeps the target's answer until release; later matching requests pass unheld", async () => {
    // GIVEN
    const held = proxy.when({ method: "POST", times: "always" }).hold();

    // WHEN two requests are sent
    let settled = 0;
    const replies = [send(`${proxy.url}/keys`, "POST", "1"), send(`${proxy.url}/keys`, "POST", "2")].map((p) => p.finally(() => settled++));
    await held.waitUntilHeld(2);

    // THEN the target has answered both, the clients are still waiting
    expect(target.seen).toHaveLength(2);
    expect(held.count).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(0);
    expect(proxy.requests().map((r) => r.outcome)).toEqual(["pending", "pending"]);

    // WHEN released
    held.release();

    // THEN both are answered, and so is a later one at once
    expect((await Promise.all(replies)).map((r) => r.status)).toEqual([201, 201]);
    expect(held.count).toBe(0);
    expect((await send(`${proxy.url}/keys`, "POST", "3")).status).toBe(201);
    expect(proxy.requests().map((r) => r.status)).toEqual([201, 201, 201]);
  });

  test("close destroys open connections, rejects waiters and resolves", async () => {
    // GIVEN a held request and a waiter for one that never comes
    const held = proxy.when({ path: /^\/held$/ }).hold();
    const pending = send(`${proxy.url}/held`);
    await held.waitUntilHeld();
    const never = rejection<Error>(proxy.when({ path: /^\/never$/ }).hold().waitUntilHeld());

    // WHEN
    await proxy.close();

    // THEN
    await expect(pending).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await never).message).toMatch(/closed before the request was held/);
    await expect(send(`${proxy.url}/held`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(proxy.close()).resolves.toBeUndefined();
    expect(() => proxy.when({}).forwardThen502()).toThrow(/closed/);
  });

  test("records method, path, statuses and the rule, never headers, query or bodies", async () => {
    await send(`${proxy.url}/keys?token=q_secret`, "POST", "body_secret");
    const recorded = JSON.stringify(proxy.requests());
    expect(recorded).not.toMatch(/secret/);
    expect(proxy.requests()[0]).toMatchObject({ method: "POST", path: "/keys" });
  });

  test("an unreachable target is a 502 naming the errno", async () => {
    // GIVEN a target that has gone away
    await target.close();
    // WHEN
    const reply = await send(`${proxy.url}/keys`);
    // THEN
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toEqual({ error: "fault_proxy_upstream_unreachable", code: "ECONNREFUSED" });
    expect(proxy.requests()[0]).toMatchObject({ forwarded: true, upstreamStatus: undefined, upstreamError: "ECONNREFUSED", status: 502 });
  });

  test.each([
    [() => proxy.when({ times: 0 }), /`times` must be a positive integer or "always" \(got 0\)/],
    [() => proxy.when({ times: 1.5 }), /`times` must be a positive integer/],
    [() => proxy.when({ method: "PO ST" }), /`method` must be an HTTP method/],
    [() => proxy.when().delay(-1), /delay `ms` must be a non-negative number/],
    [() => proxy.when().failBeforeForward(42), /`status` must be an HTTP status between 100 and 599 \(got 42\)/],
    [() => proxy.when().hold().waitUntilHeld(0), /`count` must be a positive integer \(got 0\)/],
  ])("%# a wrong argument is refused, naming it", (call, message) => {
    expect(call).toThrow(message);
  });

  test("a target URL that is not plain http is refused", async () => {
    await expect(startFaultProxy("https://127.0.0.1:1")).rejects.toThrow(/`targetUrl` must use http/);
    await expect(startFaultProxy("127.0.0.1:1")).rejects.toThrow(/`targetUrl` must be an absolute http URL/);
    await expect(startFaultProxy("http://127.0.0.1:1/?a=b")).rejects.toThrow(/must not have a query/);
  });
});

describe("against the Flownally emulator", () => {
  let emulator: RunningEmulator;
  let proxy: FaultProxy;
  let client: KeyManagementClient;
  const state = () => emulator.inspect() as FlownallySnapshot;
  const keyPath = /^\/service-accounts\/[^/]+\/api-keys$/;

  beforeEach(async () => {
    emulator = await startEmulator({ api: "flownally" });
    closers.push(() => emulator.close());
    proxy = await proxyTo(emulator.url);
    client = createClient({ kind: "flownally", baseUrl: proxy.url, tokenEnv: "FLOWNALLY_TOKEN" }, emulator.adminToken, {
      retry: { maxRetries: 0 },
      timeoutMs: 300,
    });
  });

  test("forwardThen502 on POST of a key: the emulator created the key, the client saw a 502", async () => {
    // GIVEN
    const account = await client.createServiceAccount({ name: "billing" });
    proxy.when({ method: "POST", path: keyPath }).forwardThen502();

    // WHEN
    const error = await rejection(client.createApiKey(account.id, { name: "prod" }));

    // THEN
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, method: "POST" });
    expect(state().apiKeys).toEqual([expect.objectContaining({ serviceAccountId: account.id, name: "prod", status: "active" })]);
    expect(proxy.requests().map((r) => [r.method, r.fault, r.upstreamStatus, r.status])).toEqual([
      ["POST", undefined, 201, 201],
      ["POST", "forwardThen502", 201, 502],
    ]);
  });

  test("forwardThenReset on the revoke: the emulator revoked the key, the client saw a connection error", async () => {
    const account = await client.createServiceAccount({ name: "billing" });
    const key = await client.createApiKey(account.id, { name: "prod" });
    proxy.when({ method: "DELETE", path: /^\/api-keys\// }).forwardThenReset();

    const error = await rejection(client.revokeApiKey(account.id, key.info.id));

    expect(error).toBeInstanceOf(ConnectionError);
    expect(state().apiKeys.map((k) => k.status)).toEqual(["revoked"]);
    expect(proxy.requests().at(-1)).toMatchObject({ method: "DELETE", upstreamStatus: 204, outcome: "reset" });
  });

  test("delay beyond the client's timeout: the account exists, the client timed out", async () => {
    proxy.when({ method: "POST", path: /^\/service-accounts$/ }).delay(3_000);

    const error = await rejection(client.createServiceAccount({ name: "slow" }));

    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ errno: "ETIMEDOUT" });
    expect(state().serviceAccounts.map((a) => a.name)).toEqual(["slow"]);
  });

  test("hold: the account exists while the client still waits; release lets the answer through", async () => {
    const held = proxy.when({ method: "POST", path: /^\/service-accounts$/ }).hold();
    const patient = createClient({ kind: "flownally", baseUrl: proxy.url, tokenEnv: "FLOWNALLY_TOKEN" }, emulator.adminToken, { retry: { maxRetries: 0 } });

    const creating = patient.createServiceAccount({ name: "held" });
    await held.waitUntilHeld();
    expect(state().serviceAccounts.map((a) => a.name)).toEqual(["held"]);

    held.release();
    await expect(creating).resolves.toMatchObject({ name: "held", id: state().serviceAccounts[0].id });
  });

  test("failBeforeForward: the emulator never sees the request", async () => {
    proxy.when({ method: "POST" }).failBeforeForward(503);
    const error = await rejection(client.createServiceAccount({ name: "never" }));
    expect(error).toMatchObject({ status: 503 });
    expect(state().serviceAccounts).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
