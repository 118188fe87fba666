import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Api, SecretStore } from "../../src";
import type { ApiKind } from "../../src/spec";
import { startEmulator, RunningEmulator } from "../../src/emulator/start-emulator";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";

/** The result of one command, with its output kept for the secret canary. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A throwaway project on disk (identity, recipient, secrets directory), an emulator on loopback, and
 * helpers to synthesize a stack there and drive the real terraform binary against it. Every byte
 * terraform prints is kept in `transcript` for the canary checks.
 */
export class Project {
  public static async create(name: string, kind: ApiKind = "flownally"): Promise<Project> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-api-keys-${name}-`));
    await generateIdentityFiles(path.join(dir, ".keys/identity.txt"), path.join(dir, ".keys/recipient.txt"));
    const cliConfig = path.join(dir, "terraformrc");
    fs.writeFileSync(cliConfig, "");
    return new Project(dir, await startEmulator({ api: kind }), cliConfig, kind);
  }

  public readonly transcript: string[] = [];
  public readonly secretsDir: string;
  public readonly identityFile: string;

  private constructor(
    public readonly dir: string,
    public readonly emulator: RunningEmulator,
    private readonly cliConfig: string,
    public readonly kind: ApiKind,
  ) {
    this.secretsDir = path.join(dir, "secrets");
    this.identityFile = path.join(dir, ".keys/identity.txt");
  }

  /** The variable the hooks read the admin token from. */
  public get tokenEnv(): string {
    return `${this.kind.toUpperCase()}_TOKEN`;
  }

  /** The emulator's API, or the same API reached through `baseUrl` (a fault proxy in front of it). */
  public api(baseUrl: string = this.emulator.url): Api {
    return Api[this.kind]({ baseUrl, tokenEnv: this.tokenEnv });
  }

  /** Ids of the service accounts the emulator started with (Factory's are made in its web app). */
  public seededAccountIds(): string[] {
    return this.emulator.inspect().serviceAccounts.map((a) => a.id);
  }

  public store(): SecretStore {
    return SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });
  }

  /** A reader of the project's age file store, with the identity (it decrypts). */
  public reader(): AgeFileStore {
    return new AgeFileStore({ directory: this.secretsDir, identity: readIdentity(this.identityFile) });
  }

  /** The ids of every active key the emulator holds, sorted. */
  public activeKeyIds(): string[] {
    return this.emulator
      .inspect()
      .apiKeys.filter((k: { status: string }) => k.status === "active")
      .map((k: { id: string }) => k.id)
      .sort();
  }

  /** The ids of the keys in a stack's state (`terraform show -json`), sorted. */
  public async stateKeyIds(stackDir: string): Promise<string[]> {
    const shown = JSON.parse((await this.ok(this.terraform(stackDir, ["show", "-json"]))).stdout);
    const resources: { type: string; values: { id: string } }[] = shown.values?.root_module?.resources ?? [];
    return resources.filter((r) => r.type === "apikeys_api_key").map((r) => r.values.id).sort();
  }

  /** Synthesizes one stack with the project directory as the working directory, as `cdktf synth` would. Returns the stack directory. */
  public synth(stackName: string, build: (stack: TerraformStack) => void): string {
    const previous = process.cwd();
    process.chdir(this.dir);
    try {
      const app = new App({ outdir: "cdktf.out" });
      build(new TerraformStack(app, stackName));
      app.synth();
    } finally {
      process.chdir(previous);
    }
    this.lastStackDir = path.join(this.dir, "cdktf.out", "stacks", stackName);
    return this.lastStackDir;
  }

  private lastStackDir?: string;

  /** Environment for terraform and the hooks: the token variable, and no user CLI config. */
  public env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      [this.tokenEnv]: this.emulator.adminToken,
      TF_CLI_CONFIG_FILE: this.cliConfig,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      ...extra,
    };
  }

  public async terraform(cwd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    return this.run("terraform", withNoColor(args), cwd, this.env(extraEnv));
  }

  /** terraform init + apply, failing the test with terraform's output when either fails. */
  public async apply(stackDir: string, extraEnv: Record<string, string> = {}): Promise<RunResult> {
    await this.ok(this.terraform(stackDir, ["init", "-input=false"], extraEnv));
    return this.ok(this.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], extraEnv));
  }

  public async destroy(stackDir: string, extraEnv: Record<string, string> = {}): Promise<RunResult> {
    return this.ok(this.terraform(stackDir, ["destroy", "-auto-approve", "-input=false"], extraEnv));
  }

  public async ok(pending: Promise<RunResult>): Promise<RunResult> {
    const result = await pending;
    if (result.code !== 0) throw new Error(`command failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  /** Starts terraform without waiting, for tests that interrupt or kill it. */
  public startTerraform(cwd: string, args: string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; done: Promise<RunResult> } {
    const child = spawn("terraform", withNoColor(args), { cwd, env: this.env(extraEnv), stdio: ["ignore", "pipe", "pipe"] });
    return { child, done: this.collect(child) };
  }

