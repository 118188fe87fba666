/**
 * Which live keys of a stack's accounts nothing of the stack knows: minted out of band, or by an apply
 * whose result never reached the state nor the store. A pure function over what the API listed and
 * what the state and the stores name, so `status` can report them and the tests can check every rule.
 */
import { declaredName } from "../lifecycle/ownership";
import { API_CAPABILITIES } from "../apis";
import type { ApiKeyInfo } from "../clients/types";
import type { ApiSpec } from "../spec";

/** An active key of one of the stack's accounts that no state, key record or pending revocation names. */
export interface OrphanKey {
  readonly id: string;
  readonly name: string;
  /** The API's non-secret display fragment, to find the key in the vendor's console. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** The key's account; null where the API's list does not say (Flexprice). */
  readonly serviceAccountId: string | null;
  /** The API's base URL. */
  readonly api: string;
  /** What to do about it, for people. */
  readonly hint: string;
}

/** What the API listed for one account (for Flexprice: the whole environment's keys). */
export interface ListedKeys {
  readonly api: ApiSpec;
  readonly serviceAccountId: string;
  readonly keys: readonly ApiKeyInfo[];
}

export interface OrphanQuery {
  readonly listed: readonly ListedKeys[];
  /** Ids of the keys the stack knows: in the state (current or deposed), in a key record, pending revocation. */
  readonly known: ReadonlySet<string>;
  /** Names (and types) of the keys the stack declares or holds: what a Flexprice key must be called to count. */
  readonly declared: readonly { readonly name: string; readonly type?: string }[];
  readonly now: Date;
}

/**
 * The orphans among `listed`, each once, in the order listed. Only active, unexpired keys count: a
 * revoked or expired one no longer authenticates.
 */
export function orphanKeys(query: OrphanQuery): OrphanKey[] {
  // Flexprice lists every key of the environment, whoever made it: only the stack's key names count
  // there. Its publishable keys are never listed, so their names could only match a private key.
  const flexpriceNames = new Set(query.declared.filter((k) => k.type !== "publishable_key").map((k) => k.name));
  const seen = new Set<string>();
  const orphans: OrphanKey[] = [];
  for (const { api, serviceAccountId, keys } of query.listed) {
    const global = API_CAPABILITIES[api.kind].globalKeyList;
    for (const key of keys) {
      const where = `${api.baseUrl} ${api.environmentId ?? ""} ${key.id}`;
      if (seen.has(where) || query.known.has(key.id)) continue;
      if (key.status !== "active" || (key.expiresAt !== null && Date.parse(key.expiresAt) <= query.now.getTime())) continue;
      if (global && !flexpriceNames.has(declaredName(key.name))) continue;
      seen.add(where);
      const account = key.serviceAccountId || (global ? null : serviceAccountId);
      orphans.push({
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        createdAt: key.createdAt,
        expiresAt: key.expiresAt,
        serviceAccountId: account,
        api: api.baseUrl,
        hint: orphanHint(key, account, api),
      });
    }
  }
  return orphans;
}

function orphanHint(key: ApiKeyInfo, account: string | null, api: ApiSpec): string {
  return (
    `key ${key.id} ("${key.name}")${account ? ` of account ${account}` : ""} is active in ${api.baseUrl}, but no state, key record or pending ` +
    "revocation of the stack names it: Terraform does not manage it. If nothing uses it, revoke it in the API (the vendor's console, or its " +
    "revoke endpoint with the admin token). A key left by an apply that ended unclearly is revoked by the next apply that creates its ApiKey."
  );
}
