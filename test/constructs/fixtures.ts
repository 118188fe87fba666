import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { Api, SecretStore } from "../../src";

/** A recipient file with a syntactically valid age recipient (synth only reads it; nothing is encrypted). */
export const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

export function recipientFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-synth-"));
  const file = path.join(dir, "recipient.txt");
  fs.writeFileSync(file, `# public key for tests\n${RECIPIENT}\n`);
  return file;
}

export function fixture() {
  const app = Testing.app();
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

/** The one resource whose input (or null_resource spec) has the given address. */
export function byAddress(stack: TerraformStack, address: string, type = "terraform_data"): any {
  const found = Object.values(resources(stack, type)).find((r: any) =>
    (r.input ?? JSON.parse(r.triggers?.spec ?? "{}")).address === address,
  );
  if (!found) throw new Error(`no ${type} with address ${address}`);
  return found;
}
