/**
 * Fails a Jest run that leaves temp directories or processes behind.
 *
 * Wired in jest.config.js as both `globalSetup` and `globalTeardown` (one module: Jest calls its
 * default export once before the run and once after, in the same process).
 *
 * Before the run it creates one private directory under the OS temp dir and points `TMPDIR` at it, so
 * `os.tmpdir()` in the tests, in Jest's workers (started later, they inherit the environment) and in
 * every child process (terraform, the hook, postgres) resolves there. After the run, anything still
 * in it was created by this run and not removed: it is listed, the directory is removed all the same,
 * and the run fails. Another process using the shared temp dir at the same time (another engineer's
 * run, a demo) cannot show up as a leftover.
 *
 * Processes still running with this run's `TMPDIR` in their environment (after a few seconds' grace,
 * Jest's own workers and esbuild service excepted) were started by the run and outlived it (a server
 * never stopped, a terraform not waited for): they are listed, sent SIGKILL, and fail the run too
 * (Linux only: read from /proc).
 *
 * New entries in the shared temp dir whose names look like this project's are reported as a warning
 * only: a test that writes to a hard-coded /tmp would put them there, but so could another process.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Prefixes of the temp entries this project's tests and their tools create. */
const KNOWN_PREFIXES = ["cdktf-api-keys-", "cdktf.outdir.", "cdktf.", "cdktf-module-asset-", "cdktf-convert-"];

/** Where each kind of leftover usually comes from, for the failure message. */
const HINTS: [RegExp, string][] = [
  [/^cdktf\.outdir\./, "cdktf's Testing.app() / Testing.fullSynth(): pass an `outdir` the test removes"],
  [/^cdktf-api-keys-pg-/, "startPostgres(): call stop()"],
  [/^cdktf-api-keys-/, "a mkdtemp in this repo's tests: remove it in afterEach/afterAll or a finally"],
  [/^plugin\d+$/, "a terraform provider plugin that did not exit (terraform killed or still running)"],
];

const STATE_KEY = "__cdktfApiKeysLeakCheck";
const RUN_DIR_PREFIX = "cdktf-api-keys-run-";

interface LeakCheckState {
  readonly runDir: string;
  readonly sharedTmp: string;
  readonly sharedBefore: ReadonlySet<string>;
  readonly previousTmpdir: string | undefined;
}

type GlobalWithState = typeof globalThis & { [STATE_KEY]?: LeakCheckState };

/**
 * Processes of the run that are Jest's own, not the tests': its workers (on their way out at
 * teardown) and the esbuild service test/esbuild-transform.js starts (it lives as long as the Jest
 * process that transformed with it).
 */
const JEST_HELPERS = [/jest-worker/, /\/esbuild --service=/];

/** How long processes of the run get to exit on their own after the last test (e.g. a server closing). */
const EXIT_GRACE_MS = 3_000;

/** Jest's globalSetup and globalTeardown: the first call sets up, the second checks. */
export default async function leakCheck(): Promise<void> {
  const global = globalThis as GlobalWithState;
  const state = global[STATE_KEY];
  if (state === undefined) {
    global[STATE_KEY] = setUp();
    return;
  }
  delete global[STATE_KEY];
  await tearDown(state);
}

function setUp(): LeakCheckState {
  const sharedTmp = os.tmpdir();
  const runDir = fs.mkdtempSync(path.join(sharedTmp, RUN_DIR_PREFIX));
  // Other users may pass through (not list): startPostgres runs the server as `postgres` under it.
  fs.chmodSync(runDir, 0o711);
  const state: LeakCheckState = { runDir, sharedTmp, sharedBefore: new Set(projectEntries(sharedTmp)), previousTmpdir: process.env.TMPDIR };
  process.env.TMPDIR = runDir;
  return state;
}

async function tearDown(state: LeakCheckState): Promise<void> {
  const { runDir, sharedTmp, sharedBefore, previousTmpdir } = state;
  if (previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmpdir;

  let processes = processesOfRun(runDir);
  for (const deadline = Date.now() + EXIT_GRACE_MS; processes.length > 0 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = processesOfRun(runDir);
  }
  const leftovers = fs.readdirSync(runDir).sort();
  for (const { pid } of processes) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  fs.rmSync(runDir, { recursive: true, force: true });

  // Other runs' private directories (runs at the same time) are not leftovers of anything.
  const escaped = projectEntries(sharedTmp).filter((name) => !sharedBefore.has(name) && !name.startsWith(RUN_DIR_PREFIX));
  if (escaped.length > 0) {
    process.stderr.write(
      `\nleak check: new entries in ${sharedTmp} that look like this project's (a test may write there directly, ` +
        `or another process did at the same time): ${escaped.join(", ")}\n`,
    );
  }

  if (leftovers.length === 0 && processes.length === 0) return;
  const lines = ["the test run left things behind (removed now; fix the tests that made them):"];
  if (leftovers.length > 0) {
    lines.push(`  ${leftovers.length} entr${leftovers.length === 1 ? "y" : "ies"} in the temp dir:`);
    for (const [hint, names] of groupByHint(leftovers)) {
      lines.push(`    ${names.length} x ${hint}`, ...names.slice(0, 5).map((n) => `        ${n}`));
      if (names.length > 5) lines.push(`        ... and ${names.length - 5} more`);
    }
  }
  if (processes.length > 0) {
    lines.push(`  ${processes.length} process${processes.length === 1 ? "" : "es"} still running (sent SIGKILL):`);
    for (const { pid, command } of processes) lines.push(`    ${pid} ${command}`);
  }
  throw new Error(lines.join("\n"));
}

/** Names in `dir` with one of the project's prefixes. */
function projectEntries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => KNOWN_PREFIXES.some((prefix) => name.startsWith(prefix)));
  } catch {
    return [];
  }
}

function groupByHint(names: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const hint = HINTS.find(([pattern]) => pattern.test(name))?.[1] ?? "unknown origin";
    groups.set(hint, [...(groups.get(hint) ?? []), name]);
  }
  return groups;
}

/** Live processes (not this one, not Jest's helpers) whose environment has `TMPDIR=<runDir>`. */
function processesOfRun(runDir: string): { pid: number; command: string }[] {
  if (!fs.existsSync("/proc")) return [];
  const marker = `\0TMPDIR=${runDir}\0`;
  const found: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!`\0${fs.readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(marker)) continue;
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").filter(Boolean).join(" ");
      if (command === "" || JEST_HELPERS.some((pattern) => pattern.test(command))) continue; // a zombie, or Jest's own
      found.push({ pid, command: command.length > 200 ? `${command.slice(0, 200)}...` : command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
