/**
 * Terraform reads every string in JSON configuration as a template: `${...}` interpolates and `%{...}` is
 * a directive, so a key named `${file("/etc/hostname")}` would be minted with the machine's host name.
 * These helpers escape user strings so Terraform takes them literally (`$${` and `%%{`), and leave
 * cdktf tokens alone so references still resolve.
 *
 * How cdktf encodes a token inside a string: `${TfToken[TOKEN.<n>]}` (cdktf/lib/tokens/private/encoding.js,
 * BEGIN_STRING_TOKEN_MARKER). At resolution, a string holding a token is split into literals, tokens and
 * "escapes": every `${` that does not start a token opens an escape in which the next tokens resolve
 * *without* their `${...}` wrapper (that is how `"${" + ref + "}"` builds an expression in cdktf). An
 * escaped literal `$${` is still a `${` to that scanner, so `"$${" + ref + "}"` would lose the reference's
 * wrapper. Literal parts holding `${` are therefore passed as lazy tokens of their own: cdktf resolves a
 * token's string value without scanning it for escapes, and the outer string then holds no `${` of its own.
 */
import { Lazy, Token } from "../cdktf";

/** A string token as cdktf encodes it (VALID_KEY_CHARS between the markers). */
const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/** List and map tokens: only ever whole values, never parts of a literal. */
const OTHER_TOKEN = /[#&]\{TfToken\[[a-zA-Z0-9:._-]+\]\}/;

/**
 * `value` as Terraform should read it literally: `${` becomes `$${` and `%{` becomes `%%{`.
 *
 * An unresolved value (a token) is returned untouched. A string mixing literal text and tokens has its
 * literal parts escaped and its tokens kept, so `"prefix-${x}-" + ref` synthesizes to
 * `"prefix-$${x}-${aws_thing.x.id}"`.
 */
export function escapeTemplate(value: string): string {
  if (typeof value !== "string") return value;
  if (!Token.isUnresolved(value)) return escapeLiteral(value);
  if (OTHER_TOKEN.test(value)) return value; // an encoded list or map: not a string of text
  let out = "";
  let last = 0;
  for (const match of value.matchAll(STRING_TOKEN)) {
    out += escapeLiteralPart(value.slice(last, match.index)) + match[0];
    last = match.index! + match[0].length;
  }
  return out + escapeLiteralPart(value.slice(last));
}

/**
 * A copy of a plain JSON-able value with every string escaped by {@link escapeTemplate}: in arrays and
 * plain objects, recursively, object keys included (Terraform reads the keys of a JSON object value as
 * templates too). Numbers, booleans and `null` are kept; an unresolved value (a token standing for a
 * list, a map or a number, or an `IResolvable`) is returned untouched, so values it produces later are
 * not escaped: escape what goes into such a token where it is made.
 */
export function escapeTemplates<T>(value: T): T {
  return escapeValue(value) as T;
}

function escapeValue(value: unknown): unknown {
  if (typeof value === "string") return escapeTemplate(value);
  if (value === null || typeof value !== "object") return value;
  if (Token.isUnresolved(value)) return value;
  if (Array.isArray(value)) return value.map(escapeValue);
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value; // not plain data
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[escapeTemplate(key)] = escapeValue(item);
  return out;
}

/** `${` -> `$${` and `%{` -> `%%{`, for a string that holds no token. */
function escapeLiteral(text: string): string {
  return text.replace(/([$%])\{/g, "$1$1{");
}

/** A literal part of a string that also holds tokens; see the module comment for why `${` needs a token. */
function escapeLiteralPart(text: string): string {
  const escaped = escapeLiteral(text);
  if (!text.includes("${")) return escaped;
  return Lazy.stringValue({ produce: () => escaped });
}
