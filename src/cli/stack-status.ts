/**
 * The health of a stack's accounts and keys, from three sources: the state (what Terraform holds,
 * deposed objects included), the API (whether each is live, and which live keys of the stack's accounts
 * nothing names; needs the admin token) and the store (whether each secret is there, its key records,
 * the pending revocations). What `status` prints; nothing here changes anything.
 */
import type { ApiKeyInfo, KeyManagementClient, ServiceAccountInfo } from "../clients/types";
import { API_CAPABILITIES, listsKeyType } from "../apis";
import { daysUntil, nextRotation } from "../rotation";
import { describeStore, type ApiSpec, type StoreSpec } from "../spec";
import type { SecretStoreBackend } from "../stores/types";
import { storedKeyState } from "../lifecycle/stored-key";
import { orphanKeys, type ListedKeys, type OrphanKey } from "./orphan-keys";
import type { StackState, StateAccount, StateKey } from "./stack-state";

/** What the API says: `unknown` when it could not be asked (no token, an error). */
export type LiveState = "active" | "revoked" | "expired" | "missing" | "unknown";

/**
 * Whether the store holds the key's secret: `other_key` when the path holds another key's, `changed`
 * when its record names this key but the secret is not the one written with it (another writer's).
 */
export type SecretState = "present" | "missing" | "other_key" | "changed" | "unknown";

export interface KeyHealth {
  readonly address: string;
  readonly terraformAddress: string;
  /**
   * Terraform's id of a deposed object: an old key set aside by a replacement whose delete did not
   * finish (`terraform apply` retires it). Null for the resource's current object.
   */
  readonly deposed: string | null;
  readonly id: string;
  readonly name: string;
  readonly secretPath: string;
  readonly store: string;
  readonly live: LiveState;
  readonly expiresAt: string | null;
  /** Whole days until expiry (negative once past); null when the key never expires. */
  readonly daysLeft: number | null;
  readonly nextRotation: { readonly at: string; readonly reason: string; readonly due: boolean } | null;
  readonly secret: SecretState;
  /** What is wrong, for people: empty when healthy. */
  readonly problems: readonly string[];
  readonly drifted: boolean;
  readonly overdue: boolean;
}

export interface AccountHealth {
  readonly address: string;
  readonly terraformAddress: string;
  readonly id: string;
  readonly name: string;
  readonly live: "active" | "missing" | "unknown";
  readonly problems: readonly string[];
  readonly drifted: boolean;
}

export interface RevocationHealth {
  readonly keyId: string;
  readonly address: string;
  readonly secretPath: string;
  readonly store: string;
  readonly dueAt: string;
  readonly overdue: boolean;
}

export interface StackHealth {
  readonly now: string;
  readonly accounts: readonly AccountHealth[];
  readonly keys: readonly KeyHealth[];
  readonly pendingRevocations: readonly RevocationHealth[];
  /** Active keys of the stack's accounts that no state, key record or pending revocation names. */
  readonly orphans: readonly OrphanKey[];
  /** Things that could not be checked (no token, a store that failed), each saying what to set. */
  readonly notes: readonly string[];
  readonly summary: {
    readonly accounts: number;
    /** Entries of `keys`, deposed objects included. */
    readonly keys: number;
    /** Accounts and keys that drifted, live deposed keys included. */
    readonly drifted: number;
    readonly overdue: number;
    /** Deposed keys still live in the API (each also counted in `drifted`). */
    readonly deposed: number;
    readonly orphans: number;
    readonly ok: boolean;
  };
}

/** How to reach the APIs and stores; the commands pass the real ones. */
export interface HealthSources {
  /** The client for `api`, or why there is none (the token's variable is not set). */
  client(api: ApiSpec): KeyManagementClient | { readonly missing: string };
  store(spec: StoreSpec): SecretStoreBackend;
  readonly now: Date;
}

