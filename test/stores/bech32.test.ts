import { randomBytes } from "crypto";
import { BECH32_CHARSET, decodeBech32, encodeBech32, wordsToBytes } from "../../src/stores/bech32";
import { identityProblem, recipientProblem } from "../../src/stores/age-identity";
import { newKeyPair, runAgeTool } from "./age-test-kit";

describe("decodeBech32: the BIP-173 test vectors", () => {
  test.each([
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    `11${"q".repeat(82)}c8247j`, // 90 characters
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
  ])("%s is valid", (text) => {
    expect(decodeBech32(text)).toMatchObject({ ok: true, hrp: text.slice(0, text.lastIndexOf("1")).toLowerCase() });
  });

  // BIP-173's "overall max length exceeded" vector is left out on purpose: age keys are not bound by it.
  test.each([
    ["\x201nwldj5", "bad-character"], // HRP character out of range
    ["\x7f1axkwrx", "bad-character"],
    ["\x801eym55h", "bad-character"],
    ["pzry9x0s0muk", "no-separator"],
    ["1pzry9x0s0muk", "no-separator"], // empty HRP
    ["x1b4n0q5v", "bad-character"], // 'b' is not a data character
    ["li1dgmt3", "too-short"], // checksum shorter than 6 characters
    ["de1lg7wt\xff", "bad-character"],
    ["A1G7SGD8", "checksum"], // checksum computed over the uppercase HRP
    ["10a06t8", "no-separator"],
    ["1qzzfhee", "no-separator"],
    ["a12UEL5L", "mixed-case"],
    ["a1lqfn3a", "checksum"], // a bech32m string: not bech32
  ])("%j is invalid: %s", (text, problem) => {
    expect(decodeBech32(text)).toEqual({ ok: false, problem });
  });

  test("words convert to bytes only when they end on a byte", () => {
    expect(wordsToBytes([31, 28])).toEqual(Uint8Array.from([0xff])); // 10 bits: a byte and 2 zero bits of padding
    expect(wordsToBytes([31, 29])).toBeUndefined(); // the padding bits are not zero
    expect(wordsToBytes([31])).toBeUndefined(); // 5 bits: less than a byte, more than padding
  });
});

describe("encodeBech32 and decodeBech32 round trip", () => {
  test.each([0, 1, 20, 32, 40])("%i random bytes", (n) => {
    const data = randomBytes(n);
    const decoded = decodeBech32(encodeBech32("age", data));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(Buffer.from(wordsToBytes(decoded.words)!)).toEqual(data);
  });
});

describe("age keys", () => {
  test("keys made by age-keygen and by age-encryption are valid", async () => {
    const identity = runAgeTool("age-keygen", []).stdout.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
    const recipient = runAgeTool("age-keygen", ["-y"], identity).stdout.trim();
    const pair = await newKeyPair();
    for (const r of [recipient, pair.recipient]) expect(recipientProblem(r)).toBeUndefined();
    for (const i of [identity, pair.identity]) expect(identityProblem(i)).toBeUndefined();
  });

  test("every single-character change of a recipient fails the checksum", async () => {
    const { recipient } = await newKeyPair();
    for (let i = 4; i < recipient.length; i++) {
      for (const c of BECH32_CHARSET) {
        if (c === recipient[i]) continue;
        const changed = recipient.slice(0, i) + c + recipient.slice(i + 1);
        expect([i, c, recipientProblem(changed)?.kind]).toEqual([i, c, "checksum"]);
      }
    }
  });

  test("a lost or swapped character fails the checksum", async () => {
    const { recipient } = await newKeyPair();
    expect(recipientProblem(recipient.slice(0, 10) + recipient.slice(11))?.kind).toBe("checksum");
    const swapped = recipient.slice(0, 10) + recipient[11] + recipient[10] + recipient.slice(12);
    if (swapped !== recipient) expect(recipientProblem(swapped)?.kind).toBe("checksum");
  });

  test("a changed identity fails the checksum, and the detail does not quote it", async () => {
    const { identity } = await newKeyPair();
    const i = 40;
    const changed = identity.slice(0, i) + (identity[i] === "Q" ? "P" : "Q") + identity.slice(i + 1);
    const problem = identityProblem(changed);
    expect(problem?.kind).toBe("checksum");
    expect(problem?.detail).not.toContain(changed.slice(16, 30));
  });

  test.each([
    ["an uppercase recipient", (r: string) => r.toUpperCase()],
    ["another human-readable part", (r: string) => encodeBech32("agf", wordsToBytes(decodeBechOk(r))!)],
    ["a 31-byte key", (r: string) => encodeBech32("age", wordsToBytes(decodeBechOk(r))!.subarray(1))],
    ["a plugin recipient", () => "age1yubikey1qwerty"],
  ])("%s is not a native X25519 recipient", async (_label, make) => {
    const { recipient } = await newKeyPair();
    expect(recipientProblem(make(recipient))?.kind).toBe("shape");
  });
});

function decodeBechOk(text: string): readonly number[] {
  const decoded = decodeBech32(text);
  if (!decoded.ok) throw new Error(decoded.problem);
  return decoded.words;
}
