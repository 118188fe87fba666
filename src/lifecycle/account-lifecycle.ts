/**
 * A service account's creation as the provider carries it out, crash-safe like a key's: a pending
 * record goes into the store before the create call, so an attempt that ended unclearly (a crash, a
 * kill, a 5xx after the server acted) is resolved by the next create, which adopts the account that
 * attempt made instead of failing on its name.
 *
 * The record names the stack identity that owns it (./ownership) and a hash of what the account was
 * created with. A later create by the same owner adopts the recorded account while it still matches
 * (an apply that ended before Terraform saved it, a state lost and its identity imported back). One
 * that no longer matches is the old object of a replacement: on an API whose account names are unique
 * among active accounts (Flownally), it holds the name the new one needs, so it is deleted first (its
 * keys are being replaced in the same apply). A refresh writes nothing.
 */
import { createHash } from "crypto";
import type { ServiceAccountInfo } from "../clients/types";
import type { ApiSpec, StoreSpec } from "../spec";
import type { AccountRecord } from "../stores/types";
import type { LifecycleContext } from "./context";
import { API_CAPABILITIES } from "../apis";
import { mayHaveActed } from "../clients/errors";
import type { WithWarnings } from "./key-lifecycle";
import { ownedByAnother, ownershipConflict } from "./ownership";

export interface AccountSpec {
  readonly address: string;
  /** The stack identity (`apikeys_stack`) creating the account. */
  readonly owner?: string;
  readonly api: ApiSpec;
  readonly name: string;
  readonly description?: string;
  readonly roles?: readonly string[];
  /** Where the pending record is kept; without a store, creation is not crash-safe. */
  readonly store?: StoreSpec;
}

/** Accounts created this long before the pending record was written still count as its result (clock skew). */
const PENDING_SKEW_MS = 10 * 60 * 1000;
/** `instanceId` of the record while the create call is in flight. */
export const ACCOUNT_PENDING = "pending";
/** `instanceId` of the record once the create returned. */
export const ACCOUNT_CREATED = "created";
/** `instanceId` of records that a refresh of an earlier version confirmed (seen in state). */
const ACCOUNT_CONFIRMED = "confirmed";

/** What the account is created with, hashed: the record's `specHash`. */
export function accountSpecHash(spec: AccountSpec): string {
  const what = JSON.stringify([spec.api.kind, spec.api.baseUrl, spec.api.environmentId ?? "", spec.name, spec.description ?? "", [...(spec.roles ?? [])].sort()]);
  return `sha256:${createHash("sha256").update(what).digest("hex").slice(0, 32)}`;
}

/** Accounts each run adopted: the replaced object's delete, in the same run, must leave them. */
const adoptedInRun = new WeakMap<LifecycleContext, Set<string>>();

/** Creates the account, or adopts the one an earlier unclear or unsaved attempt of this owner created. */
export async function createAccount(ctx: LifecycleContext, spec: AccountSpec): Promise<WithWarnings<ServiceAccountInfo>> {
  const store = spec.store ? ctx.store(spec.store) : undefined;
  const earlier = await store?.readAccountRecord(spec.address);
  if (earlier && ownedByAnother(earlier, spec)) {
    throw new Error(ownershipConflict(`service account ${earlier.serviceAccountId || `"${earlier.name}"`} recorded for ${spec.address}`, earlier, spec));
  }
  const warnings: string[] = [];
  if (earlier && earlier.name === spec.name) {
    const found = await recordedAccount(ctx, spec, earlier);
    if (found.adopt) {
      await store!.writeAccountRecord(recordOf(spec, ACCOUNT_CREATED, found.adopt));
      let set = adoptedInRun.get(ctx);
      if (!set) adoptedInRun.set(ctx, (set = new Set()));
      set.add(found.adopt.id);
      return { value: found.adopt, warnings: [`adopted service account ${found.adopt.id} ("${spec.name}"): ${found.why}`] };
    }
    if (found.replaced) {
      await ctx.client(spec.api).deleteServiceAccount(found.replaced);
      ctx.changed(spec.api);
      warnings.push(
        `deleted service account ${found.replaced} ("${spec.name}") before creating its replacement: the API allows one active account per ` +
          "name. Its keys stopped working until their replacements were stored, in this apply.",
      );
    }
  }
  await store?.writeAccountRecord(recordOf(spec, ACCOUNT_PENDING, { id: "", name: spec.name, createdAt: ctx.now().toISOString() }));
  let account: ServiceAccountInfo;
  try {
    account = await ctx.client(spec.api).createServiceAccount({ name: spec.name, description: spec.description, roles: spec.roles });
  } catch (e) {
    if (!mayHaveActed(e)) await store?.deleteAccountRecord(spec.address);
    throw explainCreateFailure(e, spec, store !== undefined);
  } finally {
    ctx.changed(spec.api);
  }
  // Kept while the account lives: if Terraform never saves it, the next create adopts it.
  await store?.writeAccountRecord(recordOf(spec, ACCOUNT_CREATED, account));
  return { value: account, warnings };
}

