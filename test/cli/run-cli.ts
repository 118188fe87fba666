/**
 * Runs the built `cdktf-api-keys` command (dist/src/cli/main.js, as `npm test` builds it) as a child
 * process, the way a user or a script does: real argv, environment, working directory, standard input,
 * exit code and signals.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "child_process";
import * as fs from "fs";
import * as path from "path";

const repo = path.resolve(__dirname, "../..");
export const MAIN = path.join(repo, "dist/src/cli/main.js");

/**
 * Fails clearly when dist is older than the sources: the tests would otherwise check yesterday's
 * command. `npm test` builds first; alone, run `npx tsc -p tsconfig.json`.
 */
export function assertBuilt(): void {
  const sources = path.join(repo, "src/cli");
  for (const file of fs.readdirSync(sources).filter((f) => f.endsWith(".ts"))) {
    const built = path.join(repo, "dist/src/cli", file.replace(/\.ts$/, ".js"));
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(path.join(sources, file)).mtimeMs) {
      throw new Error(`${path.relative(repo, built)} is missing or older than src/cli/${file}: run \`npx tsc -p tsconfig.json\` (npm test builds first).`);
    }
  }
}

export interface CliOptions {
  /** @default a directory the test does not care about: the repository */
  readonly cwd?: string;
  /** Added to the test's environment, from which every CDKTF_API_KEYS_* variable is removed first. */
  readonly env?: NodeJS.ProcessEnv;
  /** Standard input; none (closed at once) when left out. */
  readonly input?: string;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a child: the test's (TMPDIR included, so the leak check sees it), without our own variables. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CDKTF_API_KEYS_")));
  return { ...env, ...extra };
}

/** Runs the command to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? repo,
    env: childEnv(options.env),
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A command that keeps running (the emulator). */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** The first line it prints on stdout, without the newline; rejects if it exits first. */
  readonly firstLine: Promise<string>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Its exit code, once it has exited (null when killed by a signal it did not handle). */
  readonly exit: Promise<number | null>;
}

const started: RunningCli[] = [];

/** Starts the command and returns at once. {@link killStarted} in afterEach ends whatever a failed test left running. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd ?? repo, env: childEnv(options.env), stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end(options.input ?? "");
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exit.then((code) => reject(new Error(`the command exited with ${code} before printing a line; stderr: ${stderr}`)), reject);
  });
  firstLine.catch(() => undefined); // a test that expects the exit need not wait for a line
  const running = { child, firstLine, stdout: () => stdout, stderr: () => stderr, exit };
  started.push(running);
  return running;
}

/** True while a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** For afterEach: SIGKILLs every command a test started that is still running, and waits for it. */
export async function killStarted(): Promise<void> {
  for (const running of started.splice(0)) {
    if (running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill("SIGKILL");
      await running.exit.catch(() => undefined);
    }
  }
}
