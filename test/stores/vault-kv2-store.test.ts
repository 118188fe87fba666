import { startVaultEmulator, type RunningVaultEmulator, type VaultEmulatorOptions } from "../../src/emulator/vault-kv2-emulator";
import { VaultKv2Store, type VaultKv2StoreOptions } from "../../src/stores/vault-kv2-store";
import { keyRecord, payload, rejection } from "./store-contract";

/** What only Vault has: its layout, its errors, namespaces. The shared behaviour is in store-contract.test.ts. */
describe("VaultKv2Store", () => {
  let vault: RunningVaultEmulator;
  const open = (options: Partial<VaultKv2StoreOptions> = {}) =>
    new VaultKv2Store({ address: vault.url, mount: "secret", pathPrefix: "ci/keys", tokenEnv: "VAULT_TOKEN", token: vault.token, ...options });
  const start = async (options: VaultEmulatorOptions = {}) => {
    vault = await startVaultEmulator(options);
  };
  afterEach(async () => vault?.close());

  test("layout: the payload is the data, the record the custom_metadata, under <mount>/<pathPrefix>/<secretPath>", async () => {
    await start();
    const store = open();
    await store.writeSecret("billing/prod", payload());
    await store.writeKeyRecord("billing/prod", keyRecord({ expiresAt: "2025-04-02T03:04:05.000Z", confirmed: true }));
    const [entry] = vault.inspect().entries;
    expect(entry).toMatchObject({ namespace: "", mount: "secret", path: "ci/keys/billing/prod", currentVersion: 1, data: payload() });
    expect(entry.customMetadata).toEqual({
      "cdktf-api-keys": "key record",
      address: "quickstart/payments/webhook-key",
      instanceId: "key_123",
      keyId: "key_123",
      serviceAccountId: "sa_456",
      name: "Stripe webhook (prod) — ünïcode",
      prefix: "fk_live_5e",
      createdAt: "2025-01-02T03:04:05.000Z",
      expiresAt: "2025-04-02T03:04:05.000Z",
      confirmed: "true",
    });
    expect(JSON.stringify(entry.customMetadata)).not.toContain(payload().value);
  });

  test("writes are check-and-set: a new path with cas 0, an existing one with the version read before", async () => {
    await start();
    const store = open();
    await store.writeSecret("k", payload("first-value-abcdef"));
    await store.writeSecret("k", payload("second-value-abcdef"));
    expect(vault.inspect().entries[0].currentVersion).toBe(2);
    const writes = vault.inspect().requests.filter((r) => r.method === "POST" && r.path.endsWith("/data/ci/keys/k"));
    expect(writes.map((w) => w.status)).toEqual([200, 200]);
  });

  test("delete removes every version and the metadata", async () => {
    await start();
    const store = open();
    await store.writeSecret("k", payload());
    await store.writeSecret("k", payload("another-value-xyz"));
    await store.writeKeyRecord("k", keyRecord());
    await store.deleteSecret("k");
    expect(vault.inspect().entries).toEqual([]);
  });

  test("403: the token is refused or its policy lacks a capability; the message names the paths to grant, never the token", async () => {
    await start();
    const wrong = await rejection(open({ token: "hvs.wrong-token-value" }).hasSecret("k"));
    expect(wrong.message).toMatch(/403 permission denied.*The token in VAULT_TOKEN is invalid or expired, or its policy lacks the capabilities: grant "create", "read", "update", "delete", "list" on "secret\/data\/ci\/keys\/\*" and "secret\/metadata\/ci\/keys\/\*"/);
    expect(wrong.message).not.toContain("hvs.wrong-token-value");
    vault.deny("secret/data/ci/keys/locked");
    const denied = await rejection(open().writeSecret("locked", payload()));
    expect(denied.code).toBe("403");
    expect(denied.message).toMatch(/^cannot write the secret at locked: Vault refused it \(403 permission denied\) for secret\/ci\/keys\/locked/);
    expect(denied.message).not.toContain(vault.token);
  });

  test("503: a sealed Vault is named as such, with how to unseal; nothing is written", async () => {
    await start();
    const store = open();
    await store.hasSecret("k"); // the mount is checked while unsealed
    vault.setSealed(true);
    const error = await rejection(store.writeSecret("k", payload()));
    expect(error.message).toMatch(/Vault at http:\/\/127\.0\.0\.1:\d+ is sealed \(503: Vault is sealed\)\. Unseal it \(`vault operator unseal`\) and apply again; nothing was changed\./);
    vault.setSealed(false);
    expect(await store.hasSecret("k")).toBe(false);
  });

  test("a mount that is not KV version 2, or no mount at all, is named with the fix", async () => {
    await start({ kvV1Mounts: ["legacy"] });
    const v1 = await rejection(open({ mount: "legacy" }).hasSecret("k"));
    expect(v1.message).toMatch(/mount legacy\/ in Vault at \S+ is not a KV version 2 engine \(it is kv version 1\)\. Upgrade it \(`vault kv enable-versioning legacy\/`\)/);
    const none = await rejection(open({ mount: "nothing" }).hasSecret("k"));
    expect(none.message).toMatch(/there is no secrets engine mounted at nothing\/ .* Enable one with `vault secrets enable -path=nothing kv-v2`/);
  });

  test("namespaces: X-Vault-Namespace keeps each namespace's secrets apart", async () => {
    await start();
    await open({ namespace: "team-a" }).writeSecret("k", payload("team-a-value-xyz"));
    expect(await open({ namespace: "team-b" }).hasSecret("k")).toBe(false);
    expect(await open().hasSecret("k")).toBe(false);
    expect((await open({ namespace: "team-a" }).readSecret("k")).value).toBe("team-a-value-xyz");
    expect(vault.inspect().entries.map((e) => e.namespace)).toEqual(["team-a"]);
  });

  test("an address where nothing answers is explained", async () => {
    await start();
    const address = vault.url;
    await vault.close();
    const error = await rejection(open({ address }).hasSecret("k"));
    expect(error.message).toMatch(/Vault at http:\/\/127\.0\.0\.1:\d+ did not answer \(ECONNREFUSED\)\. Check the store's `address` \(VAULT_ADDR\)/);
    vault = await startVaultEmulator(); // for afterEach
  });

  test("a record value over Vault's 512 bytes is refused before anything is written", async () => {
    await start();
    const error = await rejection(open().writeKeyRecord("k", keyRecord({ address: `stack/${"x".repeat(600)}` })));
    expect(error.message).toMatch(/the key record's address is 606 bytes, and Vault keeps at most 512 per custom_metadata value/);
    expect(vault.inspect().entries).toEqual([]);
  });
});
