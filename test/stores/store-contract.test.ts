import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSecretsManagerEmulator } from "../../src/emulator/secrets-manager-emulator";
import { startVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { AwsSecretsManagerStore } from "../../src/stores/aws-secrets-manager-store";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { describeStoreContract } from "./store-contract";

/**
 * One contract, every store: the age file store on a real folder, AWS Secrets Manager through the real
 * SDK against its emulator over HTTP, Vault KV v2 through its HTTP API against its emulator.
 */
describeStoreContract("AgeFileStore", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-contract-"));
  const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
  const identity = readIdentity(path.join(dir, "identity.txt"));
  const directory = path.join(dir, "secrets");
  const noIdentity = new AgeFileStore({ directory, recipient });
  return {
    store: new AgeFileStore({ directory, recipient, identity }),
    reader: new AgeFileStore({ directory, recipient, identity }),
    withoutCredentials: {
      attempt: async () => {
        await noIdentity.writeSecret("k", { value: "some-value-here", keyId: "k", serviceAccountId: "s", name: "n", createdAt: "2025-01-01T00:00:00.000Z", expiresAt: null });
        return noIdentity.readSecret("k");
      },
      message: /opened without an identity \(private key\) to decrypt with\. Pass `identity`/,
    },
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describeStoreContract("AwsSecretsManagerStore", async () => {
  const emulator = await startSecretsManagerEmulator();
  const options = { region: "us-east-1", namePrefix: "cdktf-api-keys/contract", endpoint: emulator.url };
  const credentials = { accessKeyId: "AKIDCONTRACTTEST", secretAccessKey: "contract-test-secret-access-key" };
  const store = new AwsSecretsManagerStore({ ...options, credentials });
  const reader = new AwsSecretsManagerStore({ ...options, credentials });
  const noCredentials = new AwsSecretsManagerStore({
    ...options,
    credentials: async () => {
      throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    },
  });
  return {
    store,
    reader,
    withoutCredentials: { attempt: () => noCredentials.hasSecret("k"), message: /credentials/i },
    close: async () => {
      for (const s of [store, reader, noCredentials]) s.close();
      await emulator.close();
    },
  };
});

describeStoreContract("VaultKv2Store", async () => {
  const vault = await startVaultEmulator();
  const options = { address: vault.url, mount: "secret", pathPrefix: "ci/keys", tokenEnv: "VAULT_TOKEN" };
  return {
    store: new VaultKv2Store({ ...options, token: vault.token }),
    reader: new VaultKv2Store({ ...options, token: vault.token }),
    withoutCredentials: {
      attempt: () => new VaultKv2Store({ ...options, token: undefined }).hasSecret("k"),
      message: /the environment variable VAULT_TOKEN is not set\. Export a Vault token for http:\/\/127\.0\.0\.1:\d+ in it/,
    },
    close: () => vault.close(),
  };
});
