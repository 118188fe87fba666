import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ProviderPlatforms, SecretStore, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { RunningSecretsManagerEmulator, startSecretsManagerEmulator } from "../../src/emulator/secrets-manager-emulator";
import { createTlsIdentity } from "../../src/provider/protocol/tls";
import { AwsSecretsManagerStore } from "../../src/stores/aws-secrets-manager-store";
import { mustRun, REPO } from "../packaging/support";
import { Project, RunResult } from "./harness";

/**
 * The self-contained provider executable on a runner without Node.js: the platform packages built and
 * packed by scripts/build-provider-executable.js from the npm packages of the official Node.js binaries,
 * installed into the project as an app would install them, a synth, then terraform run under `env -i`
 * with a PATH that holds terraform and no node. The same stack with the Node.js script fails there,
 * and Terraform's error names the fix.
 */
const version = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;
const MIRROR = `terraform.d/plugins/cdktf-api-keys.local/cdktf-api-keys/apikeys/${version}`;
const EXECUTABLE = `terraform-provider-apikeys_v${version}`;
/** Two keys in the age file store, one in Secrets Manager (the AWS SDK is an asset of the executable, loaded on first use). */
const SECRET_PATHS = ["billing/prod", "billing/staging", "billing/aws"];
const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000000", AWS_SECRET_ACCESS_KEY: "emulator-secret", AWS_REGION: "us-east-1" };

