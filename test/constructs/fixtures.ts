import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing, TerraformStack } from "cdktf";
import { Api, SecretStore } from "../../src";

/** A recipient file with a syntactically valid age recipient (synth only reads it; nothing is encrypted). */
export const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the current test. */
export function tempDir(purpose: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-api-keys-${purpose}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Registered here so that every test file using these fixtures cleans up after each test.
afterEach(removeTempDirs);

/** A recipient file in its own temp directory (removed after the test). */
export function recipientFile(): string {
  const file = path.join(tempDir("synth"), "recipient.txt");
  fs.writeFileSync(file, `# public key for tests\n${RECIPIENT}\n`);
  return file;
}

/** `Testing.app()` whose output directory is removed after the test (cdktf's own default temp dir never is). */
export function testApp(): App {
  return Testing.app({ outdir: path.join(tempDir("outdir"), "cdktf.out") });
}

export function fixture() {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
  const store = SecretStore.ageFile({ directory: "secrets", recipientFile: recipientFile() });
  return { app, stack, api, store };
}

/** The synthesized resources of one type, keyed by logical id. */
export function resources(stack: TerraformStack, type = "terraform_data"): Record<string, any> {
  const json = JSON.parse(Testing.synth(stack));
  return json.resource?.[type] ?? {};
}

/** The one resource of the provider engine (`apikeys_service_account` or `apikeys_api_key`) with the given address. */
export function providerResource(stack: TerraformStack, address: string): any {
  const json = JSON.parse(Testing.synth(stack));
  const found = ["apikeys_service_account", "apikeys_api_key"]
    .flatMap((type) => Object.values(json.resource?.[type] ?? {}))
    .find((r: any) => r.address === address);
  if (!found) throw new Error(`no provider resource with address ${address}`);
  return withLocals(json, found);
}

/**
 * A synthesized resource's attributes as Terraform reads them: an attribute that is a whole
 * `${local.<name>}` (the shared `api` and `store` maps) replaced by that local's value. A reference to
 * a local the stack does not define fails the test.
 */
export function withLocals(json: any, body: any): any {
  const out: any = {};
  for (const [name, value] of Object.entries(body)) {
    const reference = typeof value === "string" ? /^\$\{local\.([A-Za-z0-9_-]+)\}$/.exec(value) : null;
    if (reference && !(reference[1] in (json.locals ?? {}))) throw new Error(`${name} refers to local.${reference[1]}, which the stack does not define`);
    out[name] = reference ? json.locals[reference[1]] : value;
  }
  return out;
}

/** The one hooks-engine resource whose input (or null_resource spec) has the given address. */
export function byAddress(stack: TerraformStack, address: string, type = "terraform_data"): any {
  const found = Object.values(resources(stack, type)).find((r: any) =>
    (r.input ?? JSON.parse(r.triggers?.spec ?? "{}")).address === address,
  );
  if (!found) throw new Error(`no ${type} with address ${address}`);
  return found;
}
