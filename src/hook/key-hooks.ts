import type { KeyManagementClient } from "../clients/types";
import { describeStore } from "../spec";
import type { ApiKeySpec, ServiceAccountRef } from "../spec";
import type { KeyRecord, SecretStoreBackend } from "../stores/types";
import { HookError } from "./hook-error";
import type { HookLog } from "./log";

export interface KeyHookDeps {
  readonly spec: ApiKeySpec;
  readonly instanceId: string;
  readonly client: KeyManagementClient;
  readonly store: SecretStoreBackend;
  /** Opens the store holding the account's record (may be another store than the key's). */
  readonly accountStore: (ref: Extract<ServiceAccountRef, { store: unknown }>) => SecretStoreBackend;
  readonly log: HookLog;
  readonly now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Mints the key and writes its plaintext straight into the store, then the record beside it. The
 * plaintext lives only in this process's memory and the encrypted file. If storing fails the new key
 * is revoked again, so a failed create leaves neither an orphaned key nor a partial secret.
 */
export async function createKey(deps: KeyHookDeps): Promise<void> {
  const { spec, instanceId, client, store, log } = deps;
  const serviceAccountId = await resolveAccountId(deps);
  const previous = await store.readKeyRecord(spec.secretPath);
  if (previous && previous.address !== spec.address) {
    throw new HookError(
      `secretPath "${spec.secretPath}" already holds the key of ${previous.address}; nothing was minted. ` +
        "Give this key another secretPath, or destroy the other stack's key first.",
    );
  }
  if (previous && previous.instanceId !== instanceId) {
    // The same construct's earlier key, whose destroy never ran (its instance left the state some other
    // way): nothing in Terraform tracks it any more, so retire it instead of leaving it active, orphaned.
    const outcome = await client.revokeApiKey(previous.serviceAccountId, previous.keyId);
    await store.deleteSecret(spec.secretPath);
    await store.deleteKeyRecord(spec.secretPath);
    log.warn(`revoked key ${previous.keyId} left at ${spec.secretPath} by an earlier instance (${outcome})`);
  }

  const now = (deps.now ?? (() => new Date()))();
  const expiresAt = spec.expiresInDays !== undefined ? new Date(now.getTime() + spec.expiresInDays * DAY_MS) : undefined;
  log.info(`minting key ${spec.name} for service account ${serviceAccountId}`);
  const created = await client.createApiKey(serviceAccountId, { name: spec.name, expiresAt, scopes: spec.scopes, type: spec.type });
  const { info } = created;
  const record: KeyRecord = {
    address: spec.address,
    instanceId,
    keyId: info.id,
    serviceAccountId,
    name: info.name,
    prefix: info.prefix,
    createdAt: info.createdAt,
    expiresAt: info.expiresAt,
  };
  try {
    await store.writeSecret(spec.secretPath, {
      value: created.value,
      keyId: info.id,
      serviceAccountId,
      name: info.name,
      createdAt: info.createdAt,
      expiresAt: info.expiresAt,
    });
    await store.writeKeyRecord(spec.secretPath, record);
  } catch (e) {
    await undoCreate(deps, serviceAccountId, info.id);
    throw new HookError(`could not store key ${info.id}, so it was revoked again: ${(e as Error).message}`);
  }
  const prefix = info.prefix ? `prefix ${info.prefix}, ` : "";
  log.info(`stored key ${info.id} (${prefix}expires ${info.expiresAt ?? "never"}) at ${spec.secretPath}`);
}

/** Revokes the key this instance minted and deletes its secret; idempotent, never touches a newer key's secret. */
export async function destroyKey({ spec, instanceId, client, store, log }: KeyHookDeps): Promise<void> {
  const record = await store.readKeyRecord(spec.secretPath);
  if (!record) {
    log.info(`no record at ${spec.secretPath}: nothing to revoke`);
    return;
  }
  if (record.instanceId !== instanceId || record.address !== spec.address) {
    log.info(`${spec.secretPath} holds a newer key (${record.keyId} of ${record.address}, instance ${record.instanceId}): leaving it`);
    return;
  }
  const outcome = await client.revokeApiKey(record.serviceAccountId, record.keyId);
  await store.deleteSecret(spec.secretPath);
  await store.deleteKeyRecord(spec.secretPath);
  log.info(`${outcome === "deleted" ? "revoked" : "found already revoked"} key ${record.keyId}; deleted the secret at ${spec.secretPath}`);
}

async function resolveAccountId({ spec, accountStore }: KeyHookDeps): Promise<string> {
  const ref = spec.serviceAccount;
  if ("id" in ref) return ref.id;
  const record = await accountStore(ref).readAccountRecord(ref.address);
  if (!record) {
    throw new HookError(
      `no record of service account ${ref.name} (${ref.address}) in store ${describeStore(ref.store)}: ` +
        "it is created by this stack, so apply the stack as a whole (the account comes first), and check that the store directory is the same",
    );
  }
  return record.serviceAccountId;
}

async function undoCreate(deps: KeyHookDeps, serviceAccountId: string, keyId: string): Promise<void> {
  const { client, store, spec, log } = deps;
  await client.revokeApiKey(serviceAccountId, keyId).catch((undo: Error) => {
    log.warn(`could not revoke key ${keyId} after the failure below; revoke it by hand: ${undo.message}`);
  });
  // Whatever part of the new key made it to disk goes too (writes are atomic: a file is whole or absent).
  await store.deleteSecret(spec.secretPath).catch(() => undefined);
  await store.deleteKeyRecord(spec.secretPath).catch(() => undefined);
}
