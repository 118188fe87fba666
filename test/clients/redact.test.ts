import { REDACTED, redact } from "../../src/redact";

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
