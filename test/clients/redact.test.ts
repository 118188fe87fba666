import { LONG_FRAGMENT, MIN_FRAGMENT, REDACTED, redact, redactDeep } from "../../src/redact";
import { base64, leakedFragment, phpEscaped, unicodeEscaped } from "./token-forms";

describe("redact", () => {
  test("replaces every occurrence of each known secret", () => {
    // GIVEN two secrets appearing several times
    const text = "token tok_123 then fl_key_abc and again tok_123";
    // WHEN
    const out = redact(text, ["tok_123", "fl_key_abc"]);
    // THEN
    expect(out).toBe(`token ${REDACTED} then ${REDACTED} and again ${REDACTED}`);
  });

  test("replaces the longer of two overlapping secrets whole", () => {
    expect(redact("value abc123def", ["abc", "abc123def"])).toBe(`value ${REDACTED}`);
  });

  test("ignores empty secrets", () => {
    expect(redact("nothing secret here", ["", ""])).toBe("nothing secret here");
  });

  test("scrubs any Bearer credential, even an unknown one", () => {
    expect(redact("Authorization: Bearer abc.def-ghi9, next", [])).toBe(`Authorization: ${"Bearer"} ${REDACTED}, next`);
    expect(redact('{"authorization":"bearer xyz12345"}', [])).toBe(`{"authorization":"bearer ${REDACTED}"}`);
  });

  test("scrubs x-api-key header values in header, query and JSON forms", () => {
    expect(redact("x-api-key: sk_live_1", [])).toBe(`x-api-key: ${REDACTED}`);
    expect(redact("X-Api-Key=sk_live_2&a=b", [])).toBe(`X-Api-Key=${REDACTED}&a=b`);
    expect(redact('{"x-api-key":"sk_live_3"}', [])).toBe(`{"x-api-key":"${REDACTED}"}`);
  });

  test("is idempotent", () => {
    const once = redact("Bearer abc12345 and tok", ["tok"]);
    expect(redact(once, ["tok"])).toBe(once);
  });

  test("leaves text without secrets unchanged", () => {
    expect(redact("POST /service-accounts failed: 409 service_account_name_taken", ["tok_1"])).toBe(
      "POST /service-accounts failed: 409 service_account_name_taken",
    );
  });
});

describe("redact (prose)", () => {
  test("leaves prose about bearer tokens readable", () => {
    expect(redact("missing or invalid bearer token", [])).toBe("missing or invalid bearer token");
    expect(redact("Bearer authentication required.", [])).toBe("Bearer authentication required.");
  });
});

/** A token with characters JSON and URLs escape, and a plain hex one. */
const ESCAPING = 'Zq7+Lm/9=="xR\\4pT+w/K2"uV8';
const HEX = "9f3ac07be1d24a5f8c6e0b7d41a2c9e3f05b8d6a";

describe("redact (encoded forms)", () => {
  test.each([
    ["JSON.stringify", (t: string) => `{"token":${JSON.stringify(t)}}`],
    ["JSON-escaped as PHP does (\\/, \\u00xx)", (t: string) => `"${phpEscaped(t)}"`],
    ["with \\u00xx for every non-alphanumeric", (t: string) => unicodeEscaped(t, false)],
    ["with \\u00XX for every non-alphanumeric", (t: string) => unicodeEscaped(t, true)],
    ["JSON-escaped twice", (t: string) => JSON.stringify(JSON.stringify(t))],
    ["encodeURIComponent", (t: string) => `?token=${encodeURIComponent(t)}&a=b`],
    ["form encoding", (t: string) => new URLSearchParams({ token: t }).toString()],
    ["base64", (t: string) => base64(t)],
    ["base64url", (t: string) => Buffer.from(t).toString("base64url")],
    ["base64 of user:token", (t: string) => `Authorization: Basic ${base64(`admin:${t}`)}`],
    ["base64 of a longer user:token", (t: string) => `Basic ${base64(`ops-admin:${t}`)}`],
    ["upper case", (t: string) => t.toUpperCase()],
    ["lower case", (t: string) => t.toLowerCase()],
  ])("finds the token %s", (_form, encode) => {
    for (const token of [ESCAPING, HEX]) {
      // GIVEN a text with the token in this form between other words
      const encoded = encode(token);
      // WHEN
      const out = redact(`before ${encoded} after`, [token]);
      // THEN no fragment of the token in any form is left, the words around it are
      expect(leakedFragment(out, token)).toBeUndefined();
      expect(out).toMatch(/^before .*\[REDACTED\].* after$/);
    }
  });

  test("a JSON-escaped token becomes one [REDACTED], and the JSON around it is kept", () => {
    expect(redact(`{"token":${JSON.stringify(ESCAPING)},"n":1}`, [ESCAPING])).toBe(`{"token":"${REDACTED}","n":1}`);
  });

  test("a URL-encoded UTF-8 token is found", () => {
    const token = "ñoño+T0k/9ßÄb";
    expect(redact(`q=${encodeURIComponent(token)}&x=1`, [token])).toBe(`q=${REDACTED}&x=1`);
  });

  test("a token upper-cased with a letter that changes length (ß -> SS) is found", () => {
    const token = "ñoño+T0k/9ßÄb\"cD";
    expect(redact(`token ${token.toUpperCase()}`, [token])).toBe(`token ${REDACTED}`);
  });
});

