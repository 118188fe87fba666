import * as http from "http";
import type { AddressInfo } from "net";
import * as util from "util";
import { ApiError, ConnectionError, ValidationError, parseProblemDetails } from "../../src/clients/errors";
import { HttpClient, HttpClientOptions } from "../../src/clients/http";
import { rejection } from "./rejections";

/**
 * A real HTTP server on 127.0.0.1 port 0 whose behaviour each test scripts: for what the emulator
 * does not do (echo secrets, hang, drop the connection, serve under a path prefix).
 */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let server: http.Server;
let baseUrl: string;
let seen: Seen[];
let handler: Handler;

const TOKEN = "tok_SECRET_0123456789abcdef";
const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 };

beforeEach(async () => {
  seen = [];
  handler = (_req, res) => res.writeHead(204).end();
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function httpClient(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    baseUrl,
    auth: { header: "Authorization", scheme: "Bearer", credential: TOKEN },
    errorParser: parseProblemDetails,
    tokenEnv: "FLOWNALLY_TOKEN",
    retry: FAST_RETRY,
    ...overrides,
  });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

test("sends auth, JSON, Accept and User-Agent; joins a base path prefix with a trailing slash", async () => {
  // GIVEN a base URL with a prefix and a trailing slash
  handler = (_req, res) => json(res, 201, { ok: true });
  const client = httpClient({ baseUrl: `${baseUrl}/api/v1/` });
  // WHEN
  const res = await client.request<{ ok: boolean }>({ method: "POST", path: "/things", query: { limit: 5, cursor: undefined }, body: { a: 1 } });
  // THEN
  expect(res).toEqual({ status: 201, data: { ok: true } });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ method: "POST", url: "/api/v1/things?limit=5", body: '{"a":1}' });
  expect(seen[0].headers).toMatchObject({
    authorization: `Bearer ${TOKEN}`,
    "content-type": expect.stringMatching(/^application\/json/),
    accept: expect.stringContaining("application/json"),
    "user-agent": expect.stringMatching(/^cdktf-api-keys\/\d+\.\d+\.\d+/),
  });
});

test("an x-api-key style auth header (no scheme) fits", async () => {
  const client = httpClient({ auth: { header: "x-api-key", credential: TOKEN } });
  await client.request({ method: "DELETE", path: "/x" });
  expect(seen[0].headers["x-api-key"]).toBe(TOKEN);
  expect(seen[0].headers.authorization).toBeUndefined();
});

test("a per-request auth replaces the client's", async () => {
  const client = httpClient();
  await client.request({ method: "GET", path: "/x", auth: { header: "Authorization", scheme: "Bearer", credential: "other_key_1" } });
  expect(seen[0].headers.authorization).toBe("Bearer other_key_1");
});

test("secrets echoed by a server are redacted from message, stack, JSON and inspect", async () => {
  // GIVEN a server that echoes the Authorization header and the request body into its error
  handler = (req, res, body) =>
    json(res, 400, {
      type: "about:blank",
      title: "Bad",
      status: 400,
      code: "validation_failed",
      detail: `you sent ${String(req.headers.authorization)} with ${body}`,
      violations: [{ field: "/key", description: `bad value ${body}` }],
    });
  const client = httpClient();
  const key = "fln_PLAINTEXT_KEY_0123456789";
  client.addSecret(key);
  // WHEN
  const err = await rejection(client.request({ method: "POST", path: "/echo", body: { key } }));
  // THEN
  expect(err).toBeInstanceOf(ValidationError);
  for (const text of [err.message, err.stack ?? "", JSON.stringify(err), util.inspect(err, { depth: 10, showHidden: true })]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(key);
  }
  expect(err.detail).toContain("you sent Bearer [REDACTED]");
});

test("a timed-out GET is retried, then is a ConnectionError `timeout`", async () => {
  // GIVEN a server that never answers
  handler = () => undefined;
  const onRetry = jest.fn();
  // WHEN
  const err = await rejection(httpClient({ timeoutMs: 100, onRetry }).request({ method: "GET", path: "/slow" }));
  // THEN
  expect(err).toBeInstanceOf(ConnectionError);
  expect(err).toMatchObject({ status: 0, code: "timeout", errno: "ETIMEDOUT", method: "GET", path: "/slow" });
  expect(seen).toHaveLength(3);
  expect(err.message).toBe("GET /slow failed: timeout: timeout of 100ms exceeded [after 2 retries]");
  expect(onRetry).toHaveBeenCalledTimes(2);
});

test("a timed-out POST is NOT retried: the server may have created something", async () => {
  handler = () => undefined;
  const onRetry = jest.fn();
  const err = await rejection(httpClient({ timeoutMs: 100, onRetry }).request({ method: "POST", path: "/keys", body: { name: "k" } }));
  expect(err).toBeInstanceOf(ConnectionError);
  expect(err.code).toBe("timeout");
  expect(seen).toHaveLength(1);
  expect(onRetry).not.toHaveBeenCalled();
});

test("a POST whose connection is dropped after sending is NOT retried", async () => {
  handler = (req) => req.socket.destroy();
  const onRetry = jest.fn();
  const err = await rejection(httpClient({ onRetry }).request({ method: "POST", path: "/keys", body: { name: "k" } }));
  expect(err).toBeInstanceOf(ConnectionError);
  expect(err.code).toBe("connection_failed");
  expect(seen).toHaveLength(1);
  expect(onRetry).not.toHaveBeenCalled();
  expect(err).not.toHaveProperty("config");
});

test("a GET whose connection is dropped is retried, then succeeds", async () => {
  let calls = 0;
  handler = (req, res) => (++calls === 1 ? req.socket.destroy() : json(res, 200, { ok: true }));
  const res = await httpClient().request({ method: "GET", path: "/x" });
  expect(res.data).toEqual({ ok: true });
  expect(seen).toHaveLength(2);
});

test("a redirect is not followed (the auth header never travels elsewhere)", async () => {
  handler = (_req, res) => res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
  const err = await rejection(httpClient().request({ method: "GET", path: "/x" }));
  expect(err.constructor).toBe(ApiError);
  expect(err.status).toBe(302);
});

test("an invalid timeout or retry policy is rejected", () => {
  expect(() => httpClient({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  expect(() => httpClient({ retry: { maxRetries: -1 } })).toThrow(/retry.maxRetries must be a non-negative integer \(got -1\)/);
  expect(() => httpClient({ retry: { maxRetries: Number.NaN } })).toThrow(/retry.maxRetries/);
  expect(() => httpClient({ retry: { baseDelayMs: -5 } })).toThrow(/retry.baseDelayMs/);
});

test("a throwing onRetry does not abort the call", async () => {
  let calls = 0;
  handler = (_req, res) => (++calls === 1 ? json(res, 503, {}) : json(res, 200, { ok: true }));
  const onRetry = jest.fn(() => {
    throw new Error("log sink broken");
  });
  const res = await httpClient({ onRetry }).request({ method: "GET", path: "/x" });
  expect(res.data).toEqual({ ok: true });
  expect(onRetry).toHaveBeenCalledTimes(1);
});
