import type { KeyManagementClient } from "../clients/types";
import { describeStore } from "../spec";
import type { ApiKeySpec, ServiceAccountRef } from "../spec";
import type { SecretStoreBackend } from "../stores/types";
import * as lifecycle from "../lifecycle/key-lifecycle";
import { hookLifecycleContext } from "./lifecycle-context";
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

/**
 * Mints the key and writes its plaintext straight into the store, then the record beside it, through the
 * shared key life cycle (src/lifecycle/key-lifecycle.ts), as the provider does: an intent recorded
 * first, what an unclear earlier attempt left resolved before minting, the key an earlier instance left
 * at the path retired, a failed store write undone. The plaintext lives only in this process's memory
 * and the encrypted file.
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
  log.info(`minting key ${spec.name} for service account ${serviceAccountId}`);
  const ctx = hookLifecycleContext(client, store, deps.now);
  let minted;
  try {
    minted = await lifecycle.createKey(ctx, { ...keySpecOf(spec, serviceAccountId), instanceId });
  } catch (e) {
    throw new HookError((e as Error).message);
  }
  for (const warning of minted.warnings) {
    // The key an earlier instance left: nothing in Terraform tracks it any more, so it is retired, not orphaned.
    const earlier = previous && warning.startsWith(`revoked key ${previous.keyId} `);
    log.warn(earlier ? `revoked key ${previous.keyId} left at ${spec.secretPath} by an earlier instance, whose destroy never ran` : warning);
  }
  const { value: info } = minted;
  const prefix = info.prefix ? `prefix ${info.prefix}, ` : "";
  log.info(`stored key ${info.id} (${prefix}expires ${info.expiresAt ?? "never"}) at ${spec.secretPath}`);
}

/** Revokes the key this instance minted and deletes its secret; idempotent, never touches a newer key's secret. */
export async function destroyKey({ spec, instanceId, client, store, log, now }: KeyHookDeps): Promise<void> {
  const record = await store.readKeyRecord(spec.secretPath);
  if (!record) {
    log.info(`no record at ${spec.secretPath}: nothing to revoke`);
    return;
  }
  if (record.instanceId !== instanceId || record.address !== spec.address) {
    log.info(`${spec.secretPath} holds a newer key (${record.keyId} of ${record.address}, instance ${record.instanceId}): leaving it`);
    return;
  }
  const ctx = hookLifecycleContext(client, store, now);
  try {
    for (const warning of await lifecycle.deleteKey(ctx, keySpecOf(spec, record.serviceAccountId), record.keyId)) log.warn(warning);
  } catch (e) {
    throw new HookError((e as Error).message);
  }
  log.info(`revoked key ${record.keyId}; deleted the secret at ${spec.secretPath}`);
}

function keySpecOf(spec: ApiKeySpec, serviceAccountId: string): lifecycle.KeySpec {
  return {
    address: spec.address,
    api: spec.api,
    serviceAccountId,
    name: spec.name,
    expiresInDays: spec.expiresInDays,
    scopes: spec.scopes,
    type: spec.type,
    store: spec.store,
    secretPath: spec.secretPath,
  };
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