export async function stackHealth(state: StackState, sources: HealthSources): Promise<StackHealth> {
  const notes = new Set<string>();
  const keyLists = new Map<string, Promise<ApiKeyInfo[] | "missing" | "unknown">>();
  const accountLists = new Map<string, Promise<ServiceAccountInfo[] | "unknown">>();

  /** One API call per list for the whole report; `unknown` (with a note) when the API cannot be asked. */
  const listOnce = <T>(cache: Map<string, Promise<T | "unknown">>, cacheKey: string, api: ApiSpec, list: (client: KeyManagementClient) => Promise<T | "unknown">) => {
    let listed = cache.get(cacheKey);
    if (!listed) {
      const client = sources.client(api);
      listed = "missing" in client ? Promise.resolve(noteUnknown(notes, client.missing)) : list(client);
      cache.set(cacheKey, listed);
    }
    return listed;
  };
  const liveKeys = (api: ApiSpec, accountId: string) =>
    listOnce(keyLists, `${api.kind} ${api.baseUrl} ${accountId}`, api, (client) =>
      client
        .listApiKeys(accountId)
        .catch((e: { status?: number; message?: string }) =>
          e.status === 404 ? "missing" : noteUnknown(notes, `cannot list the keys of account ${accountId} at ${api.baseUrl}: ${e.message}`),
        ),
    );
  const liveAccounts = (api: ApiSpec) =>
    listOnce(accountLists, `${api.kind} ${api.baseUrl}`, api, (client) =>
      client.listServiceAccounts().catch((e: { message?: string }) => noteUnknown(notes, `cannot list the accounts at ${api.baseUrl}: ${e.message}`)),
    );

  const accounts = await Promise.all(state.accounts.map((a) => accountHealth(a, liveAccounts)));
  const keys = await Promise.all(state.keys.map((k) => keyHealth(k, sources, liveKeys, notes)));
  const stored = await storeContents(state, sources, notes);
  const pendingRevocations = stored.pendingRevocations;
  let orphans: OrphanKey[] = [];
  if (stored.complete) {
    const known = new Set([...state.keys.map((k) => k.id), ...stored.recordedKeyIds, ...pendingRevocations.map((r) => r.keyId)]);
    orphans = orphanKeys({ listed: await listedKeys(state, liveKeys), known, declared: [...state.configuredKeys, ...state.keys], now: sources.now });
  } else {
    notes.add("orphaned keys were not looked for: without every store's key records and pending revocations, keys the stack knows would look orphaned");
  }
  const drifted = keys.filter((k) => k.drifted).length + accounts.filter((a) => a.drifted).length;
  const overdue = keys.filter((k) => k.overdue).length + pendingRevocations.filter((r) => r.overdue).length;
  const deposed = keys.filter((k) => k.deposed !== null && k.drifted).length;
  return {
    now: sources.now.toISOString(),
    accounts,
    keys,
    pendingRevocations,
    orphans,
    notes: [...notes],
    summary: {
      accounts: accounts.length,
      keys: keys.length,
      drifted,
      overdue,
      deposed,
      orphans: orphans.length,
      ok: drifted === 0 && overdue === 0 && orphans.length === 0,
    },
  };
}

/**
 * The live keys of every account the stack holds or refers to (its accounts, its keys' accounts), each
 * list once; accounts the API does not know, or could not be asked about, are left out.
 */
async function listedKeys(state: StackState, liveKeys: (api: ApiSpec, accountId: string) => Promise<ApiKeyInfo[] | "missing" | "unknown">): Promise<ListedKeys[]> {
  const accounts = new Map<string, { api: ApiSpec; serviceAccountId: string }>();
  for (const { api, serviceAccountId } of [...state.accounts.map((a) => ({ api: a.api, serviceAccountId: a.id })), ...state.keys]) {
    // Flexprice lists the environment's keys whatever the account: one list per API.
    const where = API_CAPABILITIES[api.kind].globalKeyList ? `${api.kind} ${api.baseUrl} ${api.environmentId ?? ""}` : `${api.kind} ${api.baseUrl} ${serviceAccountId}`;
    if (!accounts.has(where)) accounts.set(where, { api, serviceAccountId });
  }
  const listed = await Promise.all([...accounts.values()].map(async (a) => ({ ...a, keys: await liveKeys(a.api, a.serviceAccountId) })));
  return listed.flatMap((l) => (Array.isArray(l.keys) ? [{ api: l.api, serviceAccountId: l.serviceAccountId, keys: l.keys }] : []));
}

async function accountHealth(account: StateAccount, liveAccounts: (api: ApiSpec) => Promise<ServiceAccountInfo[] | "unknown">): Promise<AccountHealth> {
  const list = await liveAccounts(account.api);
  const live = list === "unknown" ? "unknown" : list.some((a) => a.id === account.id) ? "active" : "missing";
  const problems = live === "missing" ? [`account ${account.id} no longer exists in ${account.api.baseUrl}: the next apply creates it again, with new keys`] : [];
  return { address: account.address, terraformAddress: account.terraformAddress, id: account.id, name: account.name, live, problems, drifted: live === "missing" };
}