function recordOf(spec: AccountSpec, instanceId: string, account: Pick<ServiceAccountInfo, "id" | "name" | "createdAt">): AccountRecord {
  return {
    address: spec.address,
    ...(spec.owner ? { owner: spec.owner } : {}),
    instanceId,
    serviceAccountId: account.id,
    name: account.name,
    createdAt: account.createdAt,
    specHash: accountSpecHash(spec),
  };
}

/**
 * What the account recorded for this construct (same owner, same name) is to the create: the result
 * of an unclear or unsaved attempt (adopt it), the old object of a replacement that holds the name
 * (delete it first), or nothing in the way.
 */
async function recordedAccount(ctx: LifecycleContext, spec: AccountSpec, earlier: AccountRecord): Promise<{ adopt?: ServiceAccountInfo; why?: string; replaced?: string }> {
  ctx.changed(spec.api);
  const accounts = await ctx.listAccounts(spec.api);
  if (earlier.instanceId === ACCOUNT_PENDING) {
    // The create call's answer was lost. Where names are unique, the account of that name is its result;
    // elsewhere, the one of that name created since the record was written (give or take the skew).
    const since = Date.parse(earlier.createdAt) - PENDING_SKEW_MS;
    const unique = API_CAPABILITIES[spec.api.kind].uniqueAccountNames;
    const made = accounts.filter((a) => a.name === spec.name && (unique || Date.parse(a.createdAt) >= since));
    return made.length === 1 ? { adopt: made[0], why: "an earlier apply created it, but its answer was lost" } : {};
  }
  const live = accounts.find((a) => a.id === earlier.serviceAccountId);
  if (!live || live.name !== spec.name) return {};
  const matches = earlier.specHash
    ? earlier.specHash === accountSpecHash(spec)
    : // Records of earlier versions: unconfirmed ones were never saved; confirmed ones match by description.
      earlier.instanceId !== ACCOUNT_CONFIRMED || (live.description ?? undefined) === (spec.description ?? undefined);
  if (matches) return { adopt: live, why: "this stack created it, and the state does not hold it (an apply that ended before it was saved, or a lost state)" };
  return API_CAPABILITIES[spec.api.kind].uniqueAccountNames ? { replaced: live.id } : {};
}

/**
 * An in-place update (the stack identity came, the construct moved, the store changed): the record of
 * the account in state names its owner, address and what it was created with, for a later create.
 */
export async function updateAccountRecord(ctx: LifecycleContext, spec: AccountSpec, account: Pick<ServiceAccountInfo, "id" | "name" | "createdAt">): Promise<void> {
  if (!spec.store) return;
  const store = ctx.store(spec.store);
  const record = await store.readAccountRecord(spec.address);
  if (record && record.serviceAccountId !== account.id && record.instanceId !== ACCOUNT_PENDING) return; // another account's: left alone
  if (record && ownedByAnother(record, spec)) throw new Error(ownershipConflict(`service account ${account.id} recorded for ${spec.address}`, record, spec));
  const wanted = recordOf(spec, ACCOUNT_CREATED, account);
  if (record && record.owner === wanted.owner && record.specHash === wanted.specHash && record.serviceAccountId === account.id) return;
  await store.writeAccountRecord(wanted);
}

/**
 * Whether the replaced object's delete may delete account `id`: false when this run's create adopted it
 * (a replacement of an account that still matched the configuration), which must then stay.
 */
export function mayDeleteAccount(ctx: LifecycleContext, id: string): boolean {
  return !adoptedInRun.get(ctx)?.has(id);
}

/** The account is deleted: its record goes too, if it is this account's. */
export async function forgetAccount(ctx: LifecycleContext, spec: AccountSpec, id: string): Promise<void> {
  if (!spec.store) return;
  const store = ctx.store(spec.store);
  const record = await store.readAccountRecord(spec.address);
  if (record && (record.serviceAccountId === id || record.instanceId === ACCOUNT_PENDING)) await store.deleteAccountRecord(spec.address);
}

function explainCreateFailure(e: unknown, spec: AccountSpec, crashSafe: boolean): Error {
  const message = (e as Error).message;
  if ((e as { code?: string }).code === "service_account_name_taken") {
    return new Error(
      `${message}. An active service account named "${spec.name}" exists and this state does not hold it. To adopt it, import it: ` +
        `terraform import '<resource address of ${spec.address}>' <its id>. Otherwise reference it with ServiceAccount.fromId, or choose another name.`,
    );
  }
  if (mayHaveActed(e)) {
    return new Error(
      `${message}. The API may have created service account "${spec.name}" anyway. ` +
        (crashSafe
          ? "The next apply finds it and adopts it instead of creating another."
          : "If the next apply reports the name as taken, import that account (terraform import <address> <id>)."),
    );
  }
  return e as Error;
}
