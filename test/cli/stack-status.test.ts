import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import type { StackState, StateKey } from "../../src/cli/stack-state";
import { stackHealth } from "../../src/cli/stack-status";
import { sourcesFor } from "../../src/cli/status-command";
import { startEmulator, type RunningEmulator } from "../../src/emulator/start-emulator";
import type { ApiSpec, StoreSpec } from "../../src/spec";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { makeTempDir, newKeyPair, removeTempDirs, sampleKeyRecord } from "../stores/age-test-kit";

/**
 * `stackHealth` against a real emulator and a real age file store, with the state given directly (the
 * e2e tests read it through terraform): how orphans are looked for on an API whose key list is global.
 */
let emulator: RunningEmulator;
let api: ApiSpec;
let client: KeyManagementClient;
let projectDir: string;
let store: StoreSpec;

beforeEach(async () => {
  emulator = await startEmulator({ api: "flexprice" });
  api = { kind: "flexprice", baseUrl: emulator.url, tokenEnv: "FLEXPRICE_TOKEN" };
  client = createClient(api, emulator.adminToken);
  projectDir = makeTempDir();
  store = { kind: "age-file", directory: "secrets", recipient: (await newKeyPair()).recipient };
});
afterEach(async () => {
  await emulator.close();
  removeTempDirs();
});

function stateKey(id: string, serviceAccountId: string, name: string, overrides: Partial<StateKey> = {}): StateKey {
  return {
    terraformAddress: `apikeys_api_key.key_${name}`,
    address: `stack/${name}`,
    id,
    name,
    api,
    serviceAccountId,
    store,
    secretPath: `svc/${name}`,
    createdAt: new Date().toISOString(),
    expiresAt: null,
    type: "private_key",
    status: "active",
    ...overrides,
  };
}

const env = () => ({ FLEXPRICE_TOKEN: emulator.adminToken });

test("Flexprice: only keys named like the stack's count as orphans, once, with no account; known and publishable ones do not", async () => {
  // GIVEN two accounts of the stack, a key of each in the state, one known only by its record, one
  // pending revocation, and keys made out of band: one named like a stack key, others not
  const billing = await client.createServiceAccount({ name: "billing", roles: ["all_reader"] });
  const web = await client.createServiceAccount({ name: "web", roles: ["all_reader"] });
  const inState = await client.createApiKey(billing.id, { name: "billing" });
  const webKey = await client.createApiKey(web.id, { name: "web", type: "publishable_key" });
  const recorded = await client.createApiKey(billing.id, { name: "billing" });
  const pending = await client.createApiKey(billing.id, { name: "billing" });
  const stray = await client.createApiKey(billing.id, { name: "billing" });
  await client.createApiKey(billing.id, { name: "someone-elses" });
  await client.createApiKey(web.id, { name: "web" }); // a private key named like the stack's publishable one
  const revoked = await client.createApiKey(billing.id, { name: "billing" });
  await client.revokeApiKey(billing.id, revoked.info.id);
  const files = new AgeFileStore({ directory: `${projectDir}/secrets`, recipient: (store as { recipient: string }).recipient });
  await files.writeKeyRecord("svc/old", sampleKeyRecord({ keyId: recorded.info.id, serviceAccountId: billing.id, name: "billing" }));
  await files.writePendingRevocation({
    keyId: pending.info.id,
    serviceAccountId: billing.id,
    api,
    address: "stack/billing",
    secretPath: "svc/billing",
    name: "billing",
    dueAt: new Date(Date.now() + 3_600_000).toISOString(),
    recordedAt: new Date().toISOString(),
  });
  const state: StackState = {
    keys: [stateKey(inState.info.id, billing.id, "billing"), stateKey(webKey.info.id, web.id, "web", { type: "publishable_key" })],
    accounts: [],
    configuredKeys: [{ name: "billing", type: "private_key" }, { name: "web", type: "publishable_key" }],
    projectDir,
  };

  // WHEN
  const health = await stackHealth(state, sourcesFor(state, env(), new Date()));

  // THEN
  expect(health.orphans).toEqual([expect.objectContaining({ id: stray.info.id, name: "billing", serviceAccountId: null, api: emulator.url })]);
  expect(health.summary).toMatchObject({ orphans: 1, ok: false });
});

test("a store whose key records cannot be listed: no orphans are reported, and a note says why", async () => {
  // GIVEN a key of the stack's account that nothing names, and a store that fails to list its records
  const account = await client.createServiceAccount({ name: "billing", roles: ["all_reader"] });
  const inState = await client.createApiKey(account.id, { name: "billing" });
  await client.createApiKey(account.id, { name: "billing" });
  const state: StackState = { keys: [stateKey(inState.info.id, account.id, "billing")], accounts: [], configuredKeys: [], projectDir };
  const real = sourcesFor(state, env(), new Date());
  const sources = {
    ...real,
    store: (spec: StoreSpec) => Object.assign(Object.create(real.store(spec)), { listKeyRecords: () => Promise.reject(new Error("access denied")) }),
  };

  // WHEN
  const health = await stackHealth(state, sources);

  // THEN
  expect(health.orphans).toEqual([]);
  expect(health.notes).toEqual([
    expect.stringMatching(/^cannot list the key records of the store .*: access denied$/),
    expect.stringMatching(/^orphaned keys were not looked for: /),
  ]);
});

test("a deposed key that is no longer live (Flexprice forgets revoked keys) is shown, and is no problem", async () => {
  const account = await client.createServiceAccount({ name: "billing", roles: ["all_reader"] });
  const current = await client.createApiKey(account.id, { name: "billing" });
  const old = await client.createApiKey(account.id, { name: "billing" });
  await client.revokeApiKey(account.id, old.info.id);
  const state: StackState = {
    keys: [stateKey(current.info.id, account.id, "billing"), stateKey(old.info.id, account.id, "billing", { deposed: "0badcafe" })],
    accounts: [],
    configuredKeys: [],
    projectDir,
  };

  const health = await stackHealth(state, sourcesFor(state, env(), new Date()));

  expect(health.keys[1]).toMatchObject({ deposed: "0badcafe", id: old.info.id, live: "missing", problems: [], drifted: false });
  expect(health.summary).toMatchObject({ keys: 2, deposed: 0, orphans: 0 });
});
