/**
 * Scrubbing secrets out of text before it reaches an error message, a log line or a progress line.
 * Kept free of imports so the hook bundle and every client can use it.
 */

/** What a scrubbed secret is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * The shortest run of a known secret's characters that is redacted without the rest of the secret:
 * half of a token split across two fields or two lines, the part a truncation left. Eight: fewer
 * characters of a token of tens leave too much of it unknown to matter, and shorter runs also turn
 * up by chance in plain words and ids ("admin", "token", "key_1"). A secret shorter than this is
 * replaced whole only.
 *
 * Such a run counts where it stands apart: on each side it meets a character that is not a letter
 * or digit (a separator, a quote, a line break, the end of the text). That is what a cut looks like.
 * (A secret's own start or end is no exemption: `...0123456789` would otherwise eat the digits of an
 * AWS account id `123456789012` in an ARN.) A run of 8 to 15 buried in a longer word is left alone: that is how an
 * id shares a non-secret part with a key (`user_01M8VH92X...` and the key `sk_01M8VH92X...` made
 * in the same second share a ULID's timestamp). From {@link LONG_FRAGMENT} on, a run counts
 * anywhere. The price of redacting fragments: a secret's own prefix of 8+ characters (`fln_AbCd1234`,
 * shown as a key's prefix) is redacted when it appears alone.
 */
export const MIN_FRAGMENT = 8;

/**
 * A run of a known secret's characters this long is redacted wherever it is, even inside a longer
 * word: the parts of a secret that are not secret (a fixed prefix, a ULID's 10-character timestamp)
 * are shorter.
 */
export const LONG_FRAGMENT = 16;

/**
 * `Bearer <credential>` as it appears in an Authorization header or a log line. The credential must
 * look like one (8+ characters, at least one digit) so that prose such as "invalid bearer token"
 * survives; known secrets are replaced whatever they look like.
 */
