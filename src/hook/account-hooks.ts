import type { KeyManagementClient } from "../clients/types";
import type { ServiceAccountSpec } from "../spec";
import type { SecretStoreBackend } from "../stores/types";
import { HookError } from "./hook-error";
import type { HookLog } from "./log";

export interface AccountHookDeps {
  readonly spec: ServiceAccountSpec;
  readonly instanceId: string;
  readonly client: KeyManagementClient;
  readonly store: SecretStoreBackend;
  readonly log: HookLog;
}

/**
 * Creates the account and keeps its record. If the record cannot be written the account is deleted
 * again, so a failed create leaves nothing behind. A record left by an earlier instance of the same
 * construct whose destroy never ran (state removed, say) is adopted when that account still exists.
 */
export async function createAccount({ spec, instanceId, client, store, log }: AccountHookDeps): Promise<void> {
  const previous = await store.readAccountRecord(spec.address);
  if (previous && previous.instanceId !== instanceId) {
    const existing = (await client.listServiceAccounts()).find((a) => a.id === previous.serviceAccountId);
    if (existing && existing.name === spec.name) {
      await store.writeAccountRecord({ ...previous, instanceId });
      log.warn(`adopted service account ${existing.id} (${existing.name}) left by an earlier instance whose destroy did not run`);
      return;
    }
  }
  log.info(`creating service account ${spec.name}`);
  let account;
  try {
    account = await client.createServiceAccount({ name: spec.name, description: spec.description, roles: spec.roles });
  } catch (e) {
    if ((e as { code?: string }).code === "service_account_name_taken") {
      throw new HookError(
        `an active service account named "${spec.name}" already exists and this stack has no record of creating it. ` +
          "Reference it with ServiceAccount.fromId(scope, id, { api, serviceAccountId }), or choose another name.",
      );
    }
    throw e;
  }
  try {
    await store.writeAccountRecord({
      address: spec.address,
      instanceId,
      serviceAccountId: account.id,
      name: account.name,
      createdAt: account.createdAt,
    });
  } catch (e) {
    await client.deleteServiceAccount(account.id).catch((undo: Error) => {
      log.warn(`could not delete service account ${account.id} again after the failure below: ${undo.message}`);
    });
    throw new HookError(`could not record service account ${account.id}, so it was deleted again: ${(e as Error).message}`);
  }
  log.info(`created service account ${account.id} (${account.name})`);
}

/** Deletes the account this instance created; idempotent, and never touches a newer instance's account. */
export async function destroyAccount({ spec, instanceId, client, store, log }: AccountHookDeps): Promise<void> {
  const record = await store.readAccountRecord(spec.address);
  if (!record) {
    log.info(`no record of service account ${spec.name}: nothing to delete`);
    return;
  }
  if (record.instanceId !== instanceId) {
    log.info(`the record of ${spec.name} belongs to a newer instance (${record.instanceId}): leaving account ${record.serviceAccountId}`);
    return;
  }
  const outcome = await client.deleteServiceAccount(record.serviceAccountId);
  await store.deleteAccountRecord(spec.address);
  log.info(outcome === "deleted" ? `deleted service account ${record.serviceAccountId}` : `service account ${record.serviceAccountId} was already deleted`);
}
