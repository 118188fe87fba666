/**
 * `npm run bench`: prints the figures that matter for speed.
 *  1. synth: time and memory to synthesize a stack of 1,000 keys (cdktf's DataResource would spawn
 *     `terraform version` per resource; ours spawns nothing);
 *  2. hook start-up: the bundled hook program's load time against a bare `node` start (every resource
 *     runs it twice, 10 at a time);
 *  3. apply and destroy of 50 keys with the real terraform binary against the emulator.
 * Figures, not pass/fail: the machine is shared and noisy, so medians of repeated runs are printed.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Api, ApiKey, SecretStore, ServiceAccount } from "../src";
import { startEmulator } from "../src/emulator/start-emulator";
import { generateIdentityFiles } from "../src/stores/age-identity";

const repo = path.resolve(__dirname, "../..");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeRuns(runs: number, fn: () => void): number[] {
  return Array.from({ length: runs }, () => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
}

function synthStack(project: string, keys: number, api: Api): string {
  const previous = process.cwd();
  process.chdir(project);
  try {
    const app = new App({ outdir: "cdktf.out" });
    const stack = new TerraformStack(app, `bench${keys}`);
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });
    const accounts = Array.from({ length: Math.max(1, Math.ceil(keys / 100)) }, (_, i) => new ServiceAccount(stack, `sa-${i}`, { api, name: `bench-${i}` }));
    for (let i = 0; i < keys; i++) {
      new ApiKey(stack, `key-${i}`, { serviceAccount: accounts[i % accounts.length], name: `key-${i}`, store, secretPath: `bench/${i}` });
    }
    app.synth();
    return path.join(project, "cdktf.out/stacks", stack.node.id);
  } finally {
    process.chdir(previous);
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Date.now() - start) : reject(new Error(`${command} ${args[0]} failed: ${err}`))));
  });
}

async function main(): Promise<void> {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-bench-"));
  await generateIdentityFiles(path.join(project, ".keys/identity.txt"), path.join(project, ".keys/recipient.txt"));
  const emulator = await startEmulator();
  const api = Api.flownally({ baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" });
  console.log(`machine: ${os.cpus().length} cores, node ${process.version}`);

  try {
    // 1. synth
    synthStack(project, 10, api); // warm up module loading
    const heapBefore = process.memoryUsage().rss;
    const synthMs = timeRuns(1, () => synthStack(project, 1000, api))[0];
    const rssMb = (process.memoryUsage().rss - heapBefore) / 1024 / 1024;
    console.log(`synth, 1,000 keys + 10 accounts: ${(synthMs / 1000).toFixed(2)} s, +${rssMb.toFixed(0)} MB RSS`);

    // 2. hook start-up
    const hook = path.join(repo, "dist/hook.cjs");
    const bare = median(timeRuns(21, () => spawnSync(process.execPath, ["-e", "0"], { stdio: "ignore" })));
    const loaded = median(timeRuns(21, () => spawnSync(process.execPath, [hook], { stdio: "ignore" })));
    console.log(`hook start-up (load, parse, exit on usage error): ${loaded.toFixed(0)} ms median, bare node ${bare.toFixed(0)} ms: the hook adds ${(loaded - bare).toFixed(0)} ms`);
    console.log(`hook bundle: ${(fs.statSync(hook).size / 1024).toFixed(0)} KB`);

    // 3. terraform apply + destroy of 50 keys
    const stackDir = synthStack(project, 50, api);
    const rc = path.join(project, "terraformrc");
    fs.writeFileSync(rc, "");
    const env = { ...process.env, FLOWNALLY_TOKEN: emulator.adminToken, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: "1" };
    await run("terraform", ["init", "-input=false"], stackDir, env);
    const applyMs = await run("terraform", ["apply", "-auto-approve", "-input=false"], stackDir, env);
    const destroyMs = await run("terraform", ["destroy", "-auto-approve", "-input=false"], stackDir, env);
    console.log(`terraform apply, 50 keys + 1 account: ${(applyMs / 1000).toFixed(1)} s (${(applyMs / 51).toFixed(0)} ms per resource)`);
    console.log(`terraform destroy, same: ${(destroyMs / 1000).toFixed(1)} s`);
  } finally {
    await emulator.close();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`bench failed: ${e.message}`);
  process.exitCode = 1;
});
