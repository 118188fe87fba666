import { Testing } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { fixture } from "./fixtures";

const keyStore = (stack: any) => {
  const json = JSON.parse(Testing.synth(stack));
  return (Object.values(json.resource.apikeys_api_key)[0] as any).store;
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
