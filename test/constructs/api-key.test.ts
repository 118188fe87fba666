import * as fs from "fs";
import * as path from "path";
import { App, S3Backend, Testing, TerraformStack } from "cdktf";
import { Api, ApiKey, SecretStore, ServiceAccount } from "../../src";
import { byAddress, fixture, RECIPIENT, recipientFile, resources, tempDir } from "./fixtures";

describe("ApiKey", () => {
  test("synthesizes a terraform_data whose input is the readable spec and whose triggers_replace is its identity", () => {
    // GIVEN
    const { stack, api, store } = fixture();
    const billing = new ServiceAccount(stack, "billing", { engine: "hooks", api, name: "billing-sync" });
    // WHEN
    new ApiKey(stack, "billing-prod", {
      serviceAccount: billing,
      name: "billing-sync-prod",
      expiresInDays: 90,
      scopes: ["invoices:read"],
      store,
      secretPath: "billing/prod",
    });
    // THEN
    const key = byAddress(stack, "test/billing-prod");
    expect(key.input).toEqual({
      kind: "api-key",
      address: "test/billing-prod",
      api: { kind: "flownally", baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" },
      serviceAccount: { address: "test/billing", name: "billing-sync", store: { kind: "age-file", directory: "secrets", recipient: RECIPIENT } },
      name: "billing-sync-prod",
      expiresInDays: 90,
      scopes: ["invoices:read"],
      store: { kind: "age-file", directory: "secrets", recipient: RECIPIENT },
      secretPath: "billing/prod",
    });
    expect(key.triggers_replace).toEqual({
      service_account: expect.stringMatching(/^\$\{terraform_data\.billing_resource_[0-9A-F]+\.id\}$/),
      name: "billing-sync-prod",
      store: JSON.stringify({ kind: "age-file", directory: "secrets", recipient: RECIPIENT }),
      secret_path: "billing/prod",
    });
    expect(key.depends_on).toEqual([expect.stringMatching(/^terraform_data\.billing_resource_[0-9A-F]+$/)]);
  });

  test("runs the bundled hook through interpreter, with no shell, at create and at destroy", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });

    const { provisioner } = byAddress(stack, "test/key");
    const hooks = provisioner.map((p: any) => p["local-exec"]);
    expect(hooks).toHaveLength(2);
    const [create, destroy] = hooks;
    expect(create.when).toBeUndefined();
    expect(destroy.when).toBe("destroy");
    for (const [hook, phase] of [[create, "create"], [destroy, "destroy"]]) {
      expect(hook.interpreter).toEqual(["node", expect.stringMatching(/^assets\/cdktf-api-keys-hook\/[0-9A-F]+\/hook\.cjs$/), phase]);
      expect(hook.command).toBe("${self.id}");
      expect(hook.environment.CDKTF_API_KEYS_SPEC).toBe("${jsonencode(self.input)}");
      expect(hook.environment.CDKTF_API_KEYS_PROJECT_FROM_STACK).not.toMatch(/^\//);
    }
  });

  test("a referenced account is addressed by id and needs no dependency", () => {
    const { stack, api, store } = fixture();
    const existing = ServiceAccount.fromId(stack, "existing", { api, serviceAccountId: "sa_123" });
    new ApiKey(stack, "key", { serviceAccount: existing, name: "k", store, secretPath: "k", engine: "hooks" });

    const key = byAddress(stack, "test/key");
    expect(key.input.serviceAccount).toEqual({ id: "sa_123" });
    expect(key.triggers_replace.service_account).toBe("flownally https://api.flownally.example sa_123");
    expect(key.depends_on).toBeUndefined();
    expect(Object.keys(resources(stack))).toHaveLength(1);
  });

  test("the spec holds the token variable's name, never a token", () => {
    const { stack, api, store } = fixture();
    process.env.FLOWNALLY_TOKEN = "tok_must_not_appear_anywhere";
    try {
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
      const json = Testing.synth(stack);
      expect(json).toContain("FLOWNALLY_TOKEN");
      expect(json).not.toContain("tok_must_not_appear_anywhere");
    } finally {
      delete process.env.FLOWNALLY_TOKEN;
    }
  });

  test("the synthesized stack directory holds the hook bundle and no absolute path of this machine", () => {
    // GIVEN a project directory synthesized the way `cdktf synth` does: from the project, into ./cdktf.out
    const project = tempDir("project");
    fs.writeFileSync(path.join(project, "recipient.txt"), RECIPIENT);
    const previous = process.cwd();
    process.chdir(project);
    try {
      const app = new App({ outdir: "cdktf.out" });
      const stack = new TerraformStack(app, "portable");
      const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
      const store = SecretStore.ageFile({ directory: "secrets", recipientFile: "recipient.txt" });
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
      // WHEN
      app.synth();
    } finally {
      process.chdir(previous);
    }
    // THEN
    const stackDir = path.join(project, "cdktf.out/stacks/portable");
    const files = walk(stackDir);
    const bundle = files.find((f) => /assets\/cdktf-api-keys-hook\/[0-9A-F]+\/hook\.cjs$/.test(f));
    expect(bundle && fs.readFileSync(bundle, "utf8")).toBe(fs.readFileSync(path.resolve(__dirname, "../../dist/hook.cjs"), "utf8"));
    for (const file of walk(path.join(project, "cdktf.out"))) {
      const text = fs.readFileSync(file, "latin1");
      for (const p of [project, previous, path.resolve(__dirname, "../..")]) expect(text).not.toContain(p);
    }
    const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    const env = Object.values(json.resource.terraform_data as Record<string, any>)[0].provisioner[0]["local-exec"].environment;
    expect(env.CDKTF_API_KEYS_PROJECT_FROM_STACK).toBe("../../..");
    expect(json.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
  });

  test("a backend the user configures, even after the keys, is kept", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
    new S3Backend(stack, { bucket: "tf-state", key: "keys.tfstate", region: "eu-west-1" });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.keys(json.terraform.backend)).toEqual(["s3"]);
  });

  test('carrier "null_resource" uses the null provider with the spec in triggers', () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa", carrier: "null_resource" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k", engine: "hooks", carrier: "null_resource" });

    const json = JSON.parse(Testing.synth(stack));
    expect(json.provider.null).toBeDefined();
    // "null" is the registry's short form of hashicorp/null.
    expect(json.terraform.required_providers.null.source).toMatch(/^(hashicorp\/)?null$/);
    expect(json.resource.terraform_data).toBeUndefined();
    const key = byAddress(stack, "test/key", "null_resource");
    expect(JSON.parse(key.triggers.spec)).toMatchObject({ kind: "api-key", address: "test/key", secretPath: "k" });
    expect(key.triggers).toMatchObject({ name: "k", secret_path: "k", service_account: expect.stringMatching(/^\$\{null_resource\.sa_resource_[0-9A-F]+\.id\}$/) });
    expect(key.provisioner[1]["local-exec"].environment.CDKTF_API_KEYS_SPEC).toBe("${self.triggers.spec}");
    expect(key.depends_on).toEqual([expect.stringMatching(/^null_resource\.sa_resource/)]);
  });

  describe("validation", () => {
    const make = (overrides: Record<string, unknown>) => {
      const { stack, api, store } = fixture();
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      return () => new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "a/b", ...overrides } as any);
    };

    test.each([
      [{ name: "" }, /ApiKey test\/key: `name` must be 1 to 128 characters long and not blank \(got ""\)/],
      [{ name: "x".repeat(129) }, /`name` must be 1 to 128 characters/],
      [{ expiresInDays: 0 }, /`expiresInDays` must be a whole number of days between 1 and 3650 \(got 0\)/],
      [{ expiresInDays: 3651 }, /`expiresInDays` must be .* between 1 and 3650 \(got 3651\)/],
      [{ expiresInDays: 1.5 }, /`expiresInDays` must be a whole number/],
      [{ scopes: ["has space"] }, /`scopes` must hold non-empty scope strings without spaces/],
      [{ scopes: ["a", "a"] }, /`scopes` must not list the same scope twice/],
      [{ secretPath: "/abs" }, /ApiKey test\/key: `secretPath`.*"\/abs"/],
      [{ secretPath: "a/../b" }, /`secretPath`.*"a\/\.\.\/b"/],
      [{ secretPath: "a b" }, /`secretPath`.*"a b"/],
      [{ store: undefined }, /`store` is required/],
      [{ serviceAccount: undefined }, /`serviceAccount` is required.*ServiceAccount\.fromId/],
    ])("%j is refused", (overrides, message) => {
      expect(make(overrides)).toThrow(message);
    });

    test("limits are accepted at their edges", () => {
      expect(make({ expiresInDays: 1 })).not.toThrow();
      expect(make({ expiresInDays: 3650, name: "x".repeat(128) })).not.toThrow();
    });

    test("two keys with the same store and secretPath in one stack are refused, naming both", () => {
      const { stack, api, store } = fixture();
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      new ApiKey(stack, "first", { serviceAccount: sa, name: "a", store, secretPath: "shared/path" });
      const sameDir = SecretStore.ageFile({ directory: "./secrets", recipientFile: recipientFile() });
      expect(() => new ApiKey(stack, "second", { serviceAccount: sa, name: "b", store: sameDir, secretPath: "shared/path" })).toThrow(
        /ApiKey test\/second: `secretPath` "shared\/path" in this store is already used by ApiKey test\/first/,
      );
    });

    test("the same secretPath in another store or another stack is fine", () => {
      const { app, stack, api, store } = fixture();
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      new ApiKey(stack, "first", { serviceAccount: sa, name: "a", store, secretPath: "p" });
      const other = SecretStore.ageFile({ directory: "other-secrets", recipientFile: recipientFile() });
      expect(() => new ApiKey(stack, "second", { serviceAccount: sa, name: "b", store: other, secretPath: "p" })).not.toThrow();
      const stack2 = new TerraformStack(app, "other");
      const sa2 = new ServiceAccount(stack2, "sa", { api, name: "sa" });
      expect(() => new ApiKey(stack2, "first", { serviceAccount: sa2, name: "a", store, secretPath: "p" })).not.toThrow();
    });

    test("a key whose account belongs to another api is refused", () => {
      const { stack, api, store } = fixture();
      const sa = new ServiceAccount(stack, "sa", { engine: "hooks", api, name: "sa" });
      const otherApi = Api.flownally({ baseUrl: "https://eu.flownally.example", tokenEnv: "FLOWNALLY_EU_TOKEN" });
      expect(() => new ApiKey(stack, "key", { serviceAccount: sa, api: otherApi, name: "k", store, secretPath: "k" })).toThrow(
        /ApiKey test\/key: `api` differs from the api of its `serviceAccount` \(test\/sa\)/,
      );
      const sameApi = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
      expect(() => new ApiKey(stack, "key2", { serviceAccount: sa, api: sameApi, name: "k", store, secretPath: "k2" })).not.toThrow();
    });
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}
