import { Testing } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { fixture, withLocals } from "./fixtures";

const keyStore = (stack: any) => {
  const json = JSON.parse(Testing.synth(stack));
  return withLocals(json, Object.values(json.resource.apikeys_api_key)[0]).store;
};

describe("SecretStore.awsSecretsManager", () => {
  test("a Secrets Manager store synthesizes its name prefix, region and recovery window", () => {
    const { stack, api } = fixture();
    const store = SecretStore.awsSecretsManager({ region: "eu-west-1", namePrefix: "cdktf-api-keys/billing/", recoveryWindowDays: 0 });
    new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "prod" });
    expect(keyStore(stack)).toEqual({ kind: "aws-secrets-manager", name_prefix: "cdktf-api-keys/billing", region: "eu-west-1", recovery_window_days: "0" });
  });

  test.each([
    [() => SecretStore.awsSecretsManager({ namePrefix: "has space" }), /SecretStore.awsSecretsManager: `namePrefix` must be a secret name prefix/],
    [() => SecretStore.awsSecretsManager({ namePrefix: "p", recoveryWindowDays: 3 }), /`recoveryWindowDays` must be 0 \(delete at once\) or a whole number of days from 7 to 30 \(got 3\)/],
    [() => SecretStore.awsSecretsManager({ namePrefix: "p", region: "Europe" }), /`region` must be an AWS region such as eu-west-1/],
  ])("%s is refused naming the prop and the fix", (make, message) => {
    expect(make).toThrow(message);
  });

  test("two spellings of one Secrets Manager location are one store; the recovery window does not make another", () => {
    const { stack, api } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    new ApiKey(stack, "a", { serviceAccount: sa, name: "a", store: SecretStore.awsSecretsManager({ namePrefix: "p", region: "eu-west-1" }), secretPath: "x" });
    const same = SecretStore.awsSecretsManager({ namePrefix: "/p/", region: "eu-west-1", recoveryWindowDays: 0 });
    expect(() => new ApiKey(stack, "b", { serviceAccount: sa, name: "b", store: same, secretPath: "x" })).toThrow(/`secretPath` "x" in this store is already used by ApiKey test\/a/);
  });

});

describe("SecretStore.vaultKv2", () => {
  const withVaultAddr = <T>(value: string | undefined, body: () => T): T => {
    const saved = process.env.VAULT_ADDR;
    if (value === undefined) delete process.env.VAULT_ADDR;
    else process.env.VAULT_ADDR = value;
    try {
      return body();
    } finally {
      if (saved === undefined) delete process.env.VAULT_ADDR;
      else process.env.VAULT_ADDR = saved;
    }
  };

  test("synthesizes address, mount, path prefix and the token's variable name; defaults: VAULT_ADDR, secret, VAULT_TOKEN", () => {
    const { stack, api } = fixture();
    const store = withVaultAddr("https://vault.example.com:8200/", () => SecretStore.vaultKv2({ pathPrefix: "/ci/keys/" }));
    new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "prod" });
    expect(keyStore(stack)).toEqual({ kind: "vault-kv2", address: "https://vault.example.com:8200", mount: "secret", path_prefix: "ci/keys", token_env: "VAULT_TOKEN" });
  });

  test("a namespace and another token variable are synthesized as given; never a token", () => {
    const { stack, api } = fixture();
    const store = SecretStore.vaultKv2({ address: "https://vault.example.com", mount: "kv", pathPrefix: "team", tokenEnv: "CI_VAULT_TOKEN", namespace: "team-a" });
    new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "prod" });
    expect(keyStore(stack)).toEqual({ kind: "vault-kv2", address: "https://vault.example.com", mount: "kv", path_prefix: "team", token_env: "CI_VAULT_TOKEN", namespace: "team-a" });
  });

  test.each([
    [() => withVaultAddr(undefined, () => SecretStore.vaultKv2({ pathPrefix: "ci" })), /SecretStore.vaultKv2: `address` is required: pass Vault's address .* or set VAULT_ADDR when you synthesize/],
    [() => SecretStore.vaultKv2({ address: "vault:8200", pathPrefix: "ci" }), /`address` must be an http\(s\) URL/],
    [() => SecretStore.vaultKv2({ address: "https://v", pathPrefix: "ci/.hidden" }), /`pathPrefix` must be a folder such as "ci\/keys"/],
    [() => SecretStore.vaultKv2({ address: "https://v", pathPrefix: "ci", mount: "has space" }), /`mount` must be a mount path such as "secret"/],
    [() => SecretStore.vaultKv2({ address: "https://v", pathPrefix: "ci", tokenEnv: "hvs.CAESIJ0123456789abcdef" }), /`tokenEnv` must be the NAME of an environment variable/],
  ])("%s is refused naming the prop and the fix", (make, message) => {
    expect(make).toThrow(message);
  });
});
