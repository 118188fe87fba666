/**
 * A key's life against a store that misbehaves, for the fault tests: the Flownally emulator and the
 * Vault KV v2 emulator behind a loopback fault proxy, the real store and client, and a model of what
 * Terraform's state holds across runs (`run`), with the checks every fault test ends with.
 */
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { startVaultEmulator, RunningVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { createKey, deleteKey, KeySpec, RevokedButNotCleanedError } from "../../src/lifecycle/key-lifecycle";
import { ProviderContext } from "../../src/provider/provider-context";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { startFaultProxy, FaultProxy } from "../support/fault-proxy";

export type Operation = "create" | "rotate" | "delete";

export interface World {
  readonly emulator: RunningEmulator;
  readonly vault: RunningVaultEmulator;
  readonly proxy: FaultProxy;
  readonly client: KeyManagementClient;
  /** The store straight at Vault, for the checks (not through the proxy). */
  readonly direct: VaultKv2Store;
  readonly spec: KeySpec;
  /** A fresh provider process, as each terraform run starts one. */
  ctx(env?: Record<string, string>): ProviderContext;
  close(): Promise<void>;
}

export async function world(overlapMinutes: number): Promise<World> {
  const emulator = await startEmulator();
  const vault = await startVaultEmulator();
  const proxy = await startFaultProxy(vault.url);
  const api = { kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" };
  const client = createClient(api, emulator.adminToken);
  const account = await client.createServiceAccount({ name: "owner" });
  const store = { kind: "vault-kv2" as const, address: proxy.url, mount: "secret", pathPrefix: "ci", tokenEnv: "VAULT_TOKEN" };
  const direct = new VaultKv2Store({ ...store, address: vault.url, token: vault.token });
  const spec: KeySpec = { address: "stack/key", api, serviceAccountId: account.id, name: "key", store, secretPath: "team/key", overlapMinutes };
  return {
    emulator,
    vault,
    proxy,
    client,
    direct,
    spec,
    ctx: (env = {}) => {
      const ctx = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, VAULT_TOKEN: vault.token, ...env }, process.cwd());
      ctx.configure(".");
      return ctx;
    },
    close: async () => {
      await proxy.close();
      await vault.close();
      await emulator.close();
    },
  };
}

/** What Terraform's state holds for the key's address: its current object, and a deposed one during a replacement. */
export interface State {
  current?: string;
  deposed?: string;
  /** The current object is kept as revoked: its delete revoked it, then failed to clean up (retried by the next apply). */
  revoked?: boolean;
}

/**
 * One terraform run of `op` from `state`, as the provider sees it (a new process for the plan, one for
 * the apply); updates `state` the way Terraform does, also when a step fails. Returns the error, if any.
 */
export async function run(w: World, op: Operation, state: State): Promise<Error | undefined> {
  try {
    if (op === "create" && state.current === undefined) {
      state.current = (await createKey(w.ctx(), w.spec)).value.id;
    } else if (op === "rotate") {
      if (state.deposed === undefined) {
        const planned = state.current!;
        const replacement = (await createKey(w.ctx(), w.spec)).value.id; // create-before-destroy: the new key first
        state.deposed = planned;
        state.current = replacement;
      }
      await deleteKey(w.ctx(), w.spec, state.deposed);
      state.deposed = undefined;
    } else if (op === "delete" && state.current !== undefined) {
      await deleteKey(w.ctx(), w.spec, state.current);
      state.current = undefined;
    }
    return undefined;
  } catch (e) {
    if (e instanceof RevokedButNotCleanedError) state.revoked = true; // what the resource returns as the state then
    return e as Error;
  }
}

/** The key in state, stored and authenticating; nothing else active but keys in their overlap. */
export async function expectTrue(w: World, state: State, overlapOf: readonly string[] = []): Promise<void> {
  const active = w.emulator
    .inspect()
    .apiKeys.filter((k) => k.status === "active")
    .map((k) => k.id)
    .sort();
  const current = state.revoked ? undefined : state.current;
  // A deposed key may be retired already (the replacement's create retires it): only it may be either.
  const held = [current, ...overlapOf].filter((id): id is string => id !== undefined);
  expect(active.filter((id) => id !== state.deposed)).toEqual([...new Set(held)].sort());
  if (current !== undefined) {
    const payload = await w.direct.readSecret("team/key");
    expect(payload.keyId).toBe(state.current);
    expect(await w.client.authenticates(payload.value)).toBe(true);
    expect((await w.direct.readKeyRecord("team/key"))?.keyId).toBe(state.current);
  } else if (!state.revoked) {
    expect(await w.direct.hasSecret("team/key")).toBe(false);
  }
}

/** The state before `op`: nothing for a create, one key for a rotation or a delete. */
export async function before(w: World, op: Operation): Promise<State> {
  return op === "create" ? {} : { current: (await createKey(w.ctx(), w.spec)).value.id };
}

