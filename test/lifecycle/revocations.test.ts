import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { createKey, deleteKey, KeySpec } from "../../src/lifecycle/key-lifecycle";
import { carryOutRevocations, describeRevocations } from "../../src/lifecycle/revocations";
import { ProviderContext } from "../../src/provider/provider-context";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { TEST_CLOCK_ENV } from "../../src/clock";
import type { FactorySnapshot } from "../../src/emulator/factory-emulator";
import { startFaultProxy } from "../support/fault-proxy";

/**
 * Pending revocations against the real emulator and the real store: a replaced key with an overlap
 * is recorded, not revoked; a run after its due time revokes it; a failure keeps it recorded.
 */
describe("pending revocations (overlapMinutes)", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let client: KeyManagementClient;
  let store: AgeFileStore;
  let spec: KeySpec;
  const ctxAt = (env: Record<string, string> = {}) => {
    const ctx = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, ...env }, dir);
    ctx.configure(".");
    return ctx;
  };
  const deps = (ctx: ProviderContext) => ({ store, client: (api: KeySpec["api"]) => ctx.client(api), now: () => ctx.now() });
  const valueOf = async () => (await store.readSecret("team/key")).value;

  beforeEach(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-revocations-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const api = { kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" };
    client = createClient(api, emulator.adminToken);
    const account = await client.createServiceAccount({ name: "owner" });
    store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient, identity: readIdentity(path.join(dir, "identity.txt")) });
    spec = { address: "stack/key", api, serviceAccountId: account.id, name: "key", store: { kind: "age-file", directory: "secrets", recipient }, secretPath: "team/key", overlapMinutes: 30 };
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Create, then replace create-first: the old key's delete runs after the new key is stored. */
  const replaceOnce = async () => {
    const ctx = ctxAt();
    const { value: old } = await createKey(ctx, spec);
    const oldValue = await valueOf();
    const { value: replacement } = await createKey(ctx, spec);
    const warnings = await deleteKey(ctx, spec, old.id);
    return { old, oldValue, replacement, warnings };
  };

  test("the replaced key's delete records its revocation, due after the overlap; the key keeps working", async () => {
    const { old, oldValue, replacement, warnings } = await replaceOnce();
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`key ${old.id} \\(replaced\\) stays valid until \\S+ \\(overlapMinutes = 30\\); its revocation is recorded as pending`))]);
    expect(await client.authenticates(oldValue)).toBe(true);
    expect((await store.readSecret("team/key")).keyId).toBe(replacement.id);
    const [pending] = await store.listPendingRevocations();
    expect(pending).toMatchObject({ keyId: old.id, address: "stack/key", secretPath: "team/key", api: { kind: "flownally", tokenEnv: "FLOWNALLY_TOKEN" } });
    const overlap = Date.parse(pending.dueAt) - Date.parse(pending.recordedAt);
    expect(overlap).toBe(30 * 60_000);
  });

  test("before the due time nothing happens; after it the key is revoked and the record forgotten", async () => {
    const { old, oldValue } = await replaceOnce();
    const early = await carryOutRevocations(deps(ctxAt({ [TEST_CLOCK_ENV]: "+29m" })));
    expect(early.revoked).toEqual([]);
    expect(early.waiting.map((r) => r.keyId)).toEqual([old.id]);
    expect(await client.authenticates(oldValue)).toBe(true);
    const due = await carryOutRevocations(deps(ctxAt({ [TEST_CLOCK_ENV]: "+31m" })));
    expect(due.revoked.map((r) => r.keyId)).toEqual([old.id]);
    expect(describeRevocations(due)).toEqual([expect.stringMatching(new RegExp(`^revoked key ${old.id} of stack/key \\(team/key\\): its overlap ended at `))]);
    expect(await client.authenticates(oldValue)).toBe(false);
    expect(await store.listPendingRevocations()).toEqual([]);
  });

  test("without the token a due revocation fails, says which variable, and stays recorded for the next run", async () => {
    const { old, oldValue } = await replaceOnce();
    const noToken = new ProviderContext({ [TEST_CLOCK_ENV]: "+31m" }, dir);
    noToken.configure(".");
    const report = await carryOutRevocations(deps(noToken));
    expect(report.failed).toHaveLength(1);
    expect(describeRevocations(report)[0]).toMatch(new RegExp(`could not revoke key ${old.id} .*FLOWNALLY_TOKEN is not set.*It stays recorded; the next run tries again`));
    expect((await store.listPendingRevocations()).map((r) => r.keyId)).toEqual([old.id]);
    expect(await client.authenticates(oldValue)).toBe(true);
  });

  test("destroying the key revokes its path's earlier keys still in their overlap: nothing is left pending", async () => {
    const { oldValue, replacement } = await replaceOnce();
    const warnings = await deleteKey(ctxAt(), spec, replacement.id);
    expect(warnings).toEqual([expect.stringMatching(/an earlier key of stack\/key at team\/key still in its overlap/)]);
    expect(await client.authenticates(oldValue)).toBe(false);
    expect(await store.listPendingRevocations()).toEqual([]);
    expect(await store.hasSecret("team/key")).toBe(false);
  });

  test("without an overlap the replaced key is revoked at once", async () => {
    spec = { ...spec, overlapMinutes: 0 };
    const { old, oldValue, warnings } = await replaceOnce();
    expect(warnings).toEqual([`revoked key ${old.id} (replaced)`]);
    expect(await client.authenticates(oldValue)).toBe(false);
    expect(await store.listPendingRevocations()).toEqual([]);
  });
});

