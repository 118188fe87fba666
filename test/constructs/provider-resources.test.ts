import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing, TerraformOutput, TerraformStack } from "cdktf";
import { Api, ApiKey, SecretStore, ServiceAccount } from "../../src";
import { packageHash, PROVIDER_SIDE_FILES } from "../../src/constructs/provider-resources";
import { fixture, RECIPIENT, recipientFile as fixtureRecipientFile, testApp, withLocals } from "./fixtures";

const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack));
const version = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).version as string;

describe("the provider engine (default)", () => {
  test("synthesizes the provider's resources, their provider block and its source and version", () => {
    // GIVEN
    const { stack, api, store } = fixture();
    // WHEN
    const billing = new ServiceAccount(stack, "billing", { api, name: "billing-sync", description: "Nightly export" });
    new ApiKey(stack, "prod", { serviceAccount: billing, name: "billing-prod", expiresInDays: 90, scopes: ["invoices:read"], store, secretPath: "billing/prod" });
    // THEN
    const json = synth(stack);
    expect(json.terraform.required_providers.apikeys).toEqual({ source: "cdktf-api-keys.local/cdktf-api-keys/apikeys", version });
    expect(json.provider.apikeys).toEqual([{ project_dir: expect.not.stringMatching(/^\//) }]);
    expect(json.resource.terraform_data).toBeUndefined();
    const account = withLocals(json, Object.values(json.resource.apikeys_service_account)[0]);
    expect(account).toMatchObject({
      address: "test/billing",
      api: { kind: "flownally", base_url: "https://api.flownally.example" },
      token_env: "FLOWNALLY_TOKEN",
      name: "billing-sync",
      description: "Nightly export",
    });
    const key = withLocals(json, Object.values(json.resource.apikeys_api_key)[0]);
    expect(key).toMatchObject({
      address: "test/prod",
      api: { kind: "flownally", base_url: "https://api.flownally.example" },
      token_env: "FLOWNALLY_TOKEN",
      service_account_id: expect.stringMatching(/^\$\{apikeys_service_account\.billing_resource_[0-9A-F]+\.id\}$/),
      name: "billing-prod",
      expires_in_days: 90,
      scopes: ["invoices:read"],
      store: { kind: "age-file", directory: "secrets", recipient: RECIPIENT },
      secret_path: "billing/prod",
    });
    expect(key.depends_on).toBeUndefined(); // the reference to the account's id orders them
  });

  test("a key's Terraform name follows its secret path and store; a moved block brings states from the construct-path name", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    new ApiKey(stack, "prod", { serviceAccount: sa, name: "p", store, secretPath: "team/prod-1" });
    new ApiKey(stack, "other", { serviceAccount: sa, name: "o", store: SecretStore.ageFile({ directory: "elsewhere", recipientFile: fixtureRecipientFile() }), secretPath: "team/prod-1" });
    const json = synth(stack);
    const names = Object.keys(json.resource.apikeys_api_key);
    expect(names).toEqual([expect.stringMatching(/^key_team_prod_1_[0-9a-f]{8}$/), expect.stringMatching(/^key_team_prod_1_[0-9a-f]{8}$/)]);
    expect(names[0]).not.toBe(names[1]); // the same path in two stores
    const address = (id: string) => `apikeys_api_key.${Object.entries(json.resource.apikeys_api_key).find(([, body]: [string, any]) => body.address === `test/${id}`)![0]}`;
    expect(json.moved).toEqual([
      { from: expect.stringMatching(/^apikeys_api_key\.prod_resource_[0-9A-F]+$/), to: address("prod") },
      { from: expect.stringMatching(/^apikeys_api_key\.other_resource_[0-9A-F]+$/), to: address("other") },
    ]);
  });

  test("keys and accounts share one local per distinct api and store map; unset attributes are left out", () => {
    const { stack, api, store } = fixture();
    const sameApi = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
    const other = SecretStore.ageFile({ directory: "other", recipientFile: fixtureRecipientFile() });
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    new ApiKey(stack, "a", { serviceAccount: sa, name: "a", store, secretPath: "a" });
    new ApiKey(stack, "b", { serviceAccount: sa, api: sameApi, name: "b", store, secretPath: "b" });
    new ApiKey(stack, "c", { serviceAccount: sa, name: "c", store: other, secretPath: "c" });
    const json = synth(stack);

    expect(Object.keys(json.locals).sort()).toEqual([
      expect.stringMatching(/^apikeys_api_flownally_[0-9a-f]{8}$/),
      expect.stringMatching(/^apikeys_store_age_file_[0-9a-f]{8}$/),
      expect.stringMatching(/^apikeys_store_age_file_[0-9a-f]{8}$/),
    ]);
    const keys = Object.values(json.resource.apikeys_api_key) as any[];
    const account = Object.values(json.resource.apikeys_service_account)[0] as any;
    expect(new Set([account.api, ...keys.map((k) => k.api)]).size).toBe(1); // two equal Api objects, one map
    expect(account.store).toBe(keys[0].store); // the account's records go to its first key's store
    expect(keys.map((k) => withLocals(json, k).store.directory)).toEqual(["secrets", "secrets", "other"]);
    expect(Object.keys(keys[0]).sort()).toEqual(["address", "api", "lifecycle", "name", "owner", "secret_path", "service_account_id", "store", "token_env"]);
  });

  test("a key in another stack than its account reaches the account's id through cdktf's cross-stack reference", () => {
    const app = testApp();
    const { api, store } = fixture();
    const owner = new TerraformStack(app, "owner");
    const consumer = new TerraformStack(app, "consumer");
    const sa = new ServiceAccount(owner, "sa", { api, name: "sa" });
    new ApiKey(consumer, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
    app.synth(); // the whole app: cross-stack references are wired across stacks
    const stackJson = (name: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    const key = Object.values(stackJson("consumer").resource.apikeys_api_key)[0] as any;
    expect(key.service_account_id).toMatch(/^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.[^}]+\}$/);
    expect(Object.keys(stackJson("owner").output)).toEqual([expect.stringMatching(/^cross-stack-output-apikeys_service_account/)]);
  });

  test("a key's attributes are tokens that cdktf wires into other stacks", () => {
    const app = testApp();
    const { api, store } = fixture();
    const keys = new TerraformStack(app, "keys");
    const consumer = new TerraformStack(app, "consumer");
    const key = new ApiKey(keys, "key", { serviceAccount: new ServiceAccount(keys, "sa", { api, name: "sa" }), name: "k", store, secretPath: "k" });
    new TerraformOutput(consumer, "key_id", { value: key.keyId });
    app.synth();
    const stackJson = (name: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    expect(stackJson("consumer").output.key_id.value).toMatch(/^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.[^}]+\}$/);
    const [crossOutput] = Object.values(stackJson("keys").output) as any[];
    expect(crossOutput.value).toMatch(/^\$\{apikeys_api_key\.key_k_[0-9a-f]{8}\.id\}$/);
  });

  test("cdktf's test matchers find the keys and accounts, as the README says", () => {
    const { stack, api, store } = fixture();
    new ApiKey(stack, "prod", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "billing" }), name: "billing-prod", store, secretPath: "billing/prod" });
    const json = Testing.synth(stack);
    expect(Testing.toHaveResourceWithProperties(json, "apikeys_api_key", { name: "billing-prod", address: "test/prod" })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(json, "apikeys_service_account", { name: "billing" })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(json, "apikeys_api_key", { name: "other" })).toBe(false);
  });

  test("synthesizing twice gives the same JSON; HCL output is refused with the fix", () => {
    const { stack, api, store } = fixture();
    new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "k" });
    expect(Testing.synth(stack)).toBe(Testing.synth(stack));
    const hcl = new TerraformStack(Testing.app({ outdir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-hcl-")), "out"), hclOutput: true } as any), "hcl");
    try {
      new ServiceAccount(hcl, "alone", { api, name: "alone", store });
      expect(() => Testing.synthHcl(hcl)).toThrow(/HCL output/); // accounts too
      new ApiKey(hcl, "key", { serviceAccount: new ServiceAccount(hcl, "sa", { api, name: "sa" }), name: "k", store, secretPath: "k" });
      expect(() => Testing.synthHcl(hcl)).toThrow(/HCL output \(`hclOutput: true` on the App\) is not supported.*Remove `hclOutput`/);
    } finally {
      fs.rmSync(path.dirname(App.of(hcl).outdir), { recursive: true, force: true });
    }
  });

  test("a referenced account is addressed by its id, with no dependency", () => {
    const { stack, api, store } = fixture();
    const existing = ServiceAccount.fromId(stack, "existing", { api, serviceAccountId: "sa_123" });
    new ApiKey(stack, "key", { serviceAccount: existing, name: "k", store, secretPath: "k" });
    const [key] = Object.values(synth(stack).resource.apikeys_api_key) as any[];
    expect(key.service_account_id).toBe("sa_123");
    expect(key.depends_on).toBeUndefined();
  });

  test("non-secret attributes are tokens usable in outputs, and both constructs are dependable", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    const key = new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
    new TerraformOutput(stack, "key_facts", { value: { id: key.keyId, prefix: key.prefix, account: key.serviceAccountId, created: key.createdAt, expires: key.expiresAt } });
    new TerraformOutput(stack, "account", { value: sa.serviceAccountId, dependsOn: [sa, key] });
    const json = synth(stack);
    expect(json.output.key_facts.value).toEqual({
      id: expect.stringMatching(/^\$\{apikeys_api_key\.key_k_[0-9a-f]{8}\.id\}$/),
      prefix: expect.stringMatching(/\.prefix\}$/),
      account: expect.stringMatching(/\.service_account_id\}$/),
      created: expect.stringMatching(/\.created_at\}$/),
      expires: expect.stringMatching(/\.expires_at\}$/),
    });
    expect(json.output.account.depends_on).toEqual([expect.stringMatching(/apikeys_service_account\.sa_resource_/), expect.stringMatching(/apikeys_api_key\.key_k_[0-9a-f]{8}/)]);
  });

  test("user strings are taken literally by Terraform: template sequences are escaped", () => {
    const { stack, api, store } = fixture();
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa", description: "%{ if true }x%{ endif }" });
    new ApiKey(stack, "key", { serviceAccount: sa, name: '${file("/etc/hostname")}', store, secretPath: "k" });
    const json = synth(stack);
    const [key] = Object.values(json.resource.apikeys_api_key) as any[];
    const [account] = Object.values(json.resource.apikeys_service_account) as any[];
    expect(key.name).toBe('$${file("/etc/hostname")}');
    expect(account.description).toBe("%%{ if true }x%%{ endif }");
  });

  test("synth puts the provider executable in the stack's implied local mirror, for each platform", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-mirror-"));
    const previous = process.cwd();
    try {
      fs.writeFileSync(path.join(project, "recipient.txt"), RECIPIENT);
      process.chdir(project);
      const app = new App({ outdir: "cdktf.out" });
      const stack = new TerraformStack(app, "mirror");
      const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
      const store = SecretStore.ageFile({ directory: "secrets", recipientFile: "recipient.txt" });
      new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "k" });
      fs.mkdirSync("cdktf.out/stacks/mirror", { recursive: true });
      fs.writeFileSync("cdktf.out/stacks/mirror/.terraform.lock.hcl", 'provider "registry.terraform.io/hashicorp/null" {\n  version = "3.2.3"\n}\n');
      app.synth();
      process.chdir(previous);

      const bundle = fs.readFileSync(path.resolve(__dirname, "../../dist/provider.cjs"));
      for (const platform of ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"]) {
        const exe = path.join(project, "cdktf.out/stacks/mirror/terraform.d/plugins/cdktf-api-keys.local/cdktf-api-keys/apikeys", version, platform, `terraform-provider-apikeys_v${version}`);
        expect(fs.statSync(exe).mode & 0o777).toBe(0o755);
        expect(fs.readFileSync(exe).equals(bundle)).toBe(true);
      }
      // The lock file records the executable's checksum (so `cdktf deploy` needs no registry), keeping other providers' entries.
      const lock = fs.readFileSync(path.join(project, "cdktf.out/stacks/mirror/.terraform.lock.hcl"), "utf8");
      expect(lock).toContain(`provider "cdktf-api-keys.local/cdktf-api-keys/apikeys" {\n  version     = "${version}"`);
      const side = PROVIDER_SIDE_FILES.map((name) => ({ name, content: fs.readFileSync(path.resolve(__dirname, "../../dist", name)) }));
      expect(lock).toContain(packageHash([{ name: `terraform-provider-apikeys_v${version}`, content: bundle }, ...side]));
      expect(lock).toContain('provider "registry.terraform.io/hashicorp/null"');
      const json = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out/stacks/mirror/cdk.tf.json"), "utf8"));
      expect(json.provider.apikeys).toEqual([{ project_dir: "../../.." }]);
      // Synth again into the same directory (files already there are replaced), and the package's own files keep their modes.
      process.chdir(project);
      app.synth();
      process.chdir(previous);
      const exe = path.join(project, "cdktf.out/stacks/mirror/terraform.d/plugins/cdktf-api-keys.local/cdktf-api-keys/apikeys", version, "linux_amd64", `terraform-provider-apikeys_v${version}`);
      expect(fs.readFileSync(exe).equals(bundle)).toBe(true);
      expect(fs.statSync(path.resolve(__dirname, "../../dist/provider.cjs")).mode & 0o777).toBe(0o755);
      for (const name of PROVIDER_SIDE_FILES) {
        expect(fs.statSync(path.join(path.dirname(exe), name)).mode & 0o777).toBe(0o644);
      }
      expect(json.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
    } finally {
      process.chdir(previous);
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  describe("engines", () => {
    test("a key takes its account's engine; mixing engines is refused with the fix", () => {
      const { stack, api, store } = fixture();
      const hooked = new ServiceAccount(stack, "hooked", { api, name: "hooked", engine: "hooks" });
      const key = new ApiKey(stack, "inherits", { serviceAccount: hooked, name: "k", store, secretPath: "a" });
      expect(key.engine).toBe("hooks");
      expect(() => new ApiKey(stack, "mixed", { serviceAccount: hooked, name: "k", store, secretPath: "b", engine: "provider" })).toThrow(
        /ApiKey test\/mixed: `engine` is "provider" but its serviceAccount test\/hooked uses "hooks".*set the same `engine` on both/,
      );
    });

    test("`carrier` without the hooks engine is refused, naming the fix", () => {
      const { stack, api } = fixture();
      expect(() => new ServiceAccount(stack, "sa", { api, name: "sa", carrier: "null_resource" })).toThrow(/`carrier` applies only to the fallback hooks engine. Add `engine: "hooks"`/);
    });

    test("attributes that only state knows are refused on the hooks engine", () => {
      const { stack, api, store } = fixture();
      const sa = new ServiceAccount(stack, "sa", { api, name: "sa", engine: "hooks" });
      const key = new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store, secretPath: "k" });
      expect(() => key.keyId).toThrow(/ApiKey test\/key: `id` is known only on the provider engine/);
      expect(() => sa.serviceAccountId).toThrow(/ServiceAccount test\/sa: `id` is known only on the provider engine/);
    });
  });
});
