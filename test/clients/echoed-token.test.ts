import * as http from "http";
import type { AddressInfo } from "net";
import * as util from "util";
import { ValidationError } from "../../src/clients/errors";
import { createClient } from "../../src/clients/create-client";
import { ApiKind, ApiSpec } from "../../src/spec";
import { rejection } from "./rejections";
import { base64, leakedFragment, phpEscaped, unicodeEscaped } from "./token-forms";

/**
 * Every client against a real HTTP server on 127.0.0.1 port 0 that answers 422 with a body echoing
 * the admin token in some shape: raw, `Bearer ...`, JSON-escaped, URL-encoded, base64, split across
 * fields or lines, in another case. No rendering of the thrown error, and no field of it, may hold
 * the token or a fragment of it of 8 or more characters, in any of those encodings.
 */

/** Tokens with and without characters that JSON and URLs escape (the fourth also non-ASCII). */
const TOKENS = {
  plain: "adm7Qx93LmZp4SecretT0k",
  hex: "9f3ac07be1d24a5f8c6e0b7d41a2c9e3f05b8d6a",
  escaping: 'Zq7+Lm/9=="xR\\4pT+w/K2"uV8',
  latin1: 'ñoño+T0k/9ßÄb"cD\\eF7ü=',
} as const;

/** One 422 answer: what the API's fields hold (put into each API's own body shape), or a raw body. */
interface Echo {
  readonly title?: string;
  readonly detail?: string;
  readonly violations?: readonly { field: string; description: string }[];
  /** A nested value the API attaches (Flexprice's `details` entry; an ignored `errors` field elsewhere). */
  readonly nested?: unknown;
  /** Response headers to add. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A non-JSON body sent as text/plain instead of the shaped one. */
  readonly text?: string;
}

const half = (t: string): [string, string] => [t.slice(0, Math.ceil(t.length / 2)), t.slice(Math.ceil(t.length / 2))];
/** A header can carry only Latin-1; anything else goes URL-encoded. */
const headerSafe = (t: string): string => (/^[\x20-\x7e]*$/.test(t) ? t : encodeURIComponent(t));

const FORMS: Readonly<Record<string, (t: string) => Echo>> = {
  "raw, inside a longer string": (t) => ({ detail: `token abc${t}xyz is not allowed here` }),
  "Bearer <token>": (t) => ({ detail: `you sent Authorization: Bearer ${t}` }),
  "an x-api-key header echo": (t) => ({ detail: `headers {"x-api-key": ${JSON.stringify(t)}}` }),
  "JSON-escaped": (t) => ({ detail: `body was {"token":${JSON.stringify(t)}}` }),
  "JSON-escaped with \\/ and \\u00xx (PHP)": (t) => ({ detail: `body was {"token":"${phpEscaped(t)}"}` }),
  "every non-alphanumeric as \\u00xx": (t) => ({ detail: `token "${unicodeEscaped(t, false)}"` }),
  "every non-alphanumeric as \\u00XX (.NET)": (t) => ({ detail: `token "${unicodeEscaped(t, true)}"` }),
  "JSON-escaped twice": (t) => ({ detail: `request ${JSON.stringify(JSON.stringify({ token: t }))}` }),
  "URL-encoded (encodeURIComponent)": (t) => ({ detail: `GET /x?token=${encodeURIComponent(t)} refused` }),
  "form-encoded": (t) => ({ detail: `body ${new URLSearchParams({ token: t, a: "b c" }).toString()} refused` }),
  "base64 of user:token (Basic)": (t) => ({ detail: `Authorization: Basic ${base64(`admin:${t}`)}` }),
  "base64 of the token": (t) => ({ detail: `token ${base64(t)}` }),
  "split in halves across two violations": (t) => {
    const [a, b] = half(t);
    return { detail: "invalid", violations: [{ field: "/token", description: a }, { field: "/x", description: b }] };
  },
  "split between a field name and its description": (t) => {
    const [a, b] = half(t);
    return { detail: "invalid", violations: [{ field: `/${a}`, description: b }] };
  },
  "split across a line break": (t) => {
    const [a, b] = half(t);
    return { detail: `token ${a}\n${b} rejected` };
  },
  "in the title": (t) => ({ title: `Bad token ${t}`, detail: "invalid" }),
  "upper case": (t) => ({ detail: `token ${t.toUpperCase()}` }),
  "lower case": (t) => ({ detail: `token ${t.toLowerCase()}` }),
  "in a nested object": (t) => ({ detail: "invalid", nested: { got: { token: t, again: [t] } } }),
  "in the request id header": (t) => ({ detail: "invalid", headers: { "x-request-id": `req-${headerSafe(t)}` } }),
  "a text body cut short": (t) => ({ text: `${"x".repeat(190)} ${t} ${"y".repeat(50)}` }),
  "a text body with the token split over lines": (t) => ({ text: `rejected:\n${half(t).join("\r\n")}\n` }),
};