const BEARER = /\b(Bearer)\s+(?=[^\s"',;&]*\d)[^\s"',;&]{8,}/gi;

/** `x-api-key: <value>`, `x-api-key=<value>` and the JSON form `"x-api-key":"<value>"`. */
const API_KEY_HEADER = /\b(x-api-key)("?\s*[:=]\s*"?)[^\s"',;&]+/gi;

/**
 * Returns `text` with every known secret, and the value of any `Bearer <...>` or
 * `x-api-key: <...>` header, replaced by `[REDACTED]`.
 *
 * A known secret is found in every form an API may echo it in: as it is, in another letter case,
 * JSON-escaped (`\"`, `\\`, `\/`, `\u002b`, escaped twice), URL-encoded (`%2B`, UTF-8 `%C3%B1`,
 * `+` for a space), in base64 or base64url (also inside a longer encoded value, e.g.
 * `Basic base64(user:token)`). And a run of {@link MIN_FRAGMENT} or more of its characters, in any
 * of those forms, is replaced too where it stands apart, and one of {@link LONG_FRAGMENT} or more
 * anywhere, which catches a secret split across fields or lines or cut short. Adjacent replacements
 * merge into one `[REDACTED]`.
 *
 * @param text the text to scrub (an error message, a response detail, a log line)
 * @param secrets the secret values known so far (the admin token, every key value seen);
 *   empty strings are ignored
 */
export function redact(text: string, secrets: readonly string[]): string {
  const matcher = matcherFor(secrets);
  let out = matcher ? scrub(text, matcher) : text;
  out = out.replace(BEARER, `$1 ${REDACTED}`);
  out = out.replace(API_KEY_HEADER, `$1$2${REDACTED}`);
  return out;
}

/**
 * A copy of `value` (a parsed response body) with {@link redact} applied to every string in it,
 * object keys included, at any depth; anything nested deeper than 32 levels becomes `[REDACTED]`.
 * Scrub a body this way before reading it, so that what is derived from it (a code made from a
 * title, nested values turned into JSON, an excerpt cut short) starts from clean text.
 */
export function redactDeep(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= 32) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[redact(key, secrets)] = redactDeep(v, secrets, depth + 1);
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * The secrets of one call, ready to look up. Each secret's windows are compiled once per process
 * into {@link INDEX} and reused by every later call: a client passes the token and every key value
 * it has seen (thousands in a large apply), one more after each mint, so compiling the whole set
 * again on each call would cost each error message a fraction of a second.
 */
interface Matcher {
  /** The secrets of this call that are {@link MIN_FRAGMENT} or longer. */
  readonly long: ReadonlySet<string>;
  /** The forms of each secret shorter than {@link MIN_FRAGMENT}, matched whole and case-sensitively. */
  readonly wholes: readonly string[];
}

/** Every secret compiled so far: each lower-case window of each of its forms, and the secrets it belongs to. */
const INDEX = {
  compiled: new Set<string>(),
  owners: new Map<string, string[]>(),
  /** The {@link windowHash} of each window in `owners`. */
  hashes: new Set<number>(),
};

function matcherFor(secrets: readonly string[]): Matcher | undefined {
  const long = new Set<string>();
  const wholes = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    if (secret.length < MIN_FRAGMENT) {
      wholes.add(secret);
      continue;
    }
    long.add(secret);
    if (!INDEX.compiled.has(secret)) compile(secret);
  }
  if (long.size === 0 && wholes.size === 0) return undefined;
  return { long, wholes: [...wholes].sort((a, b) => b.length - a.length) };
}

function compile(secret: string): void {
  INDEX.compiled.add(secret);
  for (const form of encodedForms(secret)) {
    const folded = foldCase(form);
    for (let i = 0; i + MIN_FRAGMENT <= folded.length; i++) {
      const gram = folded.slice(i, i + MIN_FRAGMENT);
      const owners = INDEX.owners.get(gram);
      if (!owners) {
        INDEX.owners.set(gram, [secret]);
        INDEX.hashes.add(windowHash(gram, 0));
      } else if (!owners.includes(secret)) owners.push(secret);
    }
  }
}

/**
 * The forms of `secret` that are looked for as they are. The escapes JSON and URLs use for single
 * characters (`\"`, `\u002b`, `%2F`, `%C3%B1`) are not among them: the text is also searched with
 * those decoded (see {@link unescapeOnce}).
 */
function encodedForms(secret: string): string[] {
  const forms = [secret];
  // Letter case is ignored when matching, except where changing it changes the length (`ß` -> `SS`).
  for (const cased of [secret.toUpperCase(), secret.toLowerCase()]) if (cased.length !== secret.length) forms.push(cased);
  // Form encoding writes a space as `+`.
  if (secret.includes(" ")) forms.push(secret.replace(/ /g, "+"));
  // base64 of the secret behind 0, 1 or 2 bytes of something else (`user:` in a Basic header):
  // the characters that depend on the secret's bytes alone, in standard and URL-safe alphabets.
  const bytes = new TextEncoder().encode(secret);
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const encoded = base64(padded);
    const core = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64_ALPHABET[(n >> 18) & 63] + BASE64_ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64_ALPHABET[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? BASE64_ALPHABET[n & 63] : "=";
  }
  return out;
}

/** Letters in lower case, except the few whose lower case is longer (`İ`), so that positions stay put. */
function foldCase(text: string): string {
  const ascii = text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  if (!/[^\x00-\x7f]/.test(ascii)) return ascii;
  return ascii.replace(/[^\x00-\x7f]/g, (c) => {
    const lower = c.toLowerCase();
    return lower.length === 1 ? lower : c;
  });
}

/**
 * A way of reading the text: `text[i]` stands for `original.slice(start[i], end[i])` (one character,
 * or the escape sequence it was decoded from).
 */
interface View {
  readonly text: string;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/** How many times escapes are decoded, one layer at a time (JSON in a JSON string, a URL in JSON). */
const MAX_UNESCAPE_ROUNDS = 3;

function scrub(text: string, matcher: Matcher): string {
  const ranges: [number, number][] = [];
  let view: View = { text, start: new Int32Array(0), end: new Int32Array(0) };
  let identity = true;
  for (let round = 0; ; round++) {
    for (const [from, to] of matches(view.text, matcher)) {
      ranges.push(identity ? [from, to] : [view.start[from], view.end[to - 1]]);
    }
    if (round === MAX_UNESCAPE_ROUNDS) break;
    const next = unescapeOnce(view.text);
    if (next === undefined) break;
    view = identity ? next : { text: next.text, start: next.start.map((i) => view.start[i]), end: next.end.map((i) => view.end[i - 1]) };
    identity = false;
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (let i = 0; i < ranges.length; ) {
    const from = ranges[i][0];
    let to = ranges[i][1];
    for (i++; i < ranges.length && ranges[i][0] <= to; i++) to = Math.max(to, ranges[i][1]);
    out += text.slice(at, from) + REDACTED;
    at = to;
  }
  return out + text.slice(at);
}

/**
 * The [from, to) ranges of `text` that hold a secret: runs of overlapping windows found in
 * for the secrets of {@link Matcher.long} that stand apart or are long (see {@link MIN_FRAGMENT}), and whole short secrets.
 */
function matches(text: string, matcher: Matcher): [number, number][] {
  const found: [number, number][] = [];
  if (matcher.long.size > 0 && text.length >= MIN_FRAGMENT) {
    const flags = windowFlags(foldCase(text), matcher);
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] < 0) continue;
      // The run of windows at i, i+1, ..., j: the characters [i, j + MIN_FRAGMENT).
      let j = i;
      while (j + 1 < flags.length && flags[j + 1] >= 0) j++;
      const to = j + MIN_FRAGMENT;
      const apartBefore = i === 0 || !isWordChar(text[i - 1]);
      const apartAfter = to === text.length || !isWordChar(text[to]);
      if (to - i >= LONG_FRAGMENT || (apartBefore && apartAfter)) found.push([i, to]);
      i = j;
    }
  }
  for (const whole of matcher.wholes) {
    for (let i = text.indexOf(whole); i !== -1; i = text.indexOf(whole, i + whole.length)) found.push([i, i + whole.length]);
  }
  return found;
}

/** Multiplier of the rolling hash, and its power that weighs a window's first character. */
const HASH_BASE = 31;
const HASH_HIGHEST = Array.from({ length: MIN_FRAGMENT - 1 }).reduce<number>((power) => Math.imul(power, HASH_BASE), 1);

/**
 * For each {@link MIN_FRAGMENT}-character window of `folded`, 0 when it is a window of one of the
 * call's secrets ({@link Matcher.long}), -1 when it is not. A rolling hash rules out most windows without making a string.
 */
function windowFlags(folded: string, matcher: Matcher): Int8Array {
  const last = folded.length - MIN_FRAGMENT;
  const flags = new Int8Array(last + 1).fill(-1);
  let hash = windowHash(folded, 0);
  for (let i = 0; ; i++) {
    if (INDEX.hashes.has(hash) && INDEX.owners.get(folded.slice(i, i + MIN_FRAGMENT))?.some((owner) => matcher.long.has(owner))) flags[i] = 0;
    if (i === last) return flags;
    hash = (Math.imul(hash - Math.imul(folded.charCodeAt(i), HASH_HIGHEST), HASH_BASE) + folded.charCodeAt(i + MIN_FRAGMENT)) | 0;
  }
}

/** The polynomial hash (mod 2^32) of the {@link MIN_FRAGMENT} characters of `text` from `from`. */
function windowHash(text: string, from: number): number {
  let hash = 0;
  for (let k = 0; k < MIN_FRAGMENT; k++) hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(from + k)) | 0;
  return hash;
}

