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
