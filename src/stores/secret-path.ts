/**
 * The rules a `secretPath` follows. The constructs check it at synth time and the store checks it again
 * before it touches the disk, so a path can never name a file outside the store directory, a hidden
 * file the store keeps for itself (`.accounts`, temp files), or an alias of another path.
 */

/** The longest `secretPath` accepted, in characters. */
export const MAX_SECRET_PATH_LENGTH = 200;

/** One segment: letters, digits, `.`, `_`, `-`, not starting with `.` (so no hidden names, no `.` or `..`). */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A character a segment may hold anywhere. */
const SEGMENT_CHAR = /[A-Za-z0-9._-]/;

const EXAMPLE = '"payments/stripe-webhook"';

/** The value as a message shows it: quoted, and cut short when it is very long. */
function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/**
 * Checks a secret path against the store's rules: 1 to 200 characters; `/`-separated segments of
 * letters, digits, `.`, `_` and `-`; no segment empty or starting with `.`; no leading or trailing `/`.
 *
 * @param p the secret path, relative to the store directory, e.g. `payments/stripe-webhook`
 * @returns a message naming `secretPath`, the bad value and the fix, or `undefined` when `p` is valid
 */
export function validateSecretPath(p: string): string | undefined {
  if (typeof p !== "string") {
    return `\`secretPath\` must be a string such as ${EXAMPLE} (got ${JSON.stringify(p) ?? String(p)}).`;
  }
  if (p.length === 0) {
    return `\`secretPath\` must not be empty (got ""). Give a path relative to the store directory, such as ${EXAMPLE}.`;
  }
  if (p.length > MAX_SECRET_PATH_LENGTH) {
    return (
      `\`secretPath\` must be at most ${MAX_SECRET_PATH_LENGTH} characters (got ${show(p)}, ${p.length} characters). ` +
      "Use a shorter path."
    );
  }
  if (p.startsWith("/")) {
    return (
      `\`secretPath\` must be relative to the store directory (got ${show(p)}). ` +
      `Drop the leading "/": ${show(p.replace(/^\/+/, ""))}.`
    );
  }
  if (p.endsWith("/")) {
    return `\`secretPath\` must name a secret, not a folder (got ${show(p)}). Drop the trailing "/": ${show(p.replace(/\/+$/, ""))}.`;
  }
  const segments = p.split("/");
  if (segments.some((s) => s === "")) {
    return `\`secretPath\` must not contain an empty segment (got ${show(p)}). Use single slashes: ${show(p.replace(/\/{2,}/g, "/"))}.`;
  }
  for (const segment of segments) {
    if (SEGMENT.test(segment)) continue;
    if (segment === "." || segment === "..") {
      return (
        `\`secretPath\` must not contain "." or ".." segments (got ${show(p)}): they would point outside or alias ` +
        "another path of the store. Write the path out without them."
      );
    }
    if (segment.startsWith(".")) {
      return (
        `\`secretPath\` segments must not start with "." (got ${show(p)}, segment ${show(segment)}): hidden names are ` +
        `reserved for the store's own files. Rename it, e.g. ${show(segment.replace(/^\.+/, "") || "name")}.`
      );
    }
    const bad = [...segment].find((c) => !SEGMENT_CHAR.test(c)) ?? "";
    return (
      `\`secretPath\` segments may only contain letters, digits, ".", "_" and "-" (got ${show(p)}, segment ` +
      `${show(segment)} contains ${JSON.stringify(bad)}). Separate folders with "/" and replace other characters, e.g. with "-".`
    );
  }
  return undefined;
}
