import { Testing, TerraformStack } from "cdktf";
import { Api, ApiKey, ServiceAccount } from "../../src";
import { fixture } from "./fixtures";

const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack));

describe("ApiKey rotation props", () => {
  test("synthesize as the key's policy attributes, and every key is create-before-destroy", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", expiresInDays: 90, rotateEveryDays: 30, rotateBeforeExpiryDays: 14, overlapMinutes: 15 });
    new ApiKey(stack, "plain", { serviceAccount: sa, name: "p", store, secretPath: "p" });
    const keys = Object.values(synth(stack).resource.apikeys_api_key) as any[];
    expect(keys[0]).toMatchObject({ rotate_every_days: 30, rotate_before_expiry_days: 14, overlap_minutes: 15, lifecycle: { create_before_destroy: true } });
    expect(keys[1]).toMatchObject({ lifecycle: { create_before_destroy: true } });
    expect(keys[1]).not.toHaveProperty("rotate_every_days");
    expect(keys[1]).not.toHaveProperty("overlap_minutes");
  });

  test.each([
    [{ rotateEveryDays: 0 }, /`rotateEveryDays` must be a whole number of days between 1 and 3650 \(got 0\)/],
    [{ rotateEveryDays: 1.5 }, /`rotateEveryDays` must be a whole number/],
    [{ rotateBeforeExpiryDays: 7 }, /`rotateBeforeExpiryDays`.*needs `expiresInDays`: a key that never expires has no expiry to rotate before/],
    [{ rotateBeforeExpiryDays: 30, expiresInDays: 30 }, /`rotateBeforeExpiryDays`.*must be less than expiresInDays \(30\): the key would be due for rotation as soon as it is minted/],
    [{ overlapMinutes: -1 }, /`overlapMinutes` must be a whole number of minutes between 0 and 10080/],
  ])("refuse %j with a message naming the prop and the rule", (props, message) => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    expect(() => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", ...props })).toThrow(message);
  });

  test("Factory: an overlap longer than its rotate endpoint's 10-minute grace period is refused at synth, saying why", () => {
    const { stack, store } = fixture();
    const api = Api.factory({ baseUrl: "https://api.factory.example", tokenEnv: "FACTORY_TOKEN" });
    const sa = ServiceAccount.fromId(stack, "sa", { api, serviceAccountId: "sa_1" });
    expect(() => new ApiKey(stack, "ok", { serviceAccount: sa, name: "k", store, secretPath: "ok", overlapMinutes: 10 })).not.toThrow();
    expect(() => new ApiKey(stack, "long", { serviceAccount: sa, name: "k", store, secretPath: "long", overlapMinutes: 11 })).toThrow(
      /ApiKey test\/long: `overlapMinutes` must be at most 10 for the Factory API: its rotate endpoint keeps the old key valid for a grace period of at most 10 minutes/,
    );
  });

  test("the hooks engine refuses rotation props: it cannot decide at plan time nor create first", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa", engine: "hooks" });
    expect(() => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", rotateEveryDays: 30 })).toThrow(
      /ApiKey test\/key: `rotateEveryDays` needs the provider engine: the hooks engine runs only on create and destroy/,
    );
  });
});
