/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh directory under the OS temp dir, the
 * server on 127.0.0.1 with a free port (its unix socket inside that directory too), trust auth, one
 * database. `stop()` shuts the server down and removes the directory.
 *
 * The server binaries come from the Debian package (`/usr/lib/postgresql/<version>/bin`). PostgreSQL
 * refuses to run as root, so when the tests run as root, initdb and the server run as the `postgres`
 * user (created by that package) through `setpriv`, and the directory belongs to that user.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** Where Debian installs the server binaries, one directory per major version. */
const DEBIAN_ROOT = "/usr/lib/postgresql";

/** The system user the server runs as when the tests run as root. */
const SERVICE_USER = "postgres";

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Name of the database created for the test.
   * @default "test"
   */
  readonly database?: string;
}

/** A started server. */
export interface RunningPostgres {
  /**
   * `postgres://postgres@127.0.0.1:<port>/<database>?sslmode=disable` (the server has no TLS; lib/pq,
   * which Terraform's `pg` backend uses, would otherwise insist on it).
   */
  readonly connectionString: string;
  readonly port: number;
  readonly database: string;
  /** The temp directory holding the data directory, the socket and the log; gone after `stop()`. */
  readonly dir: string;
  /** The postmaster's process id. */
  readonly pid: number;
  /** Fast shutdown, then removes `dir`. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * The directory with `initdb`, `postgres` and `pg_isready` of the newest installed major version, or
 * undefined when the server binaries are not installed.
 */
export function findPostgresBin(): string | undefined {
  let versions: string[];
  try {
    versions = fs.readdirSync(DEBIAN_ROOT);
  } catch {
    return undefined;
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(DEBIAN_ROOT, v, "bin"))
    .find((bin) => ["initdb", "postgres", "pg_isready"].every((tool) => isExecutable(path.join(bin, tool))));
}

/** Starts a fresh server and resolves once it accepts connections and the database exists. */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const database = options.database ?? "test";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new Error(`\`database\` must be a lower-case SQL identifier such as "test" (got ${JSON.stringify(database)})`);
  }
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error(
      `the PostgreSQL server binaries are not installed (looked for ${DEBIAN_ROOT}/*/bin/initdb). ` +
        "Install them with `apt-get install postgresql`.",
    );
  }
  const owner = serverUser();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-pg-"));
  let child: ChildProcess | undefined;
  try {
    const dataDir = path.join(dir, "data");
    const socketDir = path.join(dir, "socket");
    fs.mkdirSync(socketDir, { mode: 0o700 });
    if (owner) {
      fs.chownSync(dir, owner.uid, owner.gid);
      fs.chownSync(socketDir, owner.uid, owner.gid);
      await ensureReachable(dir, owner);
    }

    const initdb = await run(
      asOwner(owner, path.join(bin, "initdb"), [
        `--pgdata=${dataDir}`,
        `--username=${SERVICE_USER}`,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ]),
      dir,
    );
    if (initdb.code !== 0) throw new Error(`initdb failed (exit ${initdb.code}):\n${initdb.output}`);

    // Another process may take the free port before the server binds it: try a few.
    let port = 0;
    let lastFailure = "";
    for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
      port = await freePort();
      const started = await startServer(bin, owner, dataDir, socketDir, port, dir);
      if (typeof started === "string") lastFailure = started;
      else child = started;
    }
    if (child === undefined) throw new Error(`the PostgreSQL server did not start:\n${lastFailure}`);

    const createdb = await run([path.join(bin, "createdb"), "--host=127.0.0.1", `--port=${port}`, `--username=${SERVICE_USER}`, database], dir);
    if (createdb.code !== 0) throw new Error(`createdb failed (exit ${createdb.code}):\n${createdb.output}`);

    const server = child;
    let stopping: Promise<void> | undefined;
    return {
      connectionString: `postgres://${SERVICE_USER}@127.0.0.1:${port}/${database}?sslmode=disable`,
      port,
      database,
      dir,
      pid: server.pid!,
      stop() {
        stopping ??= (async () => {
          await stopServer(server);
          fs.rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (child) await stopServer(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** The user to run the server as when we are root; undefined when we can run it ourselves. */
function serverUser(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", SERVICE_USER], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", SERVICE_USER], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no \`${SERVICE_USER}\` user to run it as. ` +
        "Install the server with `apt-get install postgresql` (it creates that user).",
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** `[command, ...args]`, run as `owner` through setpriv (no fork: the pid is the command's own) when given. */
function asOwner(owner: Owner | undefined, command: string, args: string[]): string[] {
  if (!owner) return [command, ...args];
  return ["setpriv", `--reuid=${owner.uid}`, `--regid=${owner.gid}`, "--clear-groups", "--", command, ...args];
}

/** The service user must be able to reach the directory: every parent must let it through. */
async function ensureReachable(dir: string, owner: Owner): Promise<void> {
  const probe = await run(asOwner(owner, "test", ["-w", dir, "-a", "-x", dir]), "/");
  if (probe.code !== 0) {
    throw new Error(
      `the \`${SERVICE_USER}\` user cannot reach ${dir}: a parent directory (the OS temp dir is ${os.tmpdir()}) ` +
        "does not let other users through. Point TMPDIR to a directory with mode 0711 or wider.",
    );
  }
}

/** Starts the server; resolves with it once it accepts connections, or with its output if it exited. */
async function startServer(bin: string, owner: Owner | undefined, dataDir: string, socketDir: string, port: number, cwd: string): Promise<ChildProcess | string> {
  const [command, ...args] = asOwner(owner, path.join(bin, "postgres"), [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-k",
    socketDir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ]);
  const child = spawn(command, args, { cwd, env: serverEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  child.once("exit", () => (exited = true));
  child.once("error", (e) => {
    exited = true;
    output += `\n${e.message}`;
  });

  const deadline = Date.now() + 30_000;
  while (!exited && Date.now() < deadline) {
    const ready = await run([path.join(bin, "pg_isready"), "--host=127.0.0.1", `--port=${port}`, "--timeout=1"], cwd);
    if (ready.code === 0) {
      // Keep draining the server's output so it never blocks on a full pipe.
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!exited) {
    await stopServer(child);
    return `not ready after 30 s:\n${output}`;
  }
  return output;
}

/** Fast shutdown (SIGINT), SIGKILL if it takes more than 10 s; resolves once the process is gone. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function serverEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: "C", LANG: "C" };
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; `output` is stdout and stderr together. */
function run([command, ...args]: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: serverEnv(), stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) => resolve({ code: 127, output: `${output}\n${e.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
