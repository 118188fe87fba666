/**
 * Pending revocations (`overlapMinutes`): a replaced key stays valid until its due time, recorded in
 * the store beside the secrets, then is revoked by whichever run reaches the store first: a provider
 * run touching any key of that store, or `cdktf-api-keys revoke-due`. Knows the clients and stores.
 */
import type { KeyManagementClient } from "../clients/types";
import type { ApiSpec } from "../spec";
import type { PendingRevocation, SecretStoreBackend } from "../stores/types";

/** What carrying out revocations needs: the store, a client per API, the clock. */
export interface RevocationDeps {
  readonly store: SecretStoreBackend;
  client(api: ApiSpec): KeyManagementClient;
  now(): Date;
  /** Told after a key's revocation, so cached key lists are asked again. */
  changed?(api: ApiSpec, serviceAccountId: string): void;
}

/** What one pass did: each message names the key, its construct and why. */
export interface RevocationReport {
  readonly revoked: readonly PendingRevocation[];
  /** Due but not carried out (no token, the API failed): still recorded, tried again by the next run. */
  readonly failed: readonly { readonly revocation: PendingRevocation; readonly reason: string }[];
  /** Not due yet. */
  readonly waiting: readonly PendingRevocation[];
}

/** Records that `revocation.keyId` is to be revoked at `dueAt` rather than now. */
export async function postponeRevocation(store: SecretStoreBackend, revocation: PendingRevocation): Promise<void> {
  await store.writePendingRevocation(revocation);
}

/**
 * Revokes every pending revocation of the store that is due (or, with `filter`, those it selects
 * whatever their due time), then forgets it. A failure leaves the record for the next run.
 */
export async function carryOutRevocations(
  deps: RevocationDeps,
  filter?: (r: PendingRevocation) => boolean,
  /** The store's pending revocations when the caller has listed them already. */
  listed?: readonly PendingRevocation[],
): Promise<RevocationReport> {
  const now = deps.now().getTime();
  const pending = listed ?? (await deps.store.listPendingRevocations());
  const revoked: PendingRevocation[] = [];
  const failed: { revocation: PendingRevocation; reason: string }[] = [];
  const waiting: PendingRevocation[] = [];
  for (const revocation of pending) {
    const selected = filter ? filter(revocation) : Date.parse(revocation.dueAt) <= now;
    if (!selected) {
      waiting.push(revocation);
      continue;
    }
    try {
      await deps.client(revocation.api).revokeApiKey(revocation.serviceAccountId, revocation.keyId);
      deps.changed?.(revocation.api, revocation.serviceAccountId);
      await deps.store.deletePendingRevocation(revocation.keyId);
      revoked.push(revocation);
    } catch (e) {
      failed.push({ revocation, reason: (e as Error).message });
    }
  }
  return { revoked, failed, waiting };
}

/** The report as lines for people (Terraform warnings, CLI output). */
export function describeRevocations(report: RevocationReport): string[] {
  return [
    ...report.revoked.map((r) => `revoked key ${r.keyId} of ${r.address} (${r.secretPath}): its overlap ended at ${r.dueAt}`),
    ...report.failed.map(
      ({ revocation: r, reason }) =>
        `could not revoke key ${r.keyId} of ${r.address} (${r.secretPath}), due at ${r.dueAt}: ${reason}. It stays recorded; the next run tries again.`,
    ),
  ];
}
