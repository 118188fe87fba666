import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startFaultProxy } from "../support/fault-proxy";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { createAccount, destroyAccount } from "../../src/hook/account-hooks";
import { createKey, destroyKey } from "../../src/hook/key-hooks";
import type { HookLog } from "../../src/hook/log";
import type { ApiKeySpec, ServiceAccountSpec, StoreSpec } from "../../src/spec";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";

/**
 * The hook's create and destroy steps against the real emulator and the real store, without
 * terraform in between: the record rules that keep keys from being orphaned or lost.
 */
describe("hook steps", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let client: KeyManagementClient;
  let store: AgeFileStore;
  let storeSpec: StoreSpec;
  const lines: string[] = [];
  const log: HookLog = { info: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`) };
  const api = () => ({ kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" });
  const active = () => emulator.inspect().apiKeys.filter((k) => k.status === "active");

  beforeEach(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-hook-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    storeSpec = { kind: "age-file", directory: path.join(dir, "secrets"), recipient };
    store = new AgeFileStore({ directory: storeSpec.directory, recipient, identity: readIdentity(path.join(dir, "identity.txt")) });
    client = createClient(api(), emulator.adminToken, { retry: { maxRetries: 0 } });
    lines.length = 0;
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const accountSpec = (name = "owner"): ServiceAccountSpec => ({ kind: "service-account", address: "s/owner", api: api(), name, store: storeSpec });
  const keySpec = (overrides: Partial<ApiKeySpec> = {}): ApiKeySpec => ({
    kind: "api-key",
    address: "s/key",
    api: api(),
    serviceAccount: { address: "s/owner", name: "owner", store: storeSpec },
    name: "k",
    store: storeSpec,
    secretPath: "team/key",
    ...overrides,
  });
  const keyDeps = (spec: ApiKeySpec, instanceId: string) => ({ spec, instanceId, client, store, log, accountStore: () => store });
  const withAccount = async () => createAccount({ spec: accountSpec(), instanceId: "acct-1", client, store, log });

  test("create writes the secret and its record; destroy by the same instance removes both and revokes", async () => {
    await withAccount();
    await createKey({ ...keyDeps(keySpec({ expiresInDays: 7, scopes: ["a:read"] }), "i-1"), now: () => new Date("2030-01-01T00:00:00Z") });
    const payload = await store.readSecret("team/key");
    const record = await store.readKeyRecord("team/key");
    expect(record).toMatchObject({ address: "s/key", instanceId: "i-1", keyId: payload.keyId, name: "k", prefix: payload.value.slice(0, 12) });
    expect(payload.expiresAt).toBe("2030-01-08T00:00:00.000Z");
    expect(await client.authenticates(payload.value)).toBe(true);
    expect(lines.join("\n")).not.toContain(payload.value);

    await destroyKey(keyDeps(keySpec(), "i-1"));
    expect(await client.authenticates(payload.value)).toBe(false);
    expect(await store.readKeyRecord("team/key")).toBeUndefined();
    await expect(store.readSecret("team/key")).rejects.toThrow(/team\/key/);
  });

  test("destroy by an older instance leaves a newer key's secret alone", async () => {
    await withAccount();
    await createKey(keyDeps(keySpec(), "new-instance"));
    await destroyKey(keyDeps(keySpec(), "old-instance"));
    expect(lines.at(-1)).toMatch(/team\/key holds a newer key .*: leaving it/);
    const payload = await store.readSecret("team/key");
    expect(await client.authenticates(payload.value)).toBe(true);
  });

  test("destroy with no record, and destroy run twice, succeed (Terraform retries destroys)", async () => {
    await destroyKey(keyDeps(keySpec(), "i-1"));
    expect(lines.at(-1)).toMatch(/no record at team\/key: nothing to revoke/);
    await withAccount();
    await createKey(keyDeps(keySpec(), "i-1"));
    await destroyKey(keyDeps(keySpec(), "i-1"));
    await destroyKey(keyDeps(keySpec(), "i-1"));
    expect(active()).toHaveLength(0);
  });

  test("a secretPath held by another construct is refused before anything is minted", async () => {
    await withAccount();
    await createKey(keyDeps(keySpec(), "i-1"));
    await expect(createKey(keyDeps(keySpec({ address: "other-stack/key" }), "i-2"))).rejects.toThrow(
      /secretPath "team\/key" already holds the key of s\/key; nothing was minted/,
    );
    expect(emulator.inspect().apiKeys).toHaveLength(1);
  });

  test("a key left by an earlier instance of the same construct is revoked, not orphaned", async () => {
    await withAccount();
    await createKey(keyDeps(keySpec(), "lost-instance"));
    const old = await store.readSecret("team/key");
    await createKey(keyDeps(keySpec(), "i-2"));
    expect(await client.authenticates(old.value)).toBe(false);
    expect(active()).toHaveLength(1);
    expect((await store.readKeyRecord("team/key"))?.instanceId).toBe("i-2");
    expect(lines.join("\n")).toMatch(/warning: revoked key key_\S+ left at team\/key by an earlier instance/);
  });

  test("an unclear create (502 after the server minted) is resolved by the next create through the shared life cycle: one active key, stored", async () => {
    await withAccount();
    const proxy = await startFaultProxy(emulator.url);
    try {
      proxy.when({ method: "POST", path: /\/api-keys$/ }).forwardThen502();
      const proxied = createClient({ ...api(), baseUrl: proxy.url }, emulator.adminToken, { retry: { maxRetries: 0 } });
      await expect(createKey({ ...keyDeps(keySpec(), "i-1"), client: proxied })).rejects.toThrow(/may have created key "k" anyway/);
    } finally {
      await proxy.close();
    }
    expect(active()).toHaveLength(1); // minted, its value never stored
    expect(await store.readMintIntent("team/key")).toBeDefined();
    await createKey(keyDeps(keySpec(), "i-2"));
    const stored = await store.readSecret("team/key");
    expect(active().map((k) => k.id)).toEqual([stored.keyId]);
    expect(await client.authenticates(stored.value)).toBe(true);
    expect(await store.readMintIntent("team/key")).toBeUndefined();
    expect(lines.join("\n")).toMatch(/warning: revoked key key_\S+ \("k"\): an earlier attempt minted it at team\/key but its value was never stored/);
  });

  test("a key for an account without a record fails, saying why", async () => {
    await expect(createKey(keyDeps(keySpec(), "i-1"))).rejects.toThrow(/no record of service account owner \(s\/owner\) in store/);
    expect(emulator.inspect().apiKeys).toHaveLength(0);
  });

  test("a referenced account is used by id", async () => {
    const account = await client.createServiceAccount({ name: "external" });
    await createKey(keyDeps(keySpec({ serviceAccount: { id: account.id } }), "i-1"));
    expect((await store.readKeyRecord("team/key"))?.serviceAccountId).toBe(account.id);
  });

  test("an account name taken outside the stack gets a message pointing to ServiceAccount.fromId", async () => {
    await client.createServiceAccount({ name: "owner" });
    await expect(createAccount({ spec: accountSpec(), instanceId: "a", client, store, log })).rejects.toThrow(
      /an active service account named "owner" already exists .*ServiceAccount.fromId/,
    );
  });

  test("account destroy deletes the account and its record, once, and only for its own instance", async () => {
    await withAccount();
    const record = await store.readAccountRecord("s/owner");
    await destroyAccount({ spec: accountSpec(), instanceId: "someone-else", client, store, log });
    expect(await store.readAccountRecord("s/owner")).toBeDefined();
    await destroyAccount({ spec: accountSpec(), instanceId: "acct-1", client, store, log });
    await destroyAccount({ spec: accountSpec(), instanceId: "acct-1", client, store, log });
    expect(await store.readAccountRecord("s/owner")).toBeUndefined();
    expect(emulator.inspect().serviceAccounts.find((a) => a.id === record!.serviceAccountId)?.deletedAt).toBeTruthy();
  });

  test("an account whose record cannot be written is deleted again", async () => {
    // The real store, with only the record write failing (a full disk is hard to come by in a test).
    const failing = Object.assign(Object.create(store), {
      writeAccountRecord: async () => {
        throw new Error("ENOSPC: no space left on device");
      },
    });
    await expect(createAccount({ spec: accountSpec(), instanceId: "a", client, store: failing, log })).rejects.toThrow(/could not record service account sa_\S+, so it was deleted again: ENOSPC/);
    expect(emulator.inspect().serviceAccounts.filter((a) => !a.deletedAt)).toHaveLength(0);
  });
});