function isWordChar(c: string): boolean {
  return /[\p{L}\p{N}]/u.test(c);
}

/** What `\x` stands for in a JSON (or JavaScript) string, for each `x` other than `u`. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  "'": "'",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** One JSON string escape (`\u002B`, `\"`, `\n`) or URL percent escape (`%2F`). */
const ESCAPE = /\\u[0-9A-Fa-f]{4}|\\["\\/'bfnrt]|%[0-9A-Fa-f]{2}/g;

/**
 * `text` with one layer of JSON string escapes (`\"`, `\\`, `\/`, `\n`, `\u002B`) and URL percent
 * escapes (`%2F`, UTF-8 sequences such as `%C3%B1`) decoded, and where each character came from;
 * undefined when there is nothing to decode.
 */
function unescapeOnce(text: string): View | undefined {
  // Decoding never makes the text longer, so `text.length` entries are enough.
  const start = new Int32Array(text.length);
  const end = new Int32Array(text.length);
  const parts: string[] = [];
  let written = 0;
  let copied = 0;
  const copyUpTo = (to: number): void => {
    parts.push(text.slice(copied, to));
    for (let i = copied; i < to; i++, written++) {
      start[written] = i;
      end[written] = i + 1;
    }
    copied = to;
  };
  ESCAPE.lastIndex = 0;
  for (let match; (match = ESCAPE.exec(text)) !== null; ) {
    const at = match.index;
    const escape = match[0];
    let decoded: { chars: string; end: number } | undefined;
    if (escape[0] === "%") decoded = percentDecoded(text, at);
    else if (escape[1] === "u") decoded = { chars: String.fromCharCode(parseInt(escape.slice(2), 16)), end: at + 6 };
    else decoded = { chars: SIMPLE_ESCAPES[escape[1]], end: at + 2 };
    if (decoded === undefined) continue;
    copyUpTo(at);
    parts.push(decoded.chars);
    for (let k = 0; k < decoded.chars.length; k++, written++) {
      start[written] = at;
      end[written] = decoded.end;
    }
    copied = ESCAPE.lastIndex = decoded.end;
  }
  if (parts.length === 0) return undefined;
  copyUpTo(text.length);
  return { text: parts.join(""), start: start.subarray(0, written), end: end.subarray(0, written) };
}

/** The character whose UTF-8 bytes are percent-encoded at `text[at]` (`%41`, `%C3%B1`), and where that ends. */
function percentDecoded(text: string, at: number): { chars: string; end: number } | undefined {
  const byteAt = (i: number): number | undefined =>
    text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3)) ? parseInt(text.slice(i + 1, i + 3), 16) : undefined;
  const lead = byteAt(at);
  if (lead === undefined) return undefined;
  if (lead < 0x80) return { chars: String.fromCharCode(lead), end: at + 3 };
  const continuations = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  if (continuations === 0) return undefined;
  let codePoint = lead & (0x3f >> continuations);
  for (let k = 1; k <= continuations; k++) {
    const byte = byteAt(at + 3 * k);
    if (byte === undefined || (byte & 0xc0) !== 0x80) return undefined;
    codePoint = (codePoint << 6) | (byte & 0x3f);
  }
  if (codePoint > 0x10ffff) return undefined;
  return { chars: String.fromCodePoint(codePoint), end: at + 3 * (continuations + 1) };
}