describe("the self-contained provider executable, with terraform and no node", () => {
  let project: Project;
  let sm: RunningSecretsManagerEmulator;
  let bin: string;
  let stackDir: string;
  let scriptStackDir: string;
  let tarballs: string[];
  const values: string[] = [];

  const build = (stack: TerraformStack) => {
    const billing = new ServiceAccount(stack, "billing", { api: project.api(), name: "billing-sync" });
    const aws = SecretStore.awsSecretsManager({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0 });
    for (const secretPath of SECRET_PATHS) {
      new ApiKey(stack, secretPath.replace("/", "-"), { serviceAccount: billing, name: secretPath.replace("/", "-"), store: secretPath === "billing/aws" ? aws : project.store(), secretPath });
    }
  };
  const storeOf = (secretPath: string) =>
    secretPath === "billing/aws"
      ? new AwsSecretsManagerStore({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0, credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY } })
      : project.reader();

  /** terraform through `env -i`: only what is named here, and a PATH whose one directory holds terraform. */
  const bare = (cwd: string, args: string[]): Promise<RunResult> =>
    project.run(
      "/usr/bin/env",
      [
        "-i",
        `PATH=${bin}`,
        `HOME=${project.dir}`,
        `${project.tokenEnv}=${project.emulator.adminToken}`,
        `TF_CLI_CONFIG_FILE=${path.join(project.dir, "terraformrc")}`,
        "TF_IN_AUTOMATION=1",
        "CHECKPOINT_DISABLE=1",
        ...Object.entries(AWS_ENV).map(([name, value]) => `${name}=${value}`),
        "terraform",
        args[0],
        "-no-color",
        ...args.slice(1),
      ],
      cwd,
      {},
    );
  const ok = async (pending: Promise<RunResult>) => project.ok(pending);

  beforeAll(async () => {
    project = await Project.create("no-node");
    sm = await startSecretsManagerEmulator();
    bin = path.join(project.dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim(), path.join(bin, "terraform"));
    // GIVEN both platform packages, built and packed here, installed in the app (an x64 machine installs the arm64 one too)
    const packs = path.join(project.dir, "packs");
    const built = await mustRun(process.execPath, [path.join(REPO, "scripts/build-provider-executable.js"), "linux-x64", "linux-arm64", "--pack", packs], { cwd: REPO, timeoutMs: 900_000 });
    tarballs = built.stdout.trim().split("\n");
    fs.writeFileSync(path.join(project.dir, "package.json"), '{ "name": "no-node-app", "version": "1.0.0", "private": true }\n');
    await mustRun("npm", ["install", "--save-dev", "--offline", "--no-audit", "--no-fund", ...tarballs], { cwd: project.dir });
    // WHEN the app synthesizes: one stack as is, one that asks for the script everywhere
    stackDir = project.synth("keys", build);
    scriptStackDir = project.synth("scripted", (stack) => {
      ProviderPlatforms.configure(stack, { selfContained: [] });
      build(stack);
    });
  }, 900_000);

  afterAll(async () => {
    await sm?.close();
    await project?.close();
  });

  test("the runner's PATH has terraform and no node", () => {
    const found = spawnSync("/usr/bin/env", ["-i", `PATH=${bin}`, "/bin/sh", "-c", "command -v terraform; command -v node || echo no node"], { encoding: "utf8" });
    expect(found.stdout.trim().split("\n")).toEqual([path.join(bin, "terraform"), "no node"]);
  });

  test("the packed platform packages hold the executable and nothing of the main package", async () => {
    for (const tarball of tarballs) {
      const listed = (await mustRun("tar", ["-tzf", tarball], { cwd: project.dir })).stdout.trim().split("\n").sort();
      expect(listed).toEqual(["package/README.md", "package/bin/terraform-provider-apikeys", "package/package.json"]);
    }
  });

  test("synth puts each platform's executable into its Linux folder, the script into the others, and one h1: per distinct folder into the lock file", () => {
    const x64 = path.join(stackDir, MIRROR, "linux_amd64");
    const arm64 = path.join(stackDir, MIRROR, "linux_arm64");
    expect(fs.readdirSync(x64)).toEqual([EXECUTABLE]);
    expect(fs.readdirSync(arm64)).toEqual([EXECUTABLE]);
    expect(elfMachine(path.join(x64, EXECUTABLE))).toBe("x86-64");
    expect(elfMachine(path.join(arm64, EXECUTABLE))).toBe("aarch64");
    for (const platform of ["darwin_amd64", "darwin_arm64"]) {
      expect(fs.readdirSync(path.join(stackDir, MIRROR, platform)).sort()).toEqual(["provider-aws-secrets-manager.cjs", "provider-runtime.cjs", EXECUTABLE].sort());
    }
    const lock = fs.readFileSync(path.join(stackDir, ".terraform.lock.hcl"), "utf8");
    expect(lock.match(/"h1:[^"]+"/g)).toHaveLength(3);
    const scriptLock = fs.readFileSync(path.join(scriptStackDir, ".terraform.lock.hcl"), "utf8");
    expect(scriptLock.match(/"h1:[^"]+"/g)).toHaveLength(1);
    expect(fs.readdirSync(path.join(scriptStackDir, MIRROR, "linux_amd64")).sort()).toEqual(["provider-aws-secrets-manager.cjs", "provider-runtime.cjs", EXECUTABLE].sort());
  });

  test("init, apply, plan and destroy: the keys are minted, stored and revoked", async () => {
    // WHEN
    await ok(bare(stackDir, ["init", "-input=false"]));
    const apply = await ok(bare(stackDir, ["apply", "-auto-approve", "-input=false"]));
    // THEN each key is live, its value stored and working
    // the account, three keys and the stack identity
    expect(apply.stdout).toMatch(/Apply complete! Resources: 5 added, 0 changed, 0 destroyed/);
    const client = createClient(project.api().toSpec(), project.emulator.adminToken);
    const stateIds = await project.stateKeyIds(stackDir);
    expect(stateIds).toHaveLength(3);
    expect(project.activeKeyIds()).toEqual(stateIds);
    for (const secretPath of SECRET_PATHS) {
      const payload = await storeOf(secretPath).readSecret(secretPath);
      values.push(payload.value);
      expect(stateIds).toContain(payload.keyId);
      expect(await client.authenticates(payload.value)).toBe(true);
    }
    // the plan sees them and changes nothing
    const plan = await bare(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: "" });
    // destroy revokes them and deletes their secrets
    await ok(bare(stackDir, ["destroy", "-auto-approve", "-input=false"]));
    expect(project.activeKeyIds()).toEqual([]);
    for (const value of values) expect(await client.authenticates(value)).toBe(false);
    for (const secretPath of SECRET_PATHS) expect(await storeOf(secretPath).hasSecret(secretPath)).toBe(false);
    project.expectNoSecretsOutsideStore(stackDir, values);
  });

  test("the Node.js script in the same place fails at plan, and Terraform's error names the package to install", async () => {
    const before = project.emulator.inspect().apiKeys.length;
    await ok(bare(scriptStackDir, ["init", "-input=false"]));
    const plan = await bare(scriptStackDir, ["plan", "-input=false"]);
    expect(plan.code).toBe(1);
    const shown = plan.stderr.replace(/\s+/g, " ");
    expect(shown).toContain("Failed to load plugin schemas");
    expect(shown).toContain("Unrecognized remote plugin message: cdktf-api-keys: this provider is a Node.js script and node is not on PATH.");
    expect(shown).toContain(`npm install --save-dev cdktf-api-keys-provider-linux-x64@${version}`);
    expect(shown).toContain("or install Node.js 20+ where terraform runs");
    expect(project.emulator.inspect().apiKeys).toHaveLength(before);
  });

  test("the linux-arm64 executable answers the plugin handshake under qemu-user", async () => {
    const qemu = spawnSync("sh", ["-c", "command -v qemu-aarch64-static"], { encoding: "utf8" }).stdout.trim();
    const sysroot = "/usr/aarch64-linux-gnu";
    if (!qemu || !fs.existsSync(path.join(sysroot, "lib/ld-linux-aarch64.so.1"))) {
      // The ELF header is checked above; running it needs Debian's qemu-user-static and the arm64 C and C++ libraries (.ci/run installs them).
      process.stdout.write(`skipped: the arm64 handshake needs qemu-aarch64-static and ${sysroot} (apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross)\n`);
      return;
    }
    const line = await firstLine(qemu, ["-L", sysroot, path.join(stackDir, MIRROR, "linux_arm64", EXECUTABLE)], {
      TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
      PLUGIN_PROTOCOL_VERSIONS: "6",
      PLUGIN_CLIENT_CERT: createTlsIdentity().certPem,
    });
    expect(line).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
  });
});

/** The machine an ELF executable is for, from its header (64-bit little-endian only). */
function elfMachine(file: string): string {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString("latin1", 0, 4) !== "\x7fELF" || header[4] !== 2 || header[5] !== 1) return "not a 64-bit little-endian ELF file";
  const machines: Record<number, string> = { 0x3e: "x86-64", 0xb7: "aarch64" };
  return machines[header.readUInt16LE(18)] ?? `machine ${header.readUInt16LE(18)}`;
}

/** Starts `command` with only `env` (and no node on PATH) and resolves with its first line on stdout, then stops it. */
function firstLine(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...env, PATH: "/nonexistent" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const newline = out.indexOf("\n");
      if (newline >= 0) {
        child.once("close", () => resolve(out.slice(0, newline)));
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!out.includes("\n")) reject(new Error(`exited (${code}) before its handshake:\n${err}`));
    });
  });
}
