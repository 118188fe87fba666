/**
 * One synth in a process of its own, for `npm run bench`: `node synth-once.js <ours|bare> <count> <dir>`
 * prints `{ ms, maxRssMb }`. `ours` is <count> keys (and one account per 100) of this library; `bare` is
 * <count> plain `terraform_data` resources of cdktf, the floor.
 */
import * as path from "path";
import { Construct } from "constructs";
import { App, TerraformResource, TerraformStack } from "cdktf";

class Plain extends TerraformResource {
  constructor(scope: Construct, id: string, private readonly input: unknown) {
    super(scope, id, { terraformResourceType: "terraform_data" });
  }
  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { input: this.input };
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
