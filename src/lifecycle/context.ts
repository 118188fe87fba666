/**
 * What the key and account life cycles need from whoever runs them (the provider, the CLI, tests): the
 * clock, a client per API, the stores, and cached API lists. Nothing about Terraform or gRPC: the
 * provider's {@link ProviderContext} is one implementation.
 */
import type { ApiKeyInfo, KeyManagementClient, ServiceAccountInfo } from "../clients/types";
import type { ApiSpec, StoreSpec } from "../spec";
import type { SecretStoreBackend } from "../stores/types";

export interface LifecycleContext {
  /** The current time (the test-only clock where it is set). */
  now(): Date;
  /** The client for `api`; throws naming the token's variable when it is not set. */
  client(api: ApiSpec): KeyManagementClient;
  /** The store at `spec`; `identity` when the operation must decrypt (re-encryption). */
  store(spec: StoreSpec, options?: { identity?: boolean }): SecretStoreBackend;
  /** The API's keys of one account, possibly cached until {@link changed}. */
  listKeys(api: ApiSpec, serviceAccountId: string): Promise<ApiKeyInfo[]>;
  /**
   * The account's keys as first listed in this run, never listed again after a change: enough to find
   * keys that earlier runs left behind (each of them is in it), and one call per account per run.
   */
  keysSeenThisRun(api: ApiSpec, serviceAccountId: string): Promise<ApiKeyInfo[]>;
  listAccounts(api: ApiSpec): Promise<ServiceAccountInfo[]>;
  /** Forgets cached lists after a change (one account's keys, or the accounts when no id is given). */
  changed(api: ApiSpec, serviceAccountId?: string): void;
}
