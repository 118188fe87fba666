import { MAX_SECRET_PATH_LENGTH, validateSecretPath } from "../../src/stores/secret-path";

describe("validateSecretPath", () => {
  test.each([
    "a",
    "payments/stripe-webhook",
    "team_1/svc-2/key.v2",
    "A/B/C/D/E",
    "-leading-dash",
    "a..b/c", // dots inside a segment are fine; only "."-leading segments are not
  ])("accepts %j", (p) => {
    expect(validateSecretPath(p)).toBeUndefined();
  });

  test("accepts a path of exactly 200 characters", () => {
    expect(validateSecretPath(`${"x".repeat(99)}/${"y".repeat(MAX_SECRET_PATH_LENGTH - 100)}`)).toBeUndefined();
  });

  test("rejects an empty path, naming secretPath and giving an example", () => {
    const message = validateSecretPath("");
    expect(message).toMatch(/^`secretPath` must not be empty \(got ""\)/);
    expect(message).toMatch(/such as "payments\/stripe-webhook"/);
  });

  test("rejects a path longer than 200 characters, with its length, and cuts the value short", () => {
    const long = "x".repeat(MAX_SECRET_PATH_LENGTH + 1);
    const message = validateSecretPath(long);
    expect(message).toMatch(/`secretPath` must be at most 200 characters \(got "x+\.\.\.", 201 characters\)\. Use a shorter path\./);
    expect(message!.length).toBeLessThan(200);
  });

  test("rejects a leading slash and suggests the relative path", () => {
    expect(validateSecretPath("/etc/passwd")).toBe(
      '`secretPath` must be relative to the store directory (got "/etc/passwd"). Drop the leading "/": "etc/passwd".',
    );
  });

  test("rejects a trailing slash", () => {
    expect(validateSecretPath("payments/")).toBe(
      '`secretPath` must name a secret, not a folder (got "payments/"). Drop the trailing "/": "payments".',
    );
  });

  test("rejects an empty segment", () => {
    expect(validateSecretPath("a//b")).toBe('`secretPath` must not contain an empty segment (got "a//b"). Use single slashes: "a/b".');
  });

  test.each(["..", "a/../b", "a/.", "./a", "../../etc/passwd"])("rejects the . or .. segments of %j", (p) => {
    expect(validateSecretPath(p)).toMatch(new RegExp(`^\`secretPath\` must not contain "\\." or "\\.\\." segments \\(got ${JSON.stringify(p).replace(/\./g, "\\.")}\\)`));
  });

  test("rejects a hidden segment and suggests a name without the dot", () => {
    expect(validateSecretPath("a/.env")).toBe(
      '`secretPath` segments must not start with "." (got "a/.env", segment ".env"): hidden names are reserved for the ' +
        'store\'s own files. Rename it, e.g. "env".',
    );
    expect(validateSecretPath(".accounts/x")).toMatch(/segment "\.accounts"/);
  });

  test.each([
    ["a b", " "],
    ["a\\b", "\\"],
    ["a:b", ":"],
    ["caf\u00e9", "\u00e9"],
    ["a/b*", "*"],
    ["a\u0000b", "\u0000"],
  ])("rejects %j, naming the bad character", (p, bad) => {
    const message = validateSecretPath(p);
    expect(message).toMatch(/^`secretPath` segments may only contain letters, digits, "\.", "_" and "-"/);
    expect(message).toContain(`contains ${JSON.stringify(bad)}`);
    expect(message).toMatch(/Separate folders with "\/"/);
  });

  test("rejects a value that is not a string (JavaScript callers)", () => {
    expect(validateSecretPath(42 as unknown as string)).toBe('`secretPath` must be a string such as "payments/stripe-webhook" (got 42).');
    expect(validateSecretPath(undefined as unknown as string)).toMatch(/\(got undefined\)/);
  });
});
