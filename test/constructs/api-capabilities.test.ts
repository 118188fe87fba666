import { TerraformStack } from "cdktf";
import { Api, ApiKey, SecretStore, ServiceAccount } from "../../src";
import { providerResource, recipientFile, testApp } from "./fixtures";

/** Every API difference the constructs know of: what each API cannot do is refused at synth, saying what to do instead. */
describe("API capabilities at synth", () => {
  const setup = () => {
    const stack = new TerraformStack(testApp(), "test");
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: recipientFile() });
    const factory = Api.factory({ baseUrl: "https://api.factory.ai", tokenEnv: "FACTORY_TOKEN" });
    const flexprice = Api.flexprice({ baseUrl: "https://api.cloud.flexprice.io/v1", tokenEnv: "FLEXPRICE_TOKEN", environmentId: "env_123" });
    return { stack, store, factory, flexprice };
  };

  describe("Factory", () => {
    test("a ServiceAccount is refused, pointing to ServiceAccount.fromId", () => {
      const { stack, factory } = setup();
      expect(() => new ServiceAccount(stack, "sa", { api: factory, name: "ci-bot" })).toThrow(
        /ServiceAccount test\/sa: Factory service accounts are created in Factory's web app, not through its API. Reference an existing one with ServiceAccount.fromId/,
      );
    });

    test("keys for an existing account synthesize with the account id and no scopes", () => {
      const { stack, store, factory } = setup();
      const sa = ServiceAccount.fromId(stack, "ci", { api: factory, serviceAccountId: "sa_ci" });
      new ApiKey(stack, "deploy", { serviceAccount: sa, name: "deploy", expiresInDays: 30, store, secretPath: "ci/deploy" });
      const key = providerResource(stack, "test/deploy");
      expect(key).toMatchObject({ api: { kind: "factory", base_url: "https://api.factory.ai" }, token_env: "FACTORY_TOKEN", service_account_id: "sa_ci", expires_in_days: 30 });
      expect(key.type).toBeUndefined();
      expect(key.scopes).toBeUndefined();
    });

    test.each([
      [{ scopes: ["a"] }, /ApiKey test\/key: `scopes` is not supported by the Factory API. Its keys have no scopes: remove `scopes`./],
      [{ type: "private_key" }, /`type` is not supported by the Factory API. Remove `type`/],
    ])("%j on a key is refused", (overrides, message) => {
      const { stack, store, factory } = setup();
      const sa = ServiceAccount.fromId(stack, "ci", { api: factory, serviceAccountId: "sa_ci" });
      expect(() => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", ...overrides } as any)).toThrow(message);
    });
  });

  describe("Flexprice", () => {
    test("accounts carry roles, keys carry a type (private_key by default), both in the plan and the identity", () => {
      const { stack, store, flexprice } = setup();
      const sa = new ServiceAccount(stack, "ingest", { api: flexprice, name: "Event ingestion", roles: ["event_ingestor"] });
      new ApiKey(stack, "server", { serviceAccount: sa, name: "server", store, secretPath: "ingest/server" });
      new ApiKey(stack, "browser", { serviceAccount: sa, name: "browser", type: "publishable_key", store, secretPath: "ingest/browser" });

      const account = providerResource(stack, "test/ingest");
      expect(account).toMatchObject({ api: { kind: "flexprice", environment_id: "env_123" }, name: "Event ingestion", roles: ["event_ingestor"] });
      expect(providerResource(stack, "test/server").type).toBe("private_key");
      expect(providerResource(stack, "test/browser").type).toBe("publishable_key");
    });

    test("an unknown role is accepted with a warning naming the built-in roles", () => {
      const { stack, flexprice, store } = setup();
      const sa = new ServiceAccount(stack, "sa", { api: flexprice, name: "custom", roles: ["event_ingestor", "billing_admin"], store });
      const warnings = sa.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
      expect(warnings).toEqual([expect.stringMatching(/"billing_admin" is not a built-in Flexprice role \(super_admin, all_reader, all_writer, event_ingestor, event_reader\)/)]);
      expect(providerResource(stack, "test/sa").roles).toEqual(["event_ingestor", "billing_admin"]);
    });

    test.each([
      [{ roles: undefined }, /ServiceAccount test\/sa: `roles` must list at least one role for the Flexprice API/],
      [{ roles: [] }, /`roles` must list at least one role/],
      [{ roles: ["a", "a"] }, /`roles` must not list the same role twice/],
      [{ description: "d" }, /`description` is not supported by the Flexprice API. Remove `description`/],
      [{ name: " " }, /`name` must be 1 to 128 characters long and not blank/],
    ])("account %j is refused", (overrides, message) => {
      const { stack, flexprice, store } = setup();
      expect(() => new ServiceAccount(stack, "sa", { api: flexprice, name: "sa", roles: ["all_reader"], store, ...overrides } as any)).toThrow(message);
    });

    test.each([
      [{ type: "integration" }, /`type` cannot be "integration": the API lists it but refuses to create such keys. Use "private_key" or "publishable_key"/],
      [{ type: "secret" }, /`type` must be "private_key" or "publishable_key"/],
      [{ scopes: ["x"] }, /`scopes` is not supported by the Flexprice API. Its keys inherit the roles of their service account: remove `scopes` and set `roles` on the ServiceAccount./],
    ])("key %j is refused", (overrides, message) => {
      const { stack, flexprice, store } = setup();
      const sa = new ServiceAccount(stack, "sa", { api: flexprice, name: "sa", roles: ["all_reader"] });
      expect(() => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", ...overrides } as any)).toThrow(message);
    });
  });

  test("Flownally accounts refuse roles; Flownally keys refuse a type", () => {
    const { stack, store } = setup();
    const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
    expect(() => new ServiceAccount(stack, "sa", { api, name: "sa", roles: ["x"], store })).toThrow(/`roles` is not supported by the Flownally API/);
    const sa = new ServiceAccount(stack, "ok", { api, name: "ok" });
    expect(() => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", type: "private_key" })).toThrow(/`type` is not supported by the Flownally API/);
  });
});
