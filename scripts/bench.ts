/**
 * `npm run bench [-- --keys N]`: prints the figures that matter for speed, each beside a floor
 * measured in the same run.
 *  1. synth: time and memory to synthesize a stack of 1,000 keys;
 *  2. provider start-up to its handshake line, against `node -e 0` (Terraform starts the provider
 *     four times per apply);
 *  3. terraform apply, plan (with refresh) and destroy of N keys (default 1,000) on the provider
 *     engine against the emulator, against a bare `terraform_data` stack of the same size;
 *  4. hook start-up (the fallback engine runs it twice per resource).
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

/** The floor: `count` bare terraform_data resources, no provider. */
function synthBare(project: string, count: number): string {
  const dir = path.join(project, `bare${count}`);
  fs.mkdirSync(dir, { recursive: true });
  const resource = Object.fromEntries(Array.from({ length: count }, (_, i) => [`r${i}`, { input: { name: `key-${i}`, path: `bench/${i}` } }]));
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: resource } }));
  return dir;
}

/** Milliseconds from spawning the provider (`command args`) to its handshake line on stdout. */
function providerStartup(command: string, args: string[]): Promise<number> {
  const cert = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=bench", "-days", "1"], { encoding: "utf8" }).stdout;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2", PLUGIN_PROTOCOL_VERSIONS: "6", PLUGIN_CLIENT_CERT: cert },
      stdio: ["ignore", "pipe", "ignore"],
    });
    child.stdout.once("data", () => {
      resolve(Number(process.hrtime.bigint() - start) / 1e6);
      child.kill("SIGKILL");
    });
    child.on("error", reject);
  });
}

const ratio = (value: number, floor: number) => `${(value / floor).toFixed(2)}x`;

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
  const at = process.argv.indexOf("--keys");
  const keys = at > 0 ? Number(process.argv[at + 1]) : 1000;
  if (!(keys > 0)) throw new Error(`--keys must be a positive number (got ${process.argv[at + 1]})`);
  const emulator = await startEmulator();
  const api = Api.flownally({ baseUrl: emulator.url, tokenEnv: "FLOWNALLY_TOKEN" });
  console.log(`machine: ${os.cpus().length} cores, node ${process.version}`);

  try {
    // 1. synth, each in a fresh process, against a bare cdktf stack of the same resource count
    const synthOnce = (mode: "ours" | "bare", count: number): { ms: number; maxRssMb: number } => {
      const out = spawnSync(process.execPath, [path.join(repo, "dist/scripts/synth-once.js"), mode, String(count), project], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(`synth ${mode} ${count} failed: ${out.stderr}`);
      return JSON.parse(out.stdout) as { ms: number; maxRssMb: number };
    };
    // Interleaved, so that a burst of load on this shared machine falls on both alike.
    const samples = { ours: [] as number[], bare: [] as number[] };
    for (let i = 0; i < 9; i++) for (const mode of ["ours", "bare"] as const) samples[mode].push(synthOnce(mode, 1000).ms);
    const [ours1k, bare1k] = [median(samples.ours), median(samples.bare)];
    console.log(`synth, 1,000 keys: ${(ours1k / 1000).toFixed(2)} s vs bare cdktf ${(bare1k / 1000).toFixed(2)} s: ${ratio(ours1k, bare1k)} (goal <= 1.5x)`);
    const [ours5k, bare5k] = [synthOnce("ours", 5000), synthOnce("bare", 5000)];
    console.log(`synth, 5,000 keys, peak memory: ${ours5k.maxRssMb.toFixed(0)} MB vs bare cdktf ${bare5k.maxRssMb.toFixed(0)} MB: ${ratio(ours5k.maxRssMb, bare5k.maxRssMb)} (goal <= 2x)`);

    // 2. provider start-up: the script as node runs it, the script as terraform runs it (through its sh
    // launcher), and the self-contained executable (built here from the npm Node.js binary), interleaved
    const provider = path.join(repo, "dist/provider.cjs");
    const bare = median(timeRuns(15, () => spawnSync(process.execPath, ["-e", "0"], { stdio: "ignore" })));
    const built = spawnSync(process.execPath, [path.join(repo, "scripts/build-provider-executable.js"), `linux-${process.arch}`], { encoding: "utf8" });
    const executable = path.join(repo, `packages/provider-linux-${process.arch}/bin/terraform-provider-apikeys`);
    const candidates: [string, string, string[]][] = [
      ["script (node provider.cjs)", process.execPath, [provider]],
      ["script via its sh launcher", provider, []],
    ];
    if (built.status === 0) candidates.push([`self-contained executable (${(fs.statSync(executable).size / 1e6).toFixed(0)} MB)`, executable, []]);
    else console.log(`self-contained executable not built here: ${built.stderr.trim().split("\n").pop()}`);
    const starts = candidates.map((): number[] => []);
    for (let i = 0; i < 15; i++) for (const [j, [, command, args]] of candidates.entries()) starts[j].push(await providerStartup(command, args));
    for (const [j, [label]] of candidates.entries()) {
      const startup = median(starts[j]);
      console.log(`provider start-up to handshake, ${label}: ${startup.toFixed(0)} ms median, node -e 0 ${bare.toFixed(0)} ms: ${ratio(startup, bare)} (goal <= 2x)`);
    }

    // 3. terraform apply, plan, destroy: provider engine against bare terraform_data
    const rc = path.join(project, "terraformrc");
    fs.writeFileSync(rc, "");
    const env = { ...process.env, FLOWNALLY_TOKEN: emulator.adminToken, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    const floorDir = synthBare(project, keys);
    const stackDir = synthStack(project, keys, api);
    const measure = async (dir: string) => {
      await run("terraform", ["init", "-input=false"], dir, env);
      const apply = await run("terraform", ["apply", "-auto-approve", "-input=false"], dir, env);
      const plan = await run("terraform", ["plan", "-input=false"], dir, env);
      const destroy = await run("terraform", ["destroy", "-auto-approve", "-input=false"], dir, env);
      return { apply, plan, destroy };
    };
    const floor = await measure(floorDir);
    const ours = await measure(stackDir);
    const accounts = Math.max(1, Math.ceil(keys / 100));
    console.log(`terraform, ${keys} keys + ${accounts} accounts (provider engine) against ${keys} bare terraform_data:`);
    for (const phase of ["apply", "plan", "destroy"] as const) {
      console.log(`  ${phase.padEnd(8)} ${(ours[phase] / 1000).toFixed(1)} s vs ${(floor[phase] / 1000).toFixed(1)} s: ${ratio(ours[phase], floor[phase])} (goal <= 2x)`);
    }

    // 4. hook start-up (fallback engine)
    const hook = path.join(repo, "dist/hook.cjs");
    const loaded = median(timeRuns(15, () => spawnSync(process.execPath, [hook], { stdio: "ignore" })));
    console.log(`hook start-up (fallback engine; load, parse, exit on usage error): ${loaded.toFixed(0)} ms median, node -e 0 ${bare.toFixed(0)} ms`);
  } finally {
    await emulator.close();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`bench failed: ${e.message}`);
  process.exitCode = 1;
});
