import { Token } from "../cdktf";
import { invalidProp } from "./errors";

/**
 * Synth-time checks of the API's documented limits (../shared/api-notes.md). Values that are
 * unresolved tokens are skipped: they are only known at apply time.
 */

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Flownally's documented name rule; other APIs document none beyond a non-blank name. */
export function checkAccountName(where: string, name: string, strict: boolean): void {
  if (Token.isUnresolved(name)) return;
  if (!strict) {
    if (typeof name !== "string" || name.trim().length < 1 || name.length > 128) {
      throw invalidProp(where, "name", name, "must be 1 to 128 characters long and not blank");
    }
    return;
  }
  if (typeof name !== "string" || name.length < 1 || name.length > 64) {
    throw invalidProp(where, "name", name, "must be 1 to 64 characters long");
  }
  if (!ACCOUNT_NAME.test(name)) {
    throw invalidProp(
      where,
      "name",
      name,
      "may contain only lowercase letters, digits, '.', '_' and '-', and must start with a letter or digit (e.g. \"billing-sync\")",
    );
  }
}

export function checkDescription(where: string, description: string | undefined): void {
  if (description === undefined || Token.isUnresolved(description)) return;
  if (typeof description !== "string" || description.length > 256) {
    throw invalidProp(where, "description", description, "must be at most 256 characters long");
  }
}

export function checkKeyName(where: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (typeof name !== "string" || name.trim().length < 1 || name.length > 128) {
    throw invalidProp(where, "name", name, "must be 1 to 128 characters long and not blank");
  }
}

export function checkExpiresInDays(where: string, days: number | undefined): void {
  if (days === undefined || Token.isUnresolved(days)) return;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw invalidProp(where, "expiresInDays", days, "must be a whole number of days between 1 and 3650");
  }
}

/** The rotation props of an ApiKey: whole days and minutes in range, and a before-expiry rotation only for a key that expires. */
export function checkRotation(
  where: string,
  props: { rotateEveryDays?: number; rotateBeforeExpiryDays?: number; overlapMinutes?: number; expiresInDays?: number },
): void {
  const { rotateEveryDays, rotateBeforeExpiryDays, overlapMinutes, expiresInDays } = props;
  if (rotateEveryDays !== undefined && !Token.isUnresolved(rotateEveryDays) && (!Number.isInteger(rotateEveryDays) || rotateEveryDays < 1 || rotateEveryDays > 3650)) {
    throw invalidProp(where, "rotateEveryDays", rotateEveryDays, "must be a whole number of days between 1 and 3650");
  }
  if (rotateBeforeExpiryDays !== undefined && !Token.isUnresolved(rotateBeforeExpiryDays)) {
    if (!Number.isInteger(rotateBeforeExpiryDays) || rotateBeforeExpiryDays < 1) {
      throw invalidProp(where, "rotateBeforeExpiryDays", rotateBeforeExpiryDays, "must be a whole number of days, at least 1");
    }
    if (expiresInDays === undefined) {
      throw invalidProp(where, "rotateBeforeExpiryDays", rotateBeforeExpiryDays, "needs `expiresInDays`: a key that never expires has no expiry to rotate before (use `rotateEveryDays`)");
    }
    if (!Token.isUnresolved(expiresInDays) && rotateBeforeExpiryDays >= expiresInDays) {
      throw invalidProp(
        where,
        "rotateBeforeExpiryDays",
        rotateBeforeExpiryDays,
        `must be less than expiresInDays (${expiresInDays}): the key would be due for rotation as soon as it is minted`,
      );
    }
  }
  if (overlapMinutes !== undefined && !Token.isUnresolved(overlapMinutes) && (!Number.isInteger(overlapMinutes) || overlapMinutes < 0 || overlapMinutes > 10080)) {
    throw invalidProp(where, "overlapMinutes", overlapMinutes, "must be a whole number of minutes between 0 and 10080 (7 days)");
  }
}

export function checkScopes(where: string, scopes: readonly string[] | undefined): void {
  if (scopes === undefined || Token.isUnresolved(scopes)) return;
  if (!Array.isArray(scopes)) throw invalidProp(where, "scopes", scopes, "must be an array of scope strings");
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (Token.isUnresolved(scope)) continue;
    if (typeof scope !== "string" || !/^\S{1,128}$/.test(scope)) {
      throw invalidProp(where, "scopes", scope, "must hold non-empty scope strings without spaces, e.g. \"invoices:read\"");
    }
    if (seen.has(scope)) throw invalidProp(where, "scopes", scope, "must not list the same scope twice");
    seen.add(scope);
  }
}

