import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { createKey, deleteKey, generationOf, KeySpec, keyStatus, reencryptKey, RevokedButNotCleanedError } from "../../src/lifecycle/key-lifecycle";
import type { KeyRecord } from "../../src/stores/types";
import { ProviderContext } from "../../src/provider/provider-context";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";

/**
 * The provider's key life cycle against the real emulator and the real store, without terraform:
 * what an earlier attempt left behind is resolved before anything new is minted.
 */
describe("key life cycle (provider engine)", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let ctx: ProviderContext;
  let client: KeyManagementClient;
  let store: AgeFileStore;
  let spec: KeySpec;
  const active = () => emulator.inspect().apiKeys.filter((k) => k.status === "active");

  beforeEach(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-lifecycle-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    ctx = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken }, dir);
    ctx.configure(".");
    const api = { kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" };
    client = createClient(api, emulator.adminToken);
    const account = await client.createServiceAccount({ name: "owner" });
    store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient, identity: readIdentity(path.join(dir, "identity.txt")) });
    spec = { address: "stack/key", api, serviceAccountId: account.id, name: "key", store: { kind: "age-file", directory: "secrets", recipient }, secretPath: "team/key" };
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("create stores the value with its record and leaves no intent", async () => {
    const { value } = await createKey(ctx, spec);
    const payload = await store.readSecret("team/key");
    expect(payload.keyId).toBe(value.id);
    expect(await client.authenticates(payload.value)).toBe(true);
    expect(await store.readMintIntent("team/key")).toBeUndefined();
    expect(await store.readKeyRecord("team/key")).toMatchObject({ keyId: value.id, address: "stack/key" });
    expect(await keyStatus(ctx, spec, value)).toBe("active");
  });

  test("generation: 1 at an empty path, the previous record's plus one at each new key, and the refresh sees the record's", async () => {
    const first = await createKey(ctx, spec);
    const second = await createKey(ctx, spec);
    expect([first.value.generation, second.value.generation]).toEqual([1, 2]);
    expect((await store.readKeyRecord("team/key"))?.generation).toBe(2);
    const found: { record?: KeyRecord } = {};
    expect(await keyStatus(ctx, spec, second.value, found)).toBe("active");
    expect(generationOf(found.record)).toBe(2);
    // A record written before generations counts as 1: the next key is 2, a change a consumer sees.
    const { generation: _dropped, ...older } = found.record!;
    await store.writeKeyRecord("team/key", older);
    expect(generationOf(await store.readKeyRecord("team/key"))).toBe(1);
    expect((await createKey(ctx, spec)).value.generation).toBe(2);
    expect(generationOf(undefined)).toBe(0);
  });

  test("an intent left by an unclear attempt: its stray key is revoked before a new one is minted", async () => {
    const startedAt = new Date().toISOString();
    const stray = await client.createApiKey(spec.serviceAccountId, { name: "key" }); // minted, value lost
    await store.writeMintIntent("team/key", { address: "stack/key", serviceAccountId: spec.serviceAccountId, name: "key", startedAt });
    const { value, warnings } = await createKey(ctx, spec);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`revoked key ${stray.info.id} \\("key"\\): an earlier attempt minted it at team/key but its value was never stored`))]);
    expect(active().map((k) => k.id)).toEqual([value.id]);
  });

  test("a key stored by a create whose result never reached the state is retired by the next create: one active key", async () => {
    const first = await createKey(ctx, spec);
    const again = await createKey(ctx, spec);
    expect(again.value.id).not.toBe(first.value.id);
    expect(again.warnings).toEqual([`revoked key ${first.value.id} (replaced at its path)`]);
    expect(active().map((k) => k.id)).toEqual([again.value.id]);
    expect((await store.readSecret("team/key")).keyId).toBe(again.value.id);
  });

  test("a lost state: a key applied long ago, refreshed many times, is retired by the next create, not duplicated", async () => {
    const first = await createKey(ctx, spec);
    for (let i = 0; i < 3; i++) expect(await keyStatus(new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken }, dir), spec, first.value)).toBe("active");
    const again = await createKey(new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken }, dir), spec); // the state file is gone
    expect(active().map((k) => k.id)).toEqual([again.value.id]);
  });

  test("a replacement (the old key still in state): the create retires it, and the old object's delete leaves the new secret", async () => {
    const first = await createKey(ctx, spec);
    const second = await createKey(ctx, spec);
    expect(active().map((k) => k.id)).toEqual([second.value.id]);
    await deleteKey(ctx, spec, first.value.id); // the deposed object's delete: idempotent, the path holds the new key
    expect(active().map((k) => k.id)).toEqual([second.value.id]);
    expect((await store.readSecret("team/key")).keyId).toBe(second.value.id);
  });

  test("a renamed construct of the same stack takes the path over and retires the old key", async () => {
    const old = await createKey(ctx, spec);
    const renamed = await createKey(ctx, { ...spec, address: "stack/renamed" });
    expect(renamed.warnings).toEqual([expect.stringMatching(new RegExp(`revoked key ${old.value.id} of stack/key, which held team/key before`))]);
    expect(active().map((k) => k.id)).toEqual([renamed.value.id]);
  });

  test("a path held by another stack is refused before anything is minted", async () => {
    await createKey(ctx, spec);
    await expect(createKey(ctx, { ...spec, address: "other-stack/key" })).rejects.toThrow(
      /secret_path "team\/key" in store secrets holds key key_\w+, which belongs to stack\/key, another stack. Nothing was changed/,
    );
    expect(active()).toHaveLength(1);
  });

  test("two stacks racing for one new secret path: exactly one mints, the other is refused", async () => {
    const results = await Promise.allSettled([createKey(ctx, spec), createKey(ctx, { ...spec, address: "other-stack/key" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [refused] = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(String(refused.reason)).toMatch(/another apply is minting a key at secretPath "team\/key"|claimed by .*another stack|holds the key of .*another stack/);
    expect(active()).toHaveLength(1);
    expect(await store.readMintIntent("team/key")).toBeUndefined();
  });

  test("a new recipient re-encrypts the stored value in place, with the current identity; nothing is minted", async () => {
    const { value } = await createKey(ctx, spec);
    const newRecipient = await generateIdentityFiles(path.join(dir, "new-identity.txt"), path.join(dir, "new-recipient.txt"));
    const moved = { ...spec, store: { ...spec.store, recipient: newRecipient } };
    await expect(reencryptKey(ctx, moved, value.id)).rejects.toThrow(/needs the current identity: set CDKTF_API_KEYS_IDENTITY/);

    const withIdentity = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, CDKTF_API_KEYS_IDENTITY: "identity.txt" }, dir);
    withIdentity.configure(".");
    await reencryptKey(withIdentity, moved, value.id);
    const reader = new AgeFileStore({ directory: path.join(dir, "secrets"), identity: readIdentity(path.join(dir, "new-identity.txt")) });
    const payload = await reader.readSecret("team/key");
    expect(payload.keyId).toBe(value.id);
    expect(await client.authenticates(payload.value)).toBe(true);
    await expect(store.readSecret("team/key")).rejects.toThrow(); // the old identity no longer decrypts it
    expect(active()).toHaveLength(1);
  });

  test("status reports a missing secret and a revoked key", async () => {
    const { value } = await createKey(ctx, spec);
    fs.rmSync(path.join(dir, "secrets/team/key.age"));
    expect(await keyStatus(ctx, spec, value)).toBe("secret_missing");
    await client.revokeApiKey(spec.serviceAccountId, value.id);
    ctx.changed(spec.api, spec.serviceAccountId);
    expect(await keyStatus(ctx, spec, value)).toBe("revoked");
  });

  test("delete is idempotent, and a failed secret removal after the revoke says so", async () => {
    const { value } = await createKey(ctx, spec);
    const secretFile = path.join(dir, "secrets/team/key.age");
    fs.rmSync(secretFile);
    fs.mkdirSync(path.join(secretFile, "in-the-way"), { recursive: true });
    await expect(deleteKey(ctx, spec, value.id)).rejects.toThrow(RevokedButNotCleanedError);
    expect(active()).toHaveLength(0);
    fs.rmSync(secretFile, { recursive: true });
    await deleteKey(ctx, spec, value.id);
    await deleteKey(ctx, spec, value.id);
    expect(fs.existsSync(path.join(dir, "secrets/team"))).toBe(false);
  });

  test("after StopProvider no new key is minted", async () => {
    await ctx.gate.stop();
    await expect(ctx.gate.run("minting key", () => createKey(ctx, spec))).rejects.toThrow(/Terraform is stopping .*minting key was not started/);
    expect(active()).toHaveLength(0);
  });
});
