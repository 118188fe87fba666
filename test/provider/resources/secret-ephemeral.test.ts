import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createClient } from "../../../src/clients/create-client";
import { startEmulator, RunningEmulator } from "../../../src/emulator/start-emulator";
import { startVaultEmulator, RunningVaultEmulator } from "../../../src/emulator/vault-kv2-emulator";
import { createKey, KeySpec } from "../../../src/lifecycle/key-lifecycle";
import { ProviderContext } from "../../../src/provider/provider-context";
import type { TfObject } from "../../../src/provider/protocol/types";
import { secretEphemeral } from "../../../src/provider/resources/secret-ephemeral";
import { storeToAttributes } from "../../../src/store-attributes";
import type { StoreSpec } from "../../../src/spec";
import { AgeFileStore } from "../../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../../src/stores/age-identity";

/**
 * `apikeys_secret` opened without terraform: against a key minted by the real life cycle into a real
 * age file store (and a Vault emulator), it returns the stored value, and fails with a message naming
 * the cause and the fix when the secret is gone, holds another key, or the identity or token is absent.
 */
describe("apikeys_secret (ephemeral)", () => {
  let emulator: RunningEmulator;
  let dir: string;
  let store: StoreSpec;
  let keySpec: KeySpec;
  const env = () => ({ FLOWNALLY_TOKEN: emulator.adminToken, CDKTF_API_KEYS_IDENTITY: "identity.txt" });
  const ephemeral = (environment: NodeJS.ProcessEnv = env()) => {
    const ctx = new ProviderContext(environment, dir);
    ctx.configure(".");
    return { ctx, handler: secretEphemeral(ctx) };
  };
  const config = (over: TfObject = {}): TfObject => ({ store: storeToAttributes(store), secret_path: "team/key", key_id: null, value: null, created_at: null, expires_at: null, ...over });

  beforeEach(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-ephemeral-"));
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const api = { kind: "flownally" as const, baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" };
    const account = await createClient(api, emulator.adminToken).createServiceAccount({ name: "owner" });
    store = { kind: "age-file", directory: "secrets", recipient };
    keySpec = { address: "stack/key", api, serviceAccountId: account.id, name: "key", store, secretPath: "team/key" };
  });
  afterEach(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("opens the stored value of the key named by key_id; the result is the configuration with the value filled in", async () => {
    const { ctx, handler } = ephemeral();
    const { value: key } = await createKey(ctx, keySpec);
    const stored = await new AgeFileStore({ directory: path.join(dir, "secrets"), identity: readIdentity(path.join(dir, "identity.txt")) }).readSecret("team/key");

    const { result, diagnostics } = await handler.open(config({ key_id: key.id }));

    expect(diagnostics ?? []).toEqual([]);
    expect(result).toEqual({ ...config(), key_id: key.id, value: stored.value, created_at: key.createdAt, expires_at: null });
    expect(handler.schema.attributes.value).toMatchObject({ computed: true, sensitive: true });
  });

  test("without key_id it opens whatever key is stored and says which", async () => {
    const { ctx, handler } = ephemeral();
    const { value: key } = await createKey(ctx, keySpec);
    const { result } = await handler.open(config());
    expect(result?.key_id).toBe(key.id);
  });

  test("a deleted secret: the error names the path and the store, and says that apply mints a new key", async () => {
    const { ctx, handler } = ephemeral();
    const { value: key } = await createKey(ctx, keySpec);
    fs.rmSync(path.join(dir, "secrets", "team", "key.age"));

    const { result, diagnostics } = await handler.open(config({ key_id: key.id }));

    expect(result).toBeNull();
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: "error", summary: 'Cannot open the secret at secretPath "team/key" (apikeys_secret)', attribute: ["secret_path"] }),
    ]);
    expect(diagnostics![0].detail).toMatch(/^no secret at secretPath "team\/key" in store directory .*secrets/);
    expect(diagnostics![0].detail).toMatch(new RegExp(`reports key ${key.id} as secret_missing: \`terraform apply\` \\(with its refresh\\) mints a new key`));
  });

  test("a secret holding another key than the one in state fails, and shows no value", async () => {
    const { ctx, handler } = ephemeral();
    const { value: first } = await createKey(ctx, keySpec);
    const { value: second } = await createKey(ctx, keySpec); // the path now holds another key

    const { result, diagnostics } = await handler.open(config({ key_id: first.id }));

    expect(result).toBeNull();
    expect(diagnostics![0]).toMatchObject({ severity: "error", attribute: ["key_id"] });
    expect(diagnostics![0].detail).toMatch(new RegExp(`holds key ${second.id} at this path, not key ${first.id}, the key in state`));
  });

  test("no identity: the error names CDKTF_API_KEYS_IDENTITY and where terraform needs it", async () => {
    const { ctx } = ephemeral();
    const { value: key } = await createKey(ctx, keySpec);
    const { handler } = ephemeral({ FLOWNALLY_TOKEN: emulator.adminToken });

    const { diagnostics } = await handler.open(config({ key_id: key.id }));

    expect(diagnostics![0].detail).toBe(
      'Opening the secret at secretPath "team/key" needs the identity that decrypts the age file store: set CDKTF_API_KEYS_IDENTITY to the identity file ' +
        "(e.g. .keys/identity.txt, relative to the project directory) in the environment of terraform plan and apply.",
    );
  });

  test("a wrong identity: the error says the identity does not decrypt the store", async () => {
    const { ctx } = ephemeral();
    const { value: key } = await createKey(ctx, keySpec);
    await generateIdentityFiles(path.join(dir, "other.txt"), path.join(dir, "other-recipient.txt"));
    const { handler } = ephemeral({ FLOWNALLY_TOKEN: emulator.adminToken, CDKTF_API_KEYS_IDENTITY: "other.txt" });

    const { diagnostics } = await handler.open(config({ key_id: key.id }));

    expect(diagnostics![0].detail).toMatch(/^cannot decrypt .*key\.age: .*The identity must be the private key of the recipient the store encrypts to/);
  });

  describe("on Vault", () => {
    let vault: RunningVaultEmulator;
    beforeEach(async () => {
      vault = await startVaultEmulator();
      store = { kind: "vault-kv2", address: vault.url, mount: "secret", pathPrefix: "ci", tokenEnv: "VAULT_TOKEN" };
      keySpec = { ...keySpec, store };
    });
    afterEach(async () => vault.close());

    test("opens with the token in the store's tokenEnv, and without it says which variable to set", async () => {
      const withToken = { ...env(), VAULT_TOKEN: vault.token };
      const { ctx, handler } = ephemeral(withToken);
      const { value: key } = await createKey(ctx, keySpec);
      const opened = await handler.open(config({ key_id: key.id }));
      expect(opened.result?.key_id).toBe(key.id);
      expect(typeof opened.result?.value).toBe("string");

      const { diagnostics } = await ephemeral(env()).handler.open(config({ key_id: key.id }));
      expect(diagnostics![0].detail).toMatch(/the environment variable VAULT_TOKEN is not set\. Export a Vault token/);
    });
  });

  test("validate names a bad secret_path and a bad store", () => {
    const { handler } = ephemeral();
    expect(handler.validate!(config({ secret_path: "../up" }))).toEqual([expect.objectContaining({ severity: "error", attribute: ["secret_path"] })]);
    expect(handler.validate!(config({ store: { kind: "floppy" } }))).toEqual([expect.objectContaining({ severity: "error", attribute: ["store"] })]);
  });
});
