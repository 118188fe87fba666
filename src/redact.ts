/**
 * Scrubbing secrets out of text before it reaches an error message, a log line or a progress line.
 * Kept free of imports so the hook bundle and every client can use it.
 */

/** What a scrubbed secret is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * `Bearer <credential>` as it appears in an Authorization header or a log line. The credential must
 * look like one (8+ characters, at least one digit) so that prose such as "invalid bearer token"
 * survives; known secrets are replaced whatever they look like.
 */
const BEARER = /\b(Bearer)\s+(?=[^\s"',;&]*\d)[^\s"',;&]{8,}/gi;

/** `x-api-key: <value>`, `x-api-key=<value>` and the JSON form `"x-api-key":"<value>"`. */
const API_KEY_HEADER = /\b(x-api-key)("?\s*[:=]\s*"?)[^\s"',;&]+/gi;

/**
 * Returns `text` with every known secret value, and the value of any `Bearer <...>` or
 * `x-api-key: <...>` header, replaced by `[REDACTED]`.
 *
 * @param text the text to scrub (an error message, a response detail, a log line)
 * @param secrets the secret values known so far (the admin token, every key value seen);
 *   empty strings are ignored
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another one is replaced whole.
  const values = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of values) {
    out = out.split(secret).join(REDACTED);
  }
  out = out.replace(BEARER, `$1 ${REDACTED}`);
  out = out.replace(API_KEY_HEADER, `$1$2${REDACTED}`);
  return out;
}
