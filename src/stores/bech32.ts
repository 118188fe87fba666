/**
 * A bech32 decoder (BIP-173), enough to check age keys completely without a dependency: age recipients
 * (`age1...`, human-readable part `age`) and identities (`AGE-SECRET-KEY-...`) are bech32 strings
 * whose data part is a 32-byte X25519 key. Decoding verifies the 6-character checksum, which catches
 * any change of up to 4 characters, so a mistyped key fails where it is read instead of at encryption.
 *
 * Differences from BIP-173, as age's own decoder: no 90-character limit (age's plugin and identity
 * strings are longer); bech32m checksums are refused (no age key uses them).
 */

/** The 32 data characters, in the order of their 5-bit values. */
export const BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const CHECKSUM_LENGTH = 6;

/** Why a string is not valid bech32. */
export type Bech32Problem =
  /** Mixes lowercase and uppercase letters (bech32 strings are all one case). */
  | "mixed-case"
  /** No `1` separating the human-readable part from the data, or nothing before it. */
  | "no-separator"
  /** Shorter than the 6-character checksum after the separator. */
  | "too-short"
  /** A character outside the bech32 alphabet after the separator, or outside printable ASCII before it. */
  | "bad-character"
  /** Well formed, but the checksum does not match: a character was changed, added or lost. */
  | "checksum";

export type Bech32Result =
  | {
      readonly ok: true;
      /** The human-readable part, lowercase. */
      readonly hrp: string;
      /** The data part without the checksum, as 5-bit values. */
      readonly words: readonly number[];
    }
  | { readonly ok: false; readonly problem: Bech32Problem };

/** Decodes a bech32 string and verifies its checksum. Never throws. Convert the words with {@link wordsToBytes}. */
export function decodeBech32(text: string): Bech32Result {
  if (typeof text !== "string") return { ok: false, problem: "bad-character" };
  const lower = text.toLowerCase();
  if (lower !== text && text.toUpperCase() !== text) return { ok: false, problem: "mixed-case" };
  const separator = lower.lastIndexOf("1");
  if (separator < 1) return { ok: false, problem: "no-separator" };
  if (lower.length - separator - 1 < CHECKSUM_LENGTH) return { ok: false, problem: "too-short" };
  const hrp = lower.slice(0, separator);
  for (let i = 0; i < hrp.length; i++) {
    const code = hrp.charCodeAt(i);
    if (code < 33 || code > 126) return { ok: false, problem: "bad-character" };
  }
  const values: number[] = [];
  for (const char of lower.slice(separator + 1)) {
    const value = BECH32_CHARSET.indexOf(char);
    if (value < 0) return { ok: false, problem: "bad-character" };
    values.push(value);
  }
  if (polymod([...expandHrp(hrp), ...values]) !== 1) return { ok: false, problem: "checksum" };
  return { ok: true, hrp, words: values.slice(0, -CHECKSUM_LENGTH) };
}

/** The bytes 5-bit words encode, or `undefined` when they do not end on a byte (leftover bits not zero padding). */
export function wordsToBytes(words: readonly number[]): Uint8Array | undefined {
  const bytes = convertBits(words, 5, 8, false);
  return bytes === undefined ? undefined : Uint8Array.from(bytes);
}

/** Encodes bytes as bech32 with the given human-readable part (lowercase). For tests and tools. */
export function encodeBech32(hrp: string, data: Uint8Array): string {
  const lowerHrp = hrp.toLowerCase();
  const values = convertBits(Array.from(data), 8, 5, true)!;
  const mod = polymod([...expandHrp(lowerHrp), ...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: CHECKSUM_LENGTH }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${lowerHrp}1${[...values, ...checksum].map((v) => BECH32_CHARSET[v]).join("")}`;
}

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ value) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GENERATOR[i]) >>> 0;
  }
  return chk;
}

function expandHrp(hrp: string): number[] {
  const codes = Array.from(hrp, (c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups `from`-bit values into `to`-bit values; `undefined` when the leftover bits are not zero padding. */
function convertBits(values: readonly number[], from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const value of values) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & max);
    }
    acc &= (1 << bits) - 1; // keep only the bits not yet emitted, so `acc` never overflows
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || (acc << (to - bits)) & max) {
    return undefined;
  }
  return out;
}
