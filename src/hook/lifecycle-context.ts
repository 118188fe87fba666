/**
 * The shared key life cycle (src/lifecycle) as one hook run sees it: the run's one client and one
 * store, the wall clock, and lists asked fresh (a hook run touches one key).
 */
import type { KeyManagementClient } from "../clients/types";
import type { LifecycleContext } from "../lifecycle/context";
import type { SecretStoreBackend } from "../stores/types";

export function hookLifecycleContext(client: KeyManagementClient, store: SecretStoreBackend, now: () => Date = () => new Date()): LifecycleContext {
  return {
    now,
    client: () => client,
    store: () => store,
    listKeys: (_api, serviceAccountId) => client.listApiKeys(serviceAccountId),
    keysSeenThisRun: (_api, serviceAccountId) => client.listApiKeys(serviceAccountId),
    listAccounts: () => client.listServiceAccounts(),
    changed: () => undefined,
  };
}