/** The body each API would send for `echo`. */
function shaped(kind: ApiKind, echo: Echo): unknown {
  const violations = echo.violations ?? [];
  switch (kind) {
    case "flownally":
      return {
        type: "about:blank",
        title: echo.title ?? "Unprocessable Content",
        status: 422,
        code: "validation_failed",
        detail: echo.detail,
        violations,
        errors: echo.nested,
      };
    case "factory":
      return { title: echo.title ?? "Unprocessable Entity", status: 422, detail: echo.detail, metadata: { violations }, errors: echo.nested };
    case "flexprice": {
      const details: Record<string, unknown> = Object.fromEntries(violations.map((v) => [v.field, v.description]));
      if (echo.nested !== undefined) details.token = echo.nested;
      if (echo.title !== undefined) details.title = echo.title;
      return { code: "validation_error", message: echo.detail, http_status_code: 422, details };
    }
  }
}

/** Every string reachable from `value` (own properties, enumerable or not, and nested objects). */
function strings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.getOwnPropertyNames(value).flatMap((name) => strings((value as Record<string, unknown>)[name], seen));
}

let server: http.Server;
let baseUrl: string;
let answer: Echo;
let answeredWithToken: string | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    answeredWithToken = req.headers.authorization ?? (req.headers["x-api-key"] as string | undefined);
    if (answer.text !== undefined) {
      res.writeHead(422, { "content-type": "text/plain; charset=utf-8", ...answer.headers }).end(answer.text);
      return;
    }
    const kind = req.url?.startsWith("/api/v0/") ? "factory" : req.url?.startsWith("/secrets/") ? "flexprice" : "flownally";
    res.writeHead(422, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(shaped(kind, answer)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const KINDS: readonly ApiKind[] = ["flownally", "factory", "flexprice"];
const CASES = KINDS.flatMap((kind) =>
  Object.entries(TOKENS).flatMap(([tokenName, token]) => Object.keys(FORMS).map((form) => [kind, tokenName, form, token] as const)),
);

test.each(CASES)("%s, %s token, echoed %s: no fragment of it in the error", async (kind, _tokenName, form, token) => {
  // GIVEN a server answering 422 with the token echoed in this form
  answer = FORMS[form](token);
  const api: ApiSpec = { kind, baseUrl, tokenEnv: "ADMIN_TOKEN" };
  const client = createClient(api, token, { retry: { maxRetries: 0 } });
  // WHEN
  const err = await rejection(client.listApiKeys("sa_1"));
  // THEN the call reached the server with the token, and failed as a validation error
  expect(answeredWithToken).toContain(token.slice(0, 4));
  expect(err).toBeInstanceOf(ValidationError);
  // AND nothing printable of the error holds a fragment of the token
  const texts = [
    err.message,
    err.toString(),
    err.stack ?? "",
    JSON.stringify(err),
    util.inspect(err, { depth: 10, showHidden: true }),
    ...strings(err),
  ];
  for (const text of texts) expect({ text, leaked: leakedFragment(text, token) }).toEqual({ text, leaked: undefined });
});