describe("redact (fragments)", () => {
  const TOKEN = "adm7Qx93LmZp4SecretT0kW8";
  const [first, second] = [TOKEN.slice(0, 12), TOKEN.slice(12)];

  test("finds both halves of a token split across two fields", () => {
    expect(redact(`(/token: ${first}; /x: ${second})`, [TOKEN])).toBe(`(/token: ${REDACTED}; /x: ${REDACTED})`);
  });

  test("finds both halves of a token split across a line break", () => {
    expect(redact(`token ${first}\r\n${second} rejected`, [TOKEN])).toBe(`token ${REDACTED}\r\n${REDACTED} rejected`);
  });

  test("finds what a truncation left, and a middle piece between separators", () => {
    expect(redact(`got ${TOKEN.slice(0, 10)}...`, [TOKEN])).toBe(`got ${REDACTED}...`);
    expect(redact(`part "${TOKEN.slice(5, 15)}"`, [TOKEN])).toBe(`part "${REDACTED}"`);
  });

  test(`finds a run of ${MIN_FRAGMENT} characters, not of ${MIN_FRAGMENT - 1}`, () => {
    expect(redact(`x ${TOKEN.slice(3, 3 + MIN_FRAGMENT)} y`, [TOKEN])).toBe(`x ${REDACTED} y`);
    expect(redact(`x ${TOKEN.slice(3, 3 + MIN_FRAGMENT - 1)} y`, [TOKEN])).toBe(`x ${TOKEN.slice(3, 3 + MIN_FRAGMENT - 1)} y`);
  });

  test("replaces a secret shorter than the minimum fragment only whole", () => {
    expect(redact("k_12345 and k_1234", ["k_12345"])).toBe(`${REDACTED} and k_1234`);
  });

  test(`leaves an id sharing fewer than ${LONG_FRAGMENT} characters with a key inside a longer word (ULID timestamps)`, () => {
    // GIVEN a key and an id minted in the same millisecond: the same 10-character ULID timestamp
    const key = "sk_01M8VH92X8QWERTYZXCVBNMA";
    const id = "user_01M8VH92X8ASDFGHJKLPOIUY";
    // WHEN / THEN
    expect(redact(`DELETE /users/${id} failed`, [key])).toBe(`DELETE /users/${id} failed`);
    expect(redact(`/users/${id.slice(5)} failed`, [key])).toBe(`/users/${id.slice(5)} failed`);
  });

  test(`replaces a run of ${LONG_FRAGMENT} or more even inside a longer word`, () => {
    expect(redact(`abc${TOKEN.slice(2, 2 + LONG_FRAGMENT)}xyz`, [TOKEN])).toBe(`abc${REDACTED}xyz`);
  });

  test("merges adjacent finds into one [REDACTED]", () => {
    expect(redact(`${TOKEN}${TOKEN}`, [TOKEN])).toBe(REDACTED);
  });

  test("is idempotent, and fast on a long text", () => {
    const text = `${"validation failed for field /name; ".repeat(3_000)} ${JSON.stringify(ESCAPING)} ${first}`;
    const secrets = [TOKEN, ESCAPING, HEX, ...Array.from({ length: 30 }, (_, i) => `fln_${i}_${HEX.slice(i)}`)];
    const started = Date.now();
    const once = redact(text, secrets);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(once.endsWith(`"${REDACTED}" ${REDACTED}`)).toBe(true);
    expect(redact(once, secrets)).toBe(once);
  });
});

describe("redactDeep", () => {
  test("scrubs every string and key at any depth, and keeps the shape", () => {
    const token = "adm7Qx93LmZp4SecretT0kW8";
    const body = { detail: `got ${token}`, n: 1, ok: true, none: null, nested: { [token]: [`Bearer ${token}`, 2] } };
    expect(redactDeep(body, [token])).toEqual({
      detail: `got ${REDACTED}`,
      n: 1,
      ok: true,
      none: null,
      nested: { [REDACTED]: [`Bearer ${REDACTED}`, 2] },
    });
  });

  test("replaces what is nested deeper than 32 levels", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(JSON.stringify(redactDeep(deep, []))).toContain(`"${REDACTED}"`);
    expect(JSON.stringify(redactDeep(deep, []))).not.toContain("leaf");
  });
});

describe("a fragment at a secret's end glued to other digits", () => {
  test("is not a cut: an AWS account id in an ARN survives a key value ending in the same digits", () => {
    const arn = "User: arn:aws:iam::123456789012:user/ci is not authorized";
    expect(redact(arn, ["fk_live_5ecret-Value-0123456789"])).toBe(arn);
    expect(redact("cut: fk_live_5ecret-Value-01234567", ["fk_live_5ecret-Value-0123456789"])).toBe(`cut: ${REDACTED}`);
  });
});