async function keyHealth(
  key: StateKey,
  sources: HealthSources,
  liveKeys: (api: ApiSpec, accountId: string) => Promise<ApiKeyInfo[] | "missing" | "unknown">,
  notes: Set<string>,
): Promise<KeyHealth> {
  const now = sources.now;
  const problems: string[] = [];
  // Some keys never appear in the API's list (Flexprice's publishable keys): their live state cannot be known from it.
  const list = listsKeyType(key.api.kind, key.type) ? await liveKeys(key.api, key.serviceAccountId) : "unknown";
  let live: LiveState;
  if (list === "unknown") live = "unknown";
  else if (list === "missing") live = "missing";
  else {
    const found = list.find((k) => k.id === key.id);
    live = !found ? "missing" : found.status === "active" && found.expiresAt !== null && Date.parse(found.expiresAt) <= now.getTime() ? "expired" : found.status;
  }
  const deposed = key.deposed ?? null;
  if (deposed !== null) {
    // An old key set aside by a replacement: its path holds the new key's secret, its rotation no longer
    // matters. Only whether it still authenticates does; a revoked or missing one is gone already.
    if (live === "active") {
      problems.push(`deposed object ${deposed}: an old key whose delete did not finish is still live; \`terraform apply\` retires it`);
    }
  } else {
    if (live === "revoked") problems.push("revoked outside Terraform");
    if (live === "expired") problems.push("expired");
    if (live === "missing") problems.push("the API no longer knows this key (or its account)");
  }

  let secret: SecretState;
  try {
    secret = await storedKeyState(sources.store(key.store), key.secretPath, key.id);
  } catch (e) {
    secret = "unknown";
    notes.add(`cannot check the store ${describeStore(key.store)}: ${(e as Error).message}`);
  }
  if (deposed === null && secret === "missing") problems.push(`no secret at ${key.secretPath}`);
  if (deposed === null && secret === "other_key") problems.push(`${key.secretPath} holds another key's secret`);
  if (deposed === null && secret === "changed") problems.push(`the secret at ${key.secretPath} is not the one written with this key (another writer replaced it, or an old version is back)`);

  const rotation = deposed === null && key.rotation && key.createdAt ? nextRotation({ createdAt: key.createdAt, expiresAt: key.expiresAt }, key.rotation) : undefined;
  const due = rotation !== undefined && rotation.at.getTime() <= now.getTime();
  if (due) problems.push(`due for rotation since ${rotation!.at.toISOString()} (${rotation!.reason})`);
  const drifted =
    deposed !== null ? live === "active" : ["revoked", "expired", "missing"].includes(live) || secret === "missing" || secret === "other_key" || secret === "changed";
  return {
    address: key.address,
    terraformAddress: key.terraformAddress,
    deposed,
    id: key.id,
    name: key.name,
    secretPath: key.secretPath,
    store: describeStore(key.store),
    live,
    expiresAt: key.expiresAt,
    daysLeft: key.expiresAt === null ? null : daysUntil(new Date(key.expiresAt), now),
    nextRotation: rotation ? { at: rotation.at.toISOString(), reason: rotation.reason, due } : null,
    secret,
    problems,
    drifted,
    overdue: due,
  };
}

/**
 * Every pending revocation, and the key ids of every key record, of every store the stack's keys and
 * accounts use; `complete` is false when a store could not list one or the other.
 */
async function storeContents(
  state: StackState,
  sources: HealthSources,
  notes: Set<string>,
): Promise<{ pendingRevocations: RevocationHealth[]; recordedKeyIds: string[]; complete: boolean }> {
  const pendingRevocations: RevocationHealth[] = [];
  const recordedKeyIds: string[] = [];
  let complete = true;
  for (const spec of distinctStores(state)) {
    try {
      for (const r of await sources.store(spec).listPendingRevocations()) {
        pendingRevocations.push({ keyId: r.keyId, address: r.address, secretPath: r.secretPath, store: describeStore(spec), dueAt: r.dueAt, overdue: Date.parse(r.dueAt) <= sources.now.getTime() });
      }
    } catch (e) {
      complete = false;
      notes.add(`cannot list the pending revocations of the store ${describeStore(spec)}: ${(e as Error).message}`);
    }
    try {
      recordedKeyIds.push(...(await sources.store(spec).listKeyRecords()).map((r) => r.record.keyId));
    } catch (e) {
      complete = false;
      notes.add(`cannot list the key records of the store ${describeStore(spec)}: ${(e as Error).message}`);
    }
  }
  return { pendingRevocations, recordedKeyIds, complete };
}

/** The stores of a stack, each once (by where it puts its secrets). */
export function distinctStores(state: StackState): StoreSpec[] {
  const seen = new Map<string, StoreSpec>();
  for (const spec of [...state.keys.map((k) => k.store), ...state.accounts.flatMap((a) => (a.store ? [a.store] : []))]) {
    seen.set(describeStore(spec), spec);
  }
  return [...seen.values()];
}

function noteUnknown(notes: Set<string>, note: string): "unknown" {
  notes.add(note);
  return "unknown";
}
