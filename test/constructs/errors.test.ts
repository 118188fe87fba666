import { Api, SecretStore } from "../../src";
import { invalidProp, showValue } from "../../src/constructs/errors";
import { checkKeyName } from "../../src/constructs/validate";

describe("showValue", () => {
  test.each([
    ["a short string, quoted", "abc", '"abc"'],
    ["exactly 80 characters, whole", "x".repeat(80), `"${"x".repeat(80)}"`],
    ["81 characters, cut with the length", "x".repeat(81), `"${"x".repeat(80)}"… (81 characters)`],
    ["line breaks, escaped", "a\nb", '"a\\nb"'],
    ["a number", 42, "42"],
    ["undefined", undefined, "undefined"],
    ["a short array", ["a", "b"], '["a","b"]'],
    ["a BigInt", BigInt(7), "7"],
  ])("%s", (_label, value, expected) => {
    expect(showValue(value)).toBe(expected);
  });

  test("a long array is cut as JSON, with its length", () => {
    const shown = showValue(Array.from({ length: 100 }, (_, i) => `scope-${i}`));
    expect(shown).toMatch(/^\["scope-0","scope-1",.*… \(\d+ characters of JSON\)$/);
    expect(shown.length).toBeLessThan(120);
  });

  test("never splits a surrogate pair", () => {
    const shown = showValue("x".repeat(79) + "🔑".repeat(10));
    expect(shown).toBe(`"${"x".repeat(79)}"… (99 characters)`);
  });
});

describe("messages that echo a value cap it", () => {
  const blob = "A".repeat(10_240);

  test("invalidProp", () => {
    const message = invalidProp("ApiKey test/k", "name", blob, "must be 1 to 128 characters long").message;
    expect(message).toBe(`ApiKey test/k: \`name\` must be 1 to 128 characters long (got "${"A".repeat(80)}"… (10240 characters)).`);
  });

  test("a validation of the constructs", () => {
    expect(() => checkKeyName("ApiKey test/k", blob)).toThrow(/\(got "A{80}"… \(10240 characters\)\)\.$/);
  });

  test("Api's baseUrl", () => {
    let message = "";
    try {
      Api.flownally({ baseUrl: `not a url ${blob}`, tokenEnv: "T" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/`baseUrl` must be an absolute http\(s\) URL .*\(got "not a url A{70}"… \(10250 characters\)\)\.$/);
    expect(message.length).toBeLessThan(300);
  });

  test("SecretStore's recipientFile", () => {
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: `/nonexistent/${blob}` });
    let message = "";
    try {
      store.toSpec();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cannot read `recipientFile` "\/nonexistent\/A{67}"… \(10253 characters\) \(\/nonexistent\/A{67}… \(10253 characters\)\): ENAMETOOLONG/);
    expect(message.length).toBeLessThan(600);
  });
});