  public run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
    return this.collect(spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
  }

  private collect(child: ChildProcess): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.stderr!.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => {
        this.transcript.push(stdout, stderr);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  /**
   * The Terraform address (`type.name`) of the resource that construct `constructId` synthesized in the
   * stack at `stackDir`: found by cdktf's metadata block (accounts, hooks-engine resources) or by the
   * provider's `address` attribute (keys, which have no metadata block).
   */
  public async terraformAddress(constructId: string, stackDir?: string): Promise<string | undefined> {
    const dir = stackDir ?? this.lastStackDir;
    type Body = { "//"?: { metadata?: { path?: string } }; address?: unknown };
    const config = JSON.parse(fs.readFileSync(path.join(dir!, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Body>> };
    for (const [type, resources] of Object.entries(config.resource ?? {})) {
      for (const [name, body] of Object.entries(resources)) {
        const byMetadata = body["//"]?.metadata?.path?.endsWith(`/${constructId}/resource`);
        const byAddress = type === "apikeys_api_key" && typeof body.address === "string" && body.address.endsWith(`/${constructId}`);
        if (byMetadata || byAddress) return `${type}.${name}`;
      }
    }
    return undefined;
  }

  /**
   * The secret canary: none of `values` (key values) nor the admin token occurs in the state, the
   * synthesized output or anything terraform printed.
   */
  public expectNoSecretsOutsideStore(stackDir: string, values: readonly string[]): void {
    const places: [string, string][] = [
      ...Project.files(stackDir)
        .filter((f) => !f.includes(`${path.sep}terraform.d${path.sep}`) && !f.includes(`${path.sep}.terraform${path.sep}`))
        .map((f): [string, string] => [f, fs.readFileSync(f, "latin1")]),
      ...Project.files(path.join(this.dir, "cdktf.out")).filter((f) => !f.includes(`${path.sep}terraform.d${path.sep}`)).map((f): [string, string] => [f, fs.readFileSync(f, "latin1")]),
      ...this.transcript.map((t, i): [string, string] => [`terraform output #${i}`, t]),
    ];
    if (values.length === 0) throw new Error("the canary needs at least one minted value to look for");
    for (const value of [...values, this.emulator.adminToken]) {
      for (const [where, text] of places) {
        if (text.includes(value)) throw new Error(`a secret occurs in ${where}`);
      }
    }
  }

  /** Every regular file below `dir`, recursively (symbolic links, like terraform's provider cache links, are not followed). */
  public static files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isSymbolicLink()) return [];
      return e.isDirectory() ? Project.files(p) : [p];
    });
  }


  public async close(): Promise<void> {
    await this.emulator.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `-no-color` goes after the (sub)command: `apply -no-color ...`, `state list -no-color ...`. */
function withNoColor(args: readonly string[]): string[] {
  const at = args[0] === "state" ? 2 : 1;
  return [...args.slice(0, at), "-no-color", ...args.slice(at)];
}