/** Factory rotates keys itself; the provider uses that only when a grace period covers the overlap. */
describe("Factory replacements", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let spec: KeySpec;
  let ctx: ProviderContext;

  beforeEach(async () => {
    emulator = await startEmulator({ api: "factory" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-factory-rotation-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const api = { kind: "factory" as const, baseUrl: emulator.url, tokenEnv: "FACTORY_TOKEN" };
    ctx = new ProviderContext({ FACTORY_TOKEN: emulator.adminToken }, dir);
    ctx.configure(".");
    const accountId = emulator.inspect().serviceAccounts[0].id;
    spec = { address: "stack/key", api, serviceAccountId: accountId, name: "deploy", store: { kind: "age-file", directory: "secrets", recipient }, secretPath: "ci/deploy" };
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const keysNow = () => (emulator.inspect() as FactorySnapshot).apiKeys;
  const replace = async () => {
    const { value: old } = await createKey(ctx, spec);
    const { value: replacement, warnings } = await createKey(ctx, spec);
    return { old, replacement, warnings };
  };

  test("an overlap of 1 to 10 minutes: the rotate endpoint, with that grace period", async () => {
    spec = { ...spec, overlapMinutes: 3 };
    const { old, replacement, warnings } = await replace();
    expect(warnings).toEqual([
      `rotated key ${old.id} with the API's rotate endpoint; it stays valid for 3 more minutes`,
      expect.stringMatching(new RegExp(`^key ${old.id} \\(replaced at its path\\) stays valid until \\S+ \\(overlapMinutes = 3\\); its revocation is recorded as pending`)), // a backstop
    ]);
    const oldKey = keysNow().find((k) => k.id === old.id)!;
    expect(oldKey.replacedBy).toBe(replacement.id);
    expect(Date.parse(oldKey.revokedAt!) - Date.now()).toBeGreaterThan(2 * 60_000);
  });

  test("a rotation whose answer was lost (a 502 after Factory rotated): the next create resolves Factory's 409 and stores a working key", async () => {
    spec = { ...spec, overlapMinutes: 3 };
    const { value: old } = await createKey(ctx, spec);
    const proxy = await startFaultProxy(emulator.url);
    try {
      proxy.when({ method: "POST", path: /\/rotate$/ }).forwardThen502();
      const viaProxy = { ...spec, api: { ...spec.api, baseUrl: proxy.url } };
      const proxied = new ProviderContext({ FACTORY_TOKEN: emulator.adminToken }, dir);
      proxied.configure(".");
      await expect(createKey(proxied, viaProxy)).rejects.toThrow(/may have created key "deploy" anyway/);
    } finally {
      await proxy.close();
    }
    const lost = keysNow().find((k) => k.id !== old.id)!; // minted by the rotation, its value never stored
    expect(keysNow().find((k) => k.id === old.id)!.replacedBy).toBe(lost.id);

    const again = new ProviderContext({ FACTORY_TOKEN: emulator.adminToken }, dir);
    again.configure(".");
    const { value: replacement, warnings } = await createKey(again, spec);
    expect(warnings.join("\n")).toContain(`key ${lost.id}`);
    const stored = await new AgeFileStore({ directory: path.join(dir, "secrets"), identity: readIdentity(path.join(dir, "identity.txt")) }).readSecret("ci/deploy");
    expect(stored.keyId).toBe(replacement.id);
    expect(await createClient(spec.api, emulator.adminToken).authenticates(stored.value, spec.serviceAccountId)).toBe(true);
    expect(keysNow().find((k) => k.id === lost.id)!.revokedAt).not.toBeNull();
    // A later apply is not blocked: the next rotation goes through the rotate endpoint again.
    const next = await createKey(again, spec);
    expect(next.warnings[0]).toBe(`rotated key ${replacement.id} with the API's rotate endpoint; it stays valid for 3 more minutes`);
  });

  test("no overlap: a plain create, and the old key is revoked only once the new one is stored", async () => {
    const { old, replacement, warnings } = await replace();
    expect(warnings).toEqual([`revoked key ${old.id} (replaced at its path)`]);
    expect(keysNow().find((k) => k.id === old.id)).toMatchObject({ replacedBy: null });
    expect(keysNow().find((k) => k.id === old.id)!.revokedAt).not.toBeNull();
    await deleteKey(ctx, spec, old.id); // the replaced object's delete: idempotent, the path keeps the new key
    expect(keysNow().find((k) => k.id === replacement.id)!.revokedAt).toBeNull();
  });
});
