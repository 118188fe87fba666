/**
 * Helpers of the packaging tests: child processes with a clean npm environment, and what a module
 * loads.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");

/** What a command did. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd: string;
  /** Added to the clean environment (see {@link cleanEnv}). */
  readonly env?: Record<string, string>;
  /** Killed (SIGKILL) after this long. @default 300 s */
  readonly timeoutMs?: number;
}

/**
 * This process's environment without npm's: `npm test` passes its configuration to scripts as
 * `npm_config_*` variables (the project directory among them), which would apply to the npm commands
 * the tests run in other directories.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== "INIT_CWD") env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command` to its end and collects its output. Never rejects on a non-zero exit: see {@link mustRun}. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** {@link run}, failing with the command's output when it exits non-zero. */
export async function mustRun(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`\`${[command, ...args].join(" ")}\` in ${options.cwd} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/**
 * The packages (by name, from `node_modules`) a fresh node process has loaded after requiring
 * `specifier` from `cwd`.
 */
export async function packagesLoadedBy(specifier: string, cwd: string): Promise<string[]> {
  const script = [
    `require(${JSON.stringify(specifier)});`,
    "const names = new Set();",
    "for (const file of Object.keys(require.cache)) {",
    "  const m = /.*node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);",
    "  if (m) names.add(m[1].replace(/\\\\/g, '/'));",
    "}",
    "process.stdout.write(JSON.stringify([...names].sort()));",
  ].join("\n");
  const { stdout } = await mustRun(process.execPath, ["-e", script], { cwd });
  return JSON.parse(stdout) as string[];
}

/** What the emulator subpath must not drag into the main entry, nor the clients subpath. */
export const EMULATOR_AND_CLIENT_PACKAGES = ["ajv", "ajv-formats", "yaml", "axios"];

/** Every regular file below `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : entry.isFile() ? [file] : [];
  });
}
