/**
 * One synth in a process of its own, for `npm run bench`: `node synth-once.js <ours|shape|bare> <count> <dir>`
 * prints `{ ms, maxRssMb }`.
 * - `ours`: <count> keys (and one account per 100) of this library;
 * - `bare`: <count> plain `terraform_data` resources of cdktf, the floor;
 * - `shape`: cdktf alone writing the JSON `ours` writes (the same resources in constructs of their own,
 *   attributes, locals, lifecycle and moved blocks) without this library's code: what the output itself
 *   costs cdktf, so that `ours / shape` is the library's own share.
 */
import * as path from "path";
import { Construct } from "constructs";
import { App, TerraformLocal, TerraformResource, TerraformStack } from "cdktf";

class Plain extends TerraformResource {
  constructor(scope: Construct, id: string, private readonly input: unknown) {
    super(scope, id, { terraformResourceType: "terraform_data" });
  }
  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { input: this.input };
  }
}

/** A resource of any type with the attributes given. */
class Shaped extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, private readonly attributes: { [name: string]: unknown }) {
    super(scope, id, { terraformResourceType: type });
  }
  protected synthesizeAttributes(): { [name: string]: unknown } {
    return this.attributes;
  }
}

const [mode, countText, dir] = process.argv.slice(2);
const count = Number(countText);
const start = process.hrtime.bigint();
process.chdir(dir);
const app = new App({ outdir: path.join(dir, `cdktf.out.${mode}`) });
const stack = new TerraformStack(app, "synth");
if (mode === "bare") {
  for (let i = 0; i < count; i++) new Plain(stack, `r${i}`, { name: `key-${i}`, path: `bench/${i}` });
} else if (mode === "shape") {
  new TerraformLocal(stack, "apikeys_api", { kind: "flownally", base_url: "https://api.flownally.example" });
  new TerraformLocal(stack, "apikeys_store", { kind: "age-file", directory: "secrets", recipient: "age10mezvsm730mj4gad6t90e4qhnkg85c0quj5e76avx9hu6alx6cfqn8qr02" });
  const common = { api: "${local.apikeys_api}", token_env: "FLOWNALLY_TOKEN", store: "${local.apikeys_store}" };
  const accounts = Array.from({ length: Math.max(1, Math.ceil(count / 100)) }, (_, i) => {
    const account = new Shaped(new Construct(stack, `sa-${i}`), "resource", "apikeys_service_account", { address: `synth/sa-${i}`, name: `bench-${i}`, ...common });
    return account.friendlyUniqueId;
  });
  const moved: { from: string; to: string }[] = [];
  stack.addOverride("moved", moved);
  for (let i = 0; i < count; i++) {
    const key = new Shaped(new Construct(stack, `key-${i}`), "resource", "apikeys_api_key", {
      address: `synth/key-${i}`,
      service_account_id: `\${apikeys_service_account.${accounts[i % accounts.length]}.id}`,
      name: `key-${i}`,
      secret_path: `bench/${i}`,
      ...common,
    });
    key.lifecycle = { createBeforeDestroy: true };
    const from = key.friendlyUniqueId;
    key.overrideLogicalId(`key_bench_${i}_${(i * 2654435761).toString(16).slice(-8)}`);
    moved.push({ from: `apikeys_api_key.${from}`, to: `apikeys_api_key.${key.friendlyUniqueId}` });
  }
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Api, ApiKey, SecretStore, ServiceAccount } = require("../src") as typeof import("../src");
  const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
  const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });
  const accounts = Array.from({ length: Math.max(1, Math.ceil(count / 100)) }, (_, i) => new ServiceAccount(stack, `sa-${i}`, { api, name: `bench-${i}` }));
  for (let i = 0; i < count; i++) new ApiKey(stack, `key-${i}`, { serviceAccount: accounts[i % accounts.length], name: `key-${i}`, store, secretPath: `bench/${i}` });
}
app.synth();
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