export function checkRoles(where: string, roles: readonly string[] | undefined, api: string): void {
  if (roles !== undefined && Token.isUnresolved(roles)) return;
  if (!Array.isArray(roles) || roles.length === 0) {
    throw invalidProp(where, "roles", roles, `must list at least one role for the ${api} API (its keys inherit them), e.g. ["event_ingestor"]`);
  }
  const seen = new Set<string>();
  for (const role of roles) {
    if (Token.isUnresolved(role)) continue;
    if (typeof role !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(role)) {
      throw invalidProp(where, "roles", role, "must hold role names of letters, digits, '_', '.', ':' and '-'");
    }
    if (seen.has(role)) throw invalidProp(where, "roles", role, "must not list the same role twice");
    seen.add(role);
  }
}

export function checkKeyType(where: string, type: string | undefined): void {
  if (type === undefined || Token.isUnresolved(type)) return;
  if (type === "integration") {
    throw invalidProp(where, "type", type, 'cannot be "integration": the API lists it but refuses to create such keys. Use "private_key" or "publishable_key"');
  }
  if (type !== "private_key" && type !== "publishable_key") {
    throw invalidProp(where, "type", type, 'must be "private_key" or "publishable_key"');
  }
}

/** The longest `tokenEnv` accepted: variable names are words; tokens are long. */
export const MAX_TOKEN_ENV_LENGTH = 64;

/** Beginnings of well-known tokens (case-sensitive), each followed by a random part. */
const TOKEN_PREFIXES: readonly (readonly [prefix: string, kind: string])[] = [
  ["fln_", "a Flownally key"],
  ["sk_", "a Stripe-style secret key"],
  ["rk_", "a Stripe-style restricted key"],
  ["pk_", "a Stripe-style publishable key"],
  ["whsec_", "a webhook signing secret"],
  ["ghp_", "a GitHub token"],
  ["gho_", "a GitHub token"],
  ["ghu_", "a GitHub token"],
  ["ghs_", "a GitHub token"],
  ["ghr_", "a GitHub token"],
  ["github_pat_", "a GitHub token"],
  ["glpat", "a GitLab token"],
  ["npm_", "an npm token"],
  ["hf_", "a Hugging Face token"],
  ["eyJ", "a JWT or base64-encoded JSON"],
  ["AIza", "a Google API key"],
];

/**
 * Why `name` is not a plausible environment variable name for `tokenEnv`, or `undefined` when it is.
 * The reason never quotes the value (it may be a token). A name is refused when it
 *
 * - is not 1 to {@link MAX_TOKEN_ENV_LENGTH} letters, digits and `_` starting with a letter or `_`;
 * - is an AWS access key id (`AKIA`/`ASIA` and 16 uppercase letters or digits);
 * - starts with a well-known token prefix (`sk_`, `ghp_`, `fln_`, `eyJ`...) followed by a random-looking
 *   part: at least 16 characters holding a digit or both cases (so `npm_config_token` is a name);
 * - has a `_`-separated part of 16 or more characters that looks random: digits in three or more places,
 *   or in two places between short "words" (under 4 characters on average), or so many case and digit
 *   changes that its words average under 3 characters. Words run together (`MyFlownallyAdminToken`,
 *   `OAUTH2CLIENTSECRET`, `X509CERTIFICATEPATH2`) are names.
 */
export function tokenEnvProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return `is ${name === undefined ? "missing" : `a ${typeof name}, not a string`}`;
  if (name.length === 0) return "is empty";
  if (name.length > MAX_TOKEN_ENV_LENGTH) return `is ${name.length} characters long, longer than a variable name (at most ${MAX_TOKEN_ENV_LENGTH})`;
  if (/^[0-9]/.test(name)) return "starts with a digit";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return "holds characters other than letters, digits and underscores";
  if (/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(name)) return "has the form of an AWS access key id";
  for (const [prefix, kind] of TOKEN_PREFIXES) {
    const rest = name.slice(prefix.length);
    if (name.startsWith(prefix) && rest.length >= 16 && (/[0-9]/.test(rest) || (/[a-z]/.test(rest) && /[A-Z]/.test(rest)))) {
      return `starts like ${kind} (${prefix}...)`;
    }
  }
  for (const part of name.split("_")) {
    if (part.length >= 16 && looksRandom(part)) return "has a long random-looking run of letters and digits, as tokens do";
  }
  return undefined;
}

/** A long run of letters and digits that is not words run together (see {@link tokenEnvProblem}). */
function looksRandom(part: string): boolean {
  const digitRuns = part.match(/[0-9]+/g)?.length ?? 0;
  // Words of a camelCase or ALLCAPS name: "MyFlownallyToken" -> My, Flownally, Token; "X509CERT" -> X, 509, CERT.
  const words = part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
  const meanWord = part.length / Math.max(words.length, 1);
  return digitRuns >= 3 || (digitRuns === 2 && meanWord < 4) || (words.length >= 6 && meanWord < 3);
}
