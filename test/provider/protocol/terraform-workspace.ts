/**
 * A temporary Terraform working directory with the fixture provider bundled into its implied local
 * mirror (terraform.d/plugins/example.local/test/fixture/0.1.0/<os>_<arch>/), for tests that drive the
 * real terraform binary. The fixture records its calls in `<dir>/fixture/calls.jsonl`.
 */
import { ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CallRecord } from "./fixture-provider";

const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
const PLUGIN_DIR = join("terraform.d", "plugins", "example.local", "test", "fixture", "0.1.0", platform);
const PLUGIN_FILE = "terraform-provider-fixture_v0.1.0";

/** Bundles the fixture provider into one self-contained executable script. */
export function bundleFixtureProvider(outfile: string): void {
  bundleTestProvider(
    'import { serve } from "../../../src/provider/protocol";\nimport { createFixtureProvider } from "./fixture-provider";\nserve(createFixtureProvider(process.env.FIXTURE_DIR ?? "."));\n',
    __dirname,
    outfile,
  );
}

/** Bundles a test provider whose entry is `contents` (imports resolve from `resolveDir`) into one executable node script. */
export function bundleTestProvider(contents: string, resolveDir: string, outfile: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  esbuild.buildSync({
    stdin: { contents, resolveDir, loader: "ts" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "error",
  });
  void esbuild.stop(); // its service process would outlive the test otherwise
  chmodSync(outfile, 0o755);
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class TerraformWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), "tf-protocol-"));
  readonly fixtureDir = join(this.dir, "fixture");
  private readonly children = new Set<ChildProcess>();

  constructor() {
    mkdirSync(join(this.dir, PLUGIN_DIR), { recursive: true });
    mkdirSync(this.fixtureDir);
    writeFileSync(join(this.dir, "empty.tfrc"), "");
    bundleFixtureProvider(join(this.dir, PLUGIN_DIR, PLUGIN_FILE));
  }

  /** The path of the bundled provider executable. */
  get pluginPath(): string {
    return join(this.dir, PLUGIN_DIR, PLUGIN_FILE);
  }

  /** Writes main.tf.json: the fixture provider and these `fixture_thing` blocks. */
  writeConfig(things: { [name: string]: object }): void {
    const config: { [key: string]: unknown } = {
      terraform: { required_providers: { fixture: { source: "example.local/test/fixture", version: "0.1.0" } } },
      provider: { fixture: { label: "from-config" } },
    };
    if (Object.keys(things).length > 0) config.resource = { fixture_thing: things };
    writeFileSync(join(this.dir, "main.tf.json"), JSON.stringify(config, null, 2));
  }

  /**
   * Starts terraform with `args` (-no-color added); stdout and stderr are collected. With
   * `processGroup`, terraform and its providers get a process group of their own, like a shell job
   * (Ctrl-C in a terminal signals the whole group).
   */
  start(args: string[], options: { processGroup?: boolean } = {}): { child: ChildProcess; done: Promise<RunResult> } {
    const child = spawn("terraform", [...args, "-no-color"], {
      cwd: this.dir,
      detached: options.processGroup ?? false,
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(this.dir, "empty.tfrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", FIXTURE_DIR: this.fixtureDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const done = new Promise<RunResult>((resolveRun, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        this.children.delete(child);
        resolveRun({ code, stdout, stderr });
      });
    });
    return { child, done };
  }

  /** Runs terraform to the end. */
  run(...args: string[]): Promise<RunResult> {
    return this.start(args).done;
  }

  /** Runs terraform and fails with its output unless it exits with `expectedCode`. */
  async expectRun(expectedCode: number, ...args: string[]): Promise<RunResult> {
    const result = await this.run(...args);
    if (result.code !== expectedCode) {
      throw new Error(`terraform ${args.join(" ")} exited with ${result.code}, expected ${expectedCode}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /** What the fixture provider recorded, in order. */
  calls(): CallRecord[] {
    const file = join(this.fixtureDir, "calls.jsonl");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as CallRecord);
  }

  /** Writes an object straight into the fixture's remote store (for import). */
  putRemote(id: string, value: object): void {
    const file = join(this.fixtureDir, "remote.json");
    const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    writeFileSync(file, JSON.stringify({ ...all, [id]: value }));
  }

  /** Deletes an object straight from the fixture's remote store (drift). */
  deleteRemote(id: string): void {
    const { [id]: _deleted, ...rest } = this.remote();
    writeFileSync(join(this.fixtureDir, "remote.json"), JSON.stringify(rest));
  }

  /** The fixture's remote store. */
  remote(): { [id: string]: { [attribute: string]: unknown } } {
    const file = join(this.fixtureDir, "remote.json");
    return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  }

  /** The resources in terraform.tfstate: address -> attributes. */
  state(): { [address: string]: { [attribute: string]: unknown } } {
    const file = join(this.dir, "terraform.tfstate");
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (text.trim() === "") return {}; // not written yet, or terraform was killed before it wrote any
    const state = JSON.parse(text) as { resources: { type: string; name: string; instances: { attributes: object }[] }[] };
    return Object.fromEntries(state.resources.map((r) => [`${r.type}.${r.name}`, r.instances[0]?.attributes as { [attribute: string]: unknown }]));
  }

  /** Kills any terraform still running and removes the directory. */
  remove(): void {
    for (const child of this.children) child.kill("SIGKILL");
    rmSync(resolve(this.dir), { recursive: true, force: true });
  }
}

/** Resolves once `predicate` holds, checking every 50 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process is still running (a zombie, exited but not yet reaped, is not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && /^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8")));
}
