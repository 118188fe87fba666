/**
 * What every resource of one provider process shares: where the project is, one API client per API,
 * the stores, short-lived caches of the API's lists (a refresh of 1,000 keys asks once per account,
 * not once per key), and the gate that StopProvider closes.
 */
import * as fs from "fs";
import * as path from "path";
import type { ApiKeyInfo, KeyManagementClient, ServiceAccountInfo } from "../clients/types";
import { clockFrom } from "../clock";
import { PROVIDER_ENV } from "../provider-contract";
import type { ApiSpec, StoreSpec } from "../spec";
import type { SecretStoreBackend } from "../stores/types";
import type { LifecycleContext } from "../lifecycle/context";
import { OperationGate } from "./operation-gate";

export class ProviderContext implements LifecycleContext {
  public readonly gate = new OperationGate();
  private projectDir: string;
  private readonly clients = new Map<string, KeyManagementClient>();
  private readonly keyLists = new Map<string, Promise<ApiKeyInfo[]>>();
  private readonly firstKeyLists = new Map<string, Promise<ApiKeyInfo[]>>();
  private readonly accountLists = new Map<string, Promise<ServiceAccountInfo[]>>();
  private readonly onceResults = new Map<string, Promise<unknown>>();
  private readonly stores = new Map<string, SecretStoreBackend>();
  private readonly clock: () => Date;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
  ) {
    this.projectDir = cwd;
    let clock: () => Date;
    try {
      clock = clockFrom(env);
    } catch (e) {
      clock = () => {
        throw e; // reported by the first operation that needs the time, as a diagnostic
      };
    }
    this.clock = clock;
  }

  /** ConfigureProvider: `project_dir` is relative to Terraform's working directory (the stack directory). */
  public configure(projectDirFromStack: string | undefined): void {
    const override = this.env[PROVIDER_ENV.projectDir];
    this.projectDir = path.resolve(this.cwd, override || projectDirFromStack || ".");
  }

  /** The wall clock, unless the test-only `CDKTF_API_KEYS_TEST_NOW` moves it (src/clock.ts). */
  public now(): Date {
    return this.clock();
  }

  /**
   * Runs `work` the first time `key` is asked for in this process; later callers get `undefined` (the
   * first caller reports what it did). A failure is reported once too.
   */
  public async once<T>(key: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.onceResults.has(key)) return undefined;
    const result = work();
    this.onceResults.set(key, result.catch(() => undefined));
    return result;
  }

  /** The client for `api`, with the token from the variable the configuration names. */
  public client(api: ApiSpec): KeyManagementClient {
    const key = apiKey(api);
    let client = this.clients.get(key);
    if (!client) {
      const token = this.env[api.tokenEnv];
      if (!token) {
        throw new Error(
          `The environment variable ${api.tokenEnv} is not set. Export the admin token for ${api.baseUrl} in ${api.tokenEnv} ` +
            "before running terraform: the configuration names the variable, never the token.",
        );
      }
      const seconds = Number(this.env[PROVIDER_ENV.requestTimeout] ?? "");
      client = clients().createClient(api, token, seconds > 0 ? { timeoutMs: seconds * 1000 } : {});
      this.clients.set(key, client);
    }
    return client;
  }

  /** The store a resource writes to (only the recipient: reading a secret is for re-encrypting, and for {@link reader}). */
  public store(spec: StoreSpec, options: { identity?: boolean } = {}): SecretStoreBackend {
    if (options.identity) return stores().openStore(spec, this.projectDir, this.identity(), this.env);
    // One store per location and process: a Vault store checks its mount once, an AWS one builds one SDK client.
    const key = `${this.projectDir}\n${JSON.stringify(spec)}`;
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = stores().openStore(spec, this.projectDir, undefined, this.env)));
    return store;
  }

  /** The API's keys of one account, asked once per process until something changes them. */
  public listKeys(api: ApiSpec, serviceAccountId: string): Promise<ApiKeyInfo[]> {
    const key = `${apiKey(api)}\n${serviceAccountId}`;
    let list = this.keyLists.get(key);
    if (!list) {
      list = this.client(api).listApiKeys(serviceAccountId);
      list.catch(() => this.keyLists.delete(key));
      this.keyLists.set(key, list);
    }
    return list;
  }

  public keysSeenThisRun(api: ApiSpec, serviceAccountId: string): Promise<ApiKeyInfo[]> {
    const key = `${apiKey(api)}\n${serviceAccountId}`;
    let list = this.firstKeyLists.get(key);
    if (!list) {
      list = this.listKeys(api, serviceAccountId);
      list.catch(() => this.firstKeyLists.delete(key));
      this.firstKeyLists.set(key, list);
    }
    return list;
  }

  public listAccounts(api: ApiSpec): Promise<ServiceAccountInfo[]> {
    const key = apiKey(api);
    let list = this.accountLists.get(key);
    if (!list) {
      list = this.client(api).listServiceAccounts();
      list.catch(() => this.accountLists.delete(key));
      this.accountLists.set(key, list);
    }
    return list;
  }

  /** Forgets cached lists after a change (a key minted or revoked, an account created or deleted). */
  public changed(api: ApiSpec, serviceAccountId?: string): void {
    if (serviceAccountId !== undefined) this.keyLists.delete(`${apiKey(api)}\n${serviceAccountId}`);
    else this.accountLists.delete(apiKey(api));
  }

  /**
   * The store to read a secret's value from (the `apikeys_secret` ephemeral resource): an age file store
   * with the identity that decrypts it; Vault and Secrets Manager with their read credentials.
   */
  public reader(spec: StoreSpec, secretPath: string): SecretStoreBackend {
    if (spec.kind !== "age-file") return this.store(spec);
    const identity = this.identity(
      `Opening the secret at secretPath "${secretPath}" needs the identity that decrypts the age file store: set ${PROVIDER_ENV.identity} ` +
        "to the identity file (e.g. .keys/identity.txt, relative to the project directory) in the environment of terraform plan and apply.",
    );
    return stores().openStore(spec, this.projectDir, identity, this.env);
  }

  private identity(
    missing = `Re-encrypting a stored secret to a new recipient needs the current identity: set ${PROVIDER_ENV.identity} to the ` +
      "identity file that decrypts the store (e.g. .keys/identity.txt) and apply again. Nothing was changed.",
  ): string {
    const file = this.env[PROVIDER_ENV.identity];
    if (!file) throw new Error(missing);
    const resolved = path.resolve(this.projectDir, file);
    if (!fs.existsSync(resolved)) throw new Error(`${PROVIDER_ENV.identity} names ${resolved}, which does not exist.`);
    return stores().readIdentity(resolved);
  }
}

const apiKey = (api: ApiSpec): string => `${api.kind} ${api.baseUrl} ${api.environmentId ?? ""} ${api.tokenEnv}`;

// The clients (axios) and the stores load on first use, after the handshake: Terraform starts the
// provider four times per apply, and some of those starts never call the API (see ./runtime).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtime = (): typeof import("./runtime") => require("./runtime");
const clients = runtime;
const stores = runtime;
