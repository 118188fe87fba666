/**
 * A service account's creation as the provider carries it out, crash-safe like a key's: a pending
 * record goes into the store before the create call, so an attempt that ended unclearly (a crash, a
 * kill, a 5xx after the server acted) is resolved by the next create, which adopts the account that
 * attempt made instead of failing on its name.
 *
 * Once a refresh sees the account in state, its record says so (`confirmed`) and stays until the
 * account is deleted: keys are create-before-destroy, and Terraform makes the accounts they depend on
 * create-before-destroy too. A Flownally account replaced under the same name (a new description)
 * would then be created while the old one still holds the name; the record tells that old account as
 * this construct's own, so it is deleted first (its keys are being replaced in the same apply).
 */
import type { ServiceAccountInfo } from "../clients/types";
import type { ApiSpec, StoreSpec } from "../spec";
import type { LifecycleContext } from "./context";
import { API_CAPABILITIES } from "../apis";
import { mayHaveActed } from "../clients/errors";
import type { WithWarnings } from "./key-lifecycle";

export interface AccountSpec {
  readonly address: string;
  readonly api: ApiSpec;
  readonly name: string;
  readonly description?: string;
  readonly roles?: readonly string[];
  /** Where the pending record is kept; without a store, creation is not crash-safe. */
  readonly store?: StoreSpec;
}

/** Accounts created this long before the pending record was written still count as its result (clock skew). */
const PENDING_SKEW_MS = 10 * 60 * 1000;
/** `instanceId` of the record while the create call is in flight, and once it returned (until a refresh sees the account in state). */
export const ACCOUNT_PENDING = "pending";
export const ACCOUNT_CREATED = "created";
/** `instanceId` of the record once a refresh saw the account in state. */
export const ACCOUNT_CONFIRMED = "confirmed";

/** Creates the account, or adopts the one an earlier unclear or unsaved attempt created. */
export async function createAccount(ctx: LifecycleContext, spec: AccountSpec): Promise<WithWarnings<ServiceAccountInfo>> {
  const store = spec.store ? ctx.store(spec.store) : undefined;
  const earlier = await store?.readAccountRecord(spec.address);
  if (earlier && earlier.name === spec.name && (earlier.instanceId === ACCOUNT_PENDING || earlier.instanceId === ACCOUNT_CREATED)) {
    ctx.changed(spec.api);
    const accounts = await ctx.listAccounts(spec.api);
    const since = Date.parse(earlier.createdAt) - PENDING_SKEW_MS;
    const made =
      earlier.instanceId === ACCOUNT_CREATED
        ? accounts.filter((a) => a.id === earlier.serviceAccountId)
        : accounts.filter((a) => a.name === spec.name && Date.parse(a.createdAt) >= since);
    if (made.length === 1) {
      await store!.writeAccountRecord({ ...earlier, instanceId: ACCOUNT_CREATED, serviceAccountId: made[0].id });
      return { value: made[0], warnings: [`adopted service account ${made[0].id} ("${spec.name}"): an earlier apply created it but ended before Terraform saved it`] };
    }
  }
  const warnings: string[] = [];
  if (earlier && earlier.name === spec.name && earlier.instanceId === ACCOUNT_CONFIRMED) {
    const replaced = await replacedUnderSameName(ctx, spec, earlier.serviceAccountId);
    if (replaced === "adopt") {
      return { value: (await ctx.listAccounts(spec.api)).find((a) => a.id === earlier.serviceAccountId)!, warnings: [`adopted service account ${earlier.serviceAccountId} ("${spec.name}"): this construct created it, and the state had lost it`] };
    }
    if (replaced === "deleted") {
      warnings.push(
        `deleted service account ${earlier.serviceAccountId} ("${spec.name}") before creating its replacement: the API allows one active account per ` +
          "name. Its keys stopped working until their replacements were stored, in this apply.",
      );
    }
  }
  await store?.writeAccountRecord({ address: spec.address, instanceId: ACCOUNT_PENDING, serviceAccountId: "", name: spec.name, createdAt: ctx.now().toISOString() });
  let account: ServiceAccountInfo;
  try {
    account = await ctx.client(spec.api).createServiceAccount({ name: spec.name, description: spec.description, roles: spec.roles });
  } catch (e) {
    if (!mayHaveActed(e)) await store?.deleteAccountRecord(spec.address);
    throw explainCreateFailure(e, spec, store !== undefined);
  } finally {
    ctx.changed(spec.api);
  }
  // Kept until a refresh sees the account in state: if Terraform never saves it, the next create adopts it.
  await store?.writeAccountRecord({ address: spec.address, instanceId: ACCOUNT_CREATED, serviceAccountId: account.id, name: account.name, createdAt: account.createdAt });
  return { value: account, warnings };
}

/**
 * This construct's confirmed account still holds the name the new one needs (Flownally names are
 * unique among active accounts). Same description: the state lost it, adopt it. Another description:
 * it is the old object of this replacement, delete it now. Gone or another name: nothing in the way.
 */
async function replacedUnderSameName(ctx: LifecycleContext, spec: AccountSpec, oldId: string): Promise<"adopt" | "deleted" | "free"> {
  if (!API_CAPABILITIES[spec.api.kind].uniqueAccountNames) return "free";
  ctx.changed(spec.api);
  const old = (await ctx.listAccounts(spec.api)).find((a) => a.id === oldId);
  if (!old || old.name !== spec.name) return "free";
  if ((old.description ?? undefined) === (spec.description ?? undefined)) return "adopt";
  await ctx.client(spec.api).deleteServiceAccount(oldId);
  ctx.changed(spec.api);
  return "deleted";
}

/** A refresh found the account in state: its record says so from now on (see the file comment). */
export async function confirmAccount(ctx: LifecycleContext, spec: AccountSpec, id: string): Promise<void> {
  if (!spec.store) return;
  const store = ctx.store(spec.store);
  const record = await store.readAccountRecord(spec.address);
  if (record && record.instanceId === ACCOUNT_CONFIRMED && record.serviceAccountId === id) return;
  if (record && record.name === spec.name && record.instanceId === ACCOUNT_CREATED && record.serviceAccountId !== id) return; // another attempt's: left to resolve
  await store.writeAccountRecord({ address: spec.address, instanceId: ACCOUNT_CONFIRMED, serviceAccountId: id, name: spec.name, createdAt: record?.createdAt ?? ctx.now().toISOString() });
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
