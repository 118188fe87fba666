import { Testing } from "cdktf";
import { ApiKey, ServiceAccount, SecretStore } from "../../src";
import { byAddress, providerResource, fixture, RECIPIENT, recipientFile } from "./fixtures";

describe("ServiceAccount", () => {
  test("synthesizes its spec as input and name, api and store as triggers_replace", () => {
    const { stack, api, store } = fixture();
    new ServiceAccount(stack, "billing", { engine: "hooks", api, name: "billing-sync", description: "Nightly export", store });

    const sa = byAddress(stack, "test/billing");
    expect(sa.input).toEqual({
      kind: "service-account",
      address: "test/billing",
      api: { kind: "flownally", baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" },
      name: "billing-sync",
      description: "Nightly export",
      store: { kind: "age-file", directory: "secrets", recipient: RECIPIENT },
    });
    expect(sa.triggers_replace).toEqual({
      api: "flownally https://api.flownally.example",
      name: "billing-sync",
      store: JSON.stringify({ kind: "age-file", directory: "secrets", recipient: RECIPIENT }),
    });
    expect(sa.provisioner.map((p: any) => p["local-exec"].when ?? "create")).toEqual(["create", "destroy"]);
  });

  test("keeps its record in the store of its first key when it has no store of its own", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
    const other = SecretStore.ageFile({ directory: "elsewhere", recipientFile: recipientFile() });
    new ApiKey(stack, "key2", { serviceAccount: sa, name: "k2", store: other, secretPath: "k2" });

    expect(byAddress(stack, "test/sa").input.store.directory).toBe("secrets");
  });

  test("an account with neither a store nor keys fails synth, saying what to set", () => {
    const { stack, api } = fixture();
    new ServiceAccount(stack, "lonely", { engine: "hooks", api, name: "lonely" });
    expect(() => Testing.synth(stack, true)).toThrow(/ServiceAccount test\/lonely: nowhere to keep the account's record. Set `store`/);
  });

  test("nested constructs have their full path in the address", () => {
    const { stack, api, store } = fixture();
    const { Construct } = require("constructs");
    const team = new Construct(stack, "team-a");
    new ServiceAccount(team, "sa", { api, name: "sa", store });
    expect(providerResource(stack, "test/team-a/sa").name).toBe("sa");
  });

  describe("validation", () => {
    test.each([
      [{ name: "" }, /ServiceAccount test\/sa: `name` must be 1 to 64 characters long \(got ""\)/],
      [{ name: "a".repeat(65) }, /`name` must be 1 to 64 characters long/],
      [{ name: "Billing" }, /`name` may contain only lowercase letters, digits, '\.', '_' and '-'.*\(got "Billing"\)/],
      [{ name: "-lead" }, /must start with a letter or digit/],
      [{ name: "has space" }, /`name` may contain only/],
      [{ description: "d".repeat(257) }, /`description` must be at most 256 characters long/],
      [{ api: undefined }, /ServiceAccount test\/sa: `api` is required/],
    ])("%j is refused", (overrides, message) => {
      const { stack, api, store } = fixture();
      expect(() => new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa", store, ...overrides } as any)).toThrow(message);
    });

    test("names at the limits are accepted", () => {
      const { stack, api, store } = fixture();
      expect(() => new ServiceAccount(stack, "a", { engine: "hooks", api, name: "a".repeat(64), store })).not.toThrow();
      expect(() => new ServiceAccount(stack, "b", { engine: "hooks", api, name: "0.a_b-c", description: "d".repeat(256), store })).not.toThrow();
    });

    test("fromId needs an id", () => {
      const { stack, api } = fixture();
      expect(() => ServiceAccount.fromId(stack, "x", { api, serviceAccountId: "" })).toThrow(
        /ServiceAccount.fromId test\/x: `serviceAccountId` must be the account's id/,
      );
    });
  });
});
