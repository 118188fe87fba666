import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { createKey, deleteKey, generationOf, KeySpec, keyStatus, reencryptKey, RevokedButNotCleanedError } from "../../src/lifecycle/key-lifecycle";
import type { KeyRecord } from "../../src/stores/types";
import { valueFingerprint } from "../../src/lifecycle/stored-key";
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

  test("the record carries the secret's version and the value's fingerprint, and a re-encryption moves the version with the secret", async () => {
    const { value } = await createKey(ctx, spec);
    const record = await store.readKeyRecord("team/key");
    const payload = await store.readSecret("team/key");
    expect(record).toEqual(expect.objectContaining({ keyId: value.id, secretVersion: await store.secretVersion("team/key"), fingerprint: valueFingerprint(payload.value) }));
    expect(record?.pending).toBeUndefined();
    expect(record?.previous).toBeUndefined();
    expect(record?.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);

    const newRecipient = await generateIdentityFiles(path.join(dir, "new-identity.txt"), path.join(dir, "new-recipient.txt"));
    const moved = { ...spec, store: { ...spec.store, recipient: newRecipient } };
    const withIdentity = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, CDKTF_API_KEYS_IDENTITY: "identity.txt" }, dir);
    withIdentity.configure(".");
    await reencryptKey(withIdentity, moved, value.id);
    const after = await store.readKeyRecord("team/key");
    expect(after?.secretVersion).toBe(await store.secretVersion("team/key"));
    expect(after?.secretVersion).not.toBe(record?.secretVersion);
    expect(after).toEqual({ ...record, secretVersion: after?.secretVersion });
    expect(await keyStatus(ctx, moved, value)).toBe("active");
  });

  test("a re-encryption refuses a secret that does not hold the key's value (another writer's), and writes nothing", async () => {
    const { value } = await createKey(ctx, spec);
    const stored = await store.readSecret("team/key");
    await store.writeSecret("team/key", { ...stored, value: "fln_someone-else-wrote-this-value" });
    const bytes = fs.readFileSync(path.join(dir, "secrets/team/key.age"));
    expect(await keyStatus(ctx, spec, value)).toBe("secret_changed");
    const newRecipient = await generateIdentityFiles(path.join(dir, "new-identity.txt"), path.join(dir, "new-recipient.txt"));
    const withIdentity = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, CDKTF_API_KEYS_IDENTITY: "identity.txt" }, dir);
    withIdentity.configure(".");
    const moved = { ...spec, store: { ...spec.store, recipient: newRecipient } };
    await expect(reencryptKey(withIdentity, moved, value.id)).rejects.toThrow(
      /the secret at team\/key does not hold key \S+'s value .*not re-encrypted.*secret_changed/,
    );
    expect(fs.readFileSync(path.join(dir, "secrets/team/key.age"))).toEqual(bytes);
  });

  test("a record written before versions were kept (no secretVersion) is accepted as it is: not checked against the secret", async () => {
    const { value } = await createKey(ctx, spec);
    const { secretVersion: _v, fingerprint: _f, ...legacy } = (await store.readKeyRecord("team/key"))!;
    await store.writeKeyRecord("team/key", legacy);
    expect(await keyStatus(ctx, spec, value)).toBe("active");
    const again = await createKey(ctx, spec); // a replacement writes a versioned record
    expect((await store.readKeyRecord("team/key"))?.secretVersion).toBe(await store.secretVersion("team/key"));
    expect(active().map((k) => k.id)).toEqual([again.value.id]);
  });

  test("a create killed after its pending record, before its secret landed: the path still holds the old key, and the next create revokes the one it minted", async () => {
    const old = await createKey(ctx, spec);
    const before = (await store.readKeyRecord("team/key"))!;
    const bytes = fs.readFileSync(path.join(dir, "secrets/team/key.age"));
    const minted = await client.createApiKey(spec.serviceAccountId, { name: "key" }); // its create was killed here
    const prepared = await store.prepareSecret("team/key", { value: minted.value, keyId: minted.info.id, serviceAccountId: spec.serviceAccountId, name: "key", createdAt: minted.info.createdAt, expiresAt: null });
    await store.writeKeyRecord("team/key", { ...before, keyId: minted.info.id, instanceId: minted.info.id, secretVersion: prepared.version, pending: true, previous: before });
    // The refresh reads the pending record as the old one: the secret still holds the old key, untouched.
    expect(await keyStatus(ctx, spec, old.value)).toBe("active");
    expect(fs.readFileSync(path.join(dir, "secrets/team/key.age"))).toEqual(bytes);

    const next = await createKey(ctx, spec); // the replacement the next apply makes
    expect(next.warnings).toEqual(
      expect.arrayContaining([`revoked key ${minted.info.id}: an earlier create minted it for team/key, but its value never landed there`, `revoked key ${old.value.id} (replaced at its path)`]),
    );
    expect(active().map((k) => k.id)).toEqual([next.value.id]);
    expect(await store.readKeyRecord("team/key")).toEqual(expect.objectContaining({ keyId: next.value.id, secretVersion: await store.secretVersion("team/key") }));
    expect((await store.readKeyRecord("team/key"))?.pending).toBeUndefined();
  });

  test("a create killed after its secret landed, before its record was finished or the state saved: the refresh shows drift, the next create retires both earlier keys", async () => {
    const old = await createKey(ctx, spec);
    const before = (await store.readKeyRecord("team/key"))!;
    const minted = await client.createApiKey(spec.serviceAccountId, { name: "key" });
    const prepared = await store.prepareSecret("team/key", { value: minted.value, keyId: minted.info.id, serviceAccountId: spec.serviceAccountId, name: "key", createdAt: minted.info.createdAt, expiresAt: null });
    await store.writeKeyRecord("team/key", { ...before, keyId: minted.info.id, instanceId: minted.info.id, secretVersion: prepared.version, pending: true, previous: before });
    await prepared.write(); // killed here
    expect(await keyStatus(ctx, spec, old.value)).toBe("secret_missing"); // its value is gone from the path
    expect(await keyStatus(ctx, spec, { ...old.value, id: minted.info.id })).toBe("active"); // the path holds the new one

    const next = await createKey(ctx, spec);
    expect(next.warnings).toEqual(
      expect.arrayContaining([
        `revoked key ${old.value.id} (an earlier create stored key ${minted.info.id} over it at team/key but did not finish)`,
        `revoked key ${minted.info.id} (replaced at its path)`,
      ]),
    );
    expect(active().map((k) => k.id)).toEqual([next.value.id]);
    const payload = await store.readSecret("team/key");
    expect(payload.keyId).toBe(next.value.id);
    expect(await client.authenticates(payload.value)).toBe(true);
  });

  test("an old value put back (a restored backup of the secret file) shows as secret_changed, not active", async () => {
    const first = await createKey(ctx, spec);
    const backup = fs.readFileSync(path.join(dir, "secrets/team/key.age"));
    const second = await createKey(ctx, spec);
    fs.writeFileSync(path.join(dir, "secrets/team/key.age"), backup);
    expect(await client.authenticates((await store.readSecret("team/key")).value)).toBe(false); // the first key, revoked
    expect(await keyStatus(ctx, spec, second.value)).toBe("secret_changed");
    expect(await keyStatus(ctx, spec, first.value)).toBe("revoked");
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
