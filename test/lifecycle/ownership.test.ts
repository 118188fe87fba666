import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient } from "../../src/clients/create-client";
import type { KeyManagementClient } from "../../src/clients/types";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { createKey, KeySpec, keyStatus } from "../../src/lifecycle/key-lifecycle";
import { declarationTag, declaredName, tagOf } from "../../src/lifecycle/ownership";
import { ProviderContext } from "../../src/provider/provider-context";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { startFaultProxy } from "../support/fault-proxy";

/**
 * Ownership that depends neither on the state nor on names (src/lifecycle/ownership.ts), against the
 * real Flownally emulator, the real age store and the loopback fault proxy: a key's name carries its
 * declaration's tag, so an unclear create's stray is found whatever the clocks say, and a same-name key
 * of another path is never taken for it; a path another stack identity holds is never taken over.
 */
describe("ownership of secret paths and keys", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let client: KeyManagementClient;
  let store: AgeFileStore;
  let spec: KeySpec;
  const active = () => emulator.inspect().apiKeys.filter((k) => k.status === "active");
  const context = (env: NodeJS.ProcessEnv = {}, url?: string) => {
    const ctx = new ProviderContext({ FLOWNALLY_TOKEN: emulator.adminToken, ...env }, dir);
    ctx.configure(".");
    return { ctx, spec: (s: KeySpec): KeySpec => (url ? { ...s, api: { ...s.api, baseUrl: url } } : s) };
  };

  beforeEach(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-ownership-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const api = { kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" };
    client = createClient(api, emulator.adminToken);
    const account = await client.createServiceAccount({ name: "owner" });
    store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient, identity: readIdentity(path.join(dir, "identity.txt")) });
    spec = {
      address: "stack/key",
      owner: "stk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      api,
      serviceAccountId: account.id,
      name: "key",
      store: { kind: "age-file", directory: "secrets", recipient },
      secretPath: "team/key",
    };
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A create whose answer is lost after the server minted (502 from the proxy): the key's value is never stored. */
  async function unclearCreate(of: KeySpec, env: NodeJS.ProcessEnv = {}): Promise<string> {
    const proxy = await startFaultProxy(emulator.url);
    try {
      proxy.when({ method: "POST", path: /\/api-keys$/ }).forwardThen502();
      const { ctx, spec: viaProxy } = context(env, proxy.url);
      const before = new Set(emulator.inspect().apiKeys.map((k) => k.id));
      await expect(createKey(ctx, viaProxy(of))).rejects.toThrow(/may have created key "[^"]+" anyway/);
      const minted = emulator.inspect().apiKeys.filter((k) => !before.has(k.id));
      expect(minted).toHaveLength(1);
      return minted[0].id;
    } finally {
      await proxy.close();
    }
  }

  test("a key is minted under its declared name plus its declaration's tag; the state keeps the declared name", async () => {
    const { ctx } = context();
    const { value } = await createKey(ctx, spec);
    const live = active().find((k) => k.id === value.id)!;
    expect(tagOf(live.name)).toBe(declarationTag(spec));
    expect(declaredName(live.name)).toBe("key");
    expect(await store.readKeyRecord("team/key")).toMatchObject({ keyId: value.id, owner: spec.owner });
    // Another path, another store location or another owner: another tag.
    expect(declarationTag({ ...spec, secretPath: "team/other" })).not.toBe(declarationTag(spec));
    expect(declarationTag({ ...spec, owner: "stk_bbbbbbbbbbbbbbbbbbbbbbbbbb" })).not.toBe(declarationTag(spec));
    expect(declarationTag({ ...spec, owner: undefined })).toBeUndefined();
  });

  for (const skew of ["+1h", "-1h"]) {
    test(`the runner's clock ${skew} from the API's: an unclear create's stray is revoked by the next create, which stores one key`, async () => {
      const env = { CDKTF_API_KEYS_TEST_NOW: skew };
      const stray = await unclearCreate(spec, env);
      const { ctx } = context(env);
      const { value, warnings } = await createKey(ctx, spec);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`revoked key ${stray} \\("key #[0-9a-f]{12}"\\): an earlier attempt minted it for team/key`))]);
      expect(active().map((k) => k.id)).toEqual([value.id]);
      const stored = await store.readSecret("team/key");
      expect(stored.keyId).toBe(value.id);
      expect(await client.authenticates(stored.value)).toBe(true);
      expect(await store.readMintIntent("team/key")).toBeUndefined();
    });
  }

  test("two paths with same-name keys in one account, one 502: the re-apply revokes only its own stray, the other path's key stays live and stored", async () => {
    const { ctx } = context();
    const other = await createKey(ctx, { ...spec, secretPath: "team/other" });
    const stray = await unclearCreate(spec);
    const { value } = await createKey(context().ctx, spec);
    expect(active().map((k) => k.id).sort()).toEqual([other.value.id, value.id].sort());
    expect(emulator.inspect().apiKeys.find((k) => k.id === stray)!.status).toBe("revoked");
    const kept = await store.readSecret("team/other");
    expect(kept.keyId).toBe(other.value.id);
    expect(await client.authenticates(kept.value)).toBe(true);
    expect(await keyStatus(context().ctx, { ...spec, secretPath: "team/other" }, other.value)).toBe("active");
  });

  test("a key whose intent was lost too is still found by its tag (the store knows nothing of it)", async () => {
    const stray = await unclearCreate(spec);
    await store.deleteMintIntent("team/key");
    const { value } = await createKey(context().ctx, spec);
    expect(active().map((k) => k.id)).toEqual([value.id]);
    expect(emulator.inspect().apiKeys.find((k) => k.id === stray)!.status).toBe("revoked");
  });

  test("another identity of the same stack (a second checkout) is refused at a path the first holds: nothing minted, nothing retired", async () => {
    const { value: first } = await createKey(context().ctx, spec);
    const second = { ...spec, owner: "stk_bbbbbbbbbbbbbbbbbbbbbbbbbb" };
    await expect(createKey(context().ctx, second)).rejects.toThrow(
      /belongs to stack "stack" under identity stk_a{26}, and this state's identity is stk_b{26}: another checkout .* terraform import apikeys_stack.stack_identity stk_a{26}/,
    );
    expect(active().map((k) => k.id)).toEqual([first.id]);
    expect((await store.readSecret("team/key")).keyId).toBe(first.id);
  });

  test("an unclear create of another identity is not resolved by this one", async () => {
    const second = { ...spec, owner: "stk_bbbbbbbbbbbbbbbbbbbbbbbbbb" };
    const stray = await unclearCreate(second);
    await expect(createKey(context().ctx, spec)).rejects.toThrow(/an attempt to mint a key at secret_path "team\/key" .* belongs to stack "stack" under identity stk_b{26}/);
    expect(active().map((k) => k.id)).toEqual([stray]);
  });

  test("the same identity after a lost state (imported back): the create retires the key the lost state held", async () => {
    const { value: first } = await createKey(context().ctx, spec);
    const { value: again, warnings } = await createKey(context().ctx, spec);
    expect(warnings).toEqual([`revoked key ${first.id} (replaced at its path)`]);
    expect(active().map((k) => k.id)).toEqual([again.id]);
  });

  test("a record of an earlier version (no owner) is taken over by its own stack's first create with an identity", async () => {
    const { value: legacy } = await createKey(context().ctx, { ...spec, owner: undefined });
    expect((await store.readKeyRecord("team/key"))!.owner).toBeUndefined();
    const { value } = await createKey(context().ctx, spec);
    expect(await store.readKeyRecord("team/key")).toMatchObject({ keyId: value.id, owner: spec.owner });
    expect(active().map((k) => k.id)).toEqual([value.id]);
    expect(emulator.inspect().apiKeys.find((k) => k.id === legacy.id)!.status).toBe("revoked");
  });
});
