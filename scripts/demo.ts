/**
 * `npm run demo`: the whole lifecycle against the local emulator, in a scratch directory (.demo/):
 * start the emulator, synthesize examples/quickstart, terraform init + apply, show what was created,
 * prove each stored key authenticates, show that a second plan has no changes, destroy, and prove
 * the keys no longer authenticate. Exits non-zero on the first step that fails.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createClient } from "../src/clients/create-client";
import { startEmulator } from "../src/emulator/start-emulator";
import { AgeFileStore } from "../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../src/stores/age-identity";
import type { ApiSpec } from "../src/spec";

const repo = path.resolve(__dirname, "../..");
const work = path.join(repo, ".demo");
const TOTAL = 8;

/** What the demo runs for each API: its example app, its stack, and what the example declares. */
const DEMOS = {
  flownally: { example: "quickstart", keys: 3, what: "2 service accounts, 3 API keys" },
  factory: { example: "factory", keys: 2, what: "2 API keys for an existing service account" },
  flexprice: { example: "flexprice", keys: 3, what: "2 service accounts with roles, 3 API keys" },
} as const;
type DemoApi = keyof typeof DEMOS;
const started = Date.now();

function step(n: number, title: string): void {
  process.stdout.write(`\n[${n}/${TOTAL}] ${title}\n`);
}
const say = (line: string) => process.stdout.write(`      ${line}\n`);

/** Runs a command, echoing the lines a person wants to follow; the whole output is shown if it fails. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, show: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let all = "";
    let pending = "";
    const onData = (chunk: Buffer) => {
      all += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      // Terraform's lines name the resource as `apikeys_api_key.<construct id>_resource_<hash>`: the construct id says it all.
      for (const line of lines) if (show.test(line)) say(line.replace(/^apikeys_(\w+)\.(\S+?)_resource_[0-9A-F]+: /, "$2 ($1): ").trim());
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(all);
      else reject(new Error(`${command} ${args.join(" ")} failed with exit code ${code}:\n${all}`));
    });
  });
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  rows.forEach((row, i) => {
    say(row.map((cell, j) => cell.padEnd(widths[j])).join("  "));
    if (i === 0) say(widths.map((w) => "-".repeat(w)).join("  "));
  });
}

async function main(): Promise<void> {
  const api = parseApi(process.argv.slice(2));
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, "terraformrc"), "");

  const demo = DEMOS[api];
  const STACK = demo.example;
  const ENV = api.toUpperCase();

  step(1, `Starting the local ${api} emulator`);
  const emulator = await startEmulator({ api });
  say(`listening on ${emulator.url}`);
  const seeded = api === "factory" ? emulator.inspect().serviceAccounts[0] : undefined;
  if (seeded) say(`service account ${seeded.name} (${seeded.id}) exists already, as if created in Factory's web app`);

  try {
    step(2, "Creating an age identity for the encrypted file store");
    const identityFile = path.join(work, ".keys/identity.txt");
    await generateIdentityFiles(identityFile, path.join(work, ".keys/recipient.txt"));
    say(`identity .demo/.keys/identity.txt, recipient .demo/.keys/recipient.txt`);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [`${ENV}_URL`]: emulator.url,
      [`${ENV}_TOKEN`]: emulator.adminToken,
      ...(seeded ? { FACTORY_SERVICE_ACCOUNT_ID: seeded.id } : {}),
      TF_CLI_CONFIG_FILE: path.join(work, "terraformrc"),
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
    };
    const stackDir = path.join(work, "cdktf.out/stacks", STACK);

    step(3, `Synthesizing examples/${demo.example} (${demo.what})`);
    await run(process.execPath, [path.join(repo, `dist/examples/${demo.example}/main.js`)], work, env, /^$/);
    say(`stack directory .demo/cdktf.out/stacks/${STACK}`);

    step(4, "terraform init and apply");
    await run("terraform", ["init", "-input=false", "-no-color"], stackDir, env, /Terraform has been successfully initialized/);
    await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], stackDir, env, /: Creation complete|Apply complete/);

    const apiSpec: ApiSpec = { kind: api, baseUrl: emulator.url, tokenEnv: `${ENV}_TOKEN` };
    const client = createClient(apiSpec, emulator.adminToken);
    const store = new AgeFileStore({ directory: path.join(work, "secrets"), identity: readIdentity(identityFile) });
    const records = await store.listKeyRecords();
    const accounts = new Map(emulator.inspect().serviceAccounts.map((a) => [a.id, a.name]));
    step(5, "What was created");
    table([
      ["account", "key name", "key id", "prefix", "expires", "stored at"],
      ...records.map(({ secretPath, record }) => [
        accounts.get(record.serviceAccountId) ?? record.serviceAccountId,
        record.name,
        record.keyId,
        record.prefix || "(none)",
        record.expiresAt ? record.expiresAt.slice(0, 10) : "never",
        `.demo/secrets/${secretPath}.age`,
      ]),
    ]);

    step(6, "Each stored key authenticates against the API");
    const values: [string, string, string][] = [];
    for (const { secretPath } of records) {
      const { value, serviceAccountId } = await store.readSecret(secretPath);
      values.push([secretPath, value, serviceAccountId]);
      const ok = await client.authenticates(value, serviceAccountId);
      say(`${secretPath}: ${ok ? "authenticates" : "REJECTED"}`);
      if (!ok) throw new Error(`the key stored at ${secretPath} does not authenticate`);
    }
    if (values.length !== demo.keys) throw new Error(`expected ${demo.keys} stored keys, found ${values.length}`);

    step(7, "A second terraform plan has no changes");
    const plan = await run("terraform", ["plan", "-input=false", "-no-color", "-detailed-exitcode"], stackDir, env, /No changes/);
    if (!/No changes/.test(plan)) throw new Error("the second plan is not empty");

    step(8, "terraform destroy, then the keys no longer authenticate");
    await run("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], stackDir, env, /: Destruction complete|Destroy complete/);
    for (const [secretPath, value, serviceAccountId] of values) {
      const ok = await client.authenticates(value, serviceAccountId);
      say(`${secretPath}: ${ok ? "STILL AUTHENTICATES" : "rejected (revoked)"}`);
      if (ok) throw new Error(`the key that was stored at ${secretPath} still authenticates after destroy`);
    }
    const left = fs.existsSync(path.join(work, "secrets")) ? fs.readdirSync(path.join(work, "secrets")) : [];
    if (left.length) throw new Error(`the store is not empty after destroy: ${left.join(", ")}`);
    say("the store is empty");
  } finally {
    await emulator.close();
  }
  process.stdout.write(`\nDemo complete in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

/** `[--api NAME]` or `[--api=NAME]`; anything else is refused rather than ignored. */
function parseApi(argv: string[]): DemoApi {
  const names = Object.keys(DEMOS).join(", ");
  let api = "flownally";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--api" && i + 1 < argv.length) api = argv[++i];
    else if (arg.startsWith("--api=")) api = arg.slice("--api=".length);
    else if (arg === "--api") throw new Error(`--api needs a value: one of ${names}`);
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}; usage: npm run demo -- [--api ${Object.keys(DEMOS).join("|")}]`);
  }
  if (!Object.hasOwn(DEMOS, api)) throw new Error(`--api ${JSON.stringify(api)} is not one of ${names}`);
  return api as DemoApi;
}

main().catch((e: Error) => {
  process.stderr.write(`\ndemo failed: ${e.message}\n`);
  process.exitCode = 1;
});
