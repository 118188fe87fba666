import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findPostgresBin, RunningPostgres, startPostgres } from "./postgres";

/** Runs a command; `output` is stdout and stderr together (for failure messages). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: 100_000 });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (d) => ((stdout += d), (output += d)));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, output }));
  });
}

/** Whether any process has `text` in its command line (the server and its backends name the data directory). */
function processesMentioning(text: string): number[] {
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(text);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startPostgres", () => {
  const workDirs: string[] = [];
  let pg: RunningPostgres | undefined;

  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
    for (const dir of workDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A terraform working directory with a `pg` backend and, optionally, one terraform_data resource. */
  function terraformDir(connectionString: string, withResource: boolean): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-pgtf-"));
    workDirs.push(dir);
    const config: Record<string, unknown> = { terraform: { backend: { pg: { conn_str: connectionString } } } };
    if (withResource) config.resource = { terraform_data: { marker: { input: "kept in postgres" } } };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
    fs.writeFileSync(path.join(dir, "terraformrc"), "");
    return dir;
  }

  async function terraform(dir: string, args: string[]): Promise<string> {
    const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(dir, "terraformrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    const result = await run("terraform", args, dir, env);
    if (result.code !== 0) throw new Error(`terraform ${args.join(" ")} failed (${result.code}):\n${result.output}`);
    return result.stdout;
  }

  test("the server binaries are installed (CI installs them; these tests never skip)", () => {
    expect(findPostgresBin()).toMatch(/^\/usr\/lib\/postgresql\/[\d.]+\/bin$/);
  });

  test("terraform keeps its state in the server: a second working directory sees the resource; stop removes everything", async () => {
    // GIVEN
    pg = await startPostgres();
    const { connectionString, dir, pid } = pg;
    expect(connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test\?sslmode=disable$/);
    expect(fs.existsSync(path.join(dir, "data", "PG_VERSION"))).toBe(true);
    expect(isRunning(pid)).toBe(true);

    // WHEN terraform applies with the pg backend
    const first = terraformDir(connectionString, true);
    await terraform(first, ["init", "-input=false", "-no-color"]);
    expect(await terraform(first, ["apply", "-auto-approve", "-input=false", "-no-color"])).toMatch(/Apply complete! Resources: 1 added/);

    // THEN the state is in PostgreSQL, not on disk: a fresh directory with only the backend sees it
    expect(fs.existsSync(path.join(first, "terraform.tfstate"))).toBe(false);
    const second = terraformDir(connectionString, false);
    await terraform(second, ["init", "-input=false", "-no-color"]);
    expect((await terraform(second, ["state", "list"])).trim().split("\n")).toEqual(["terraform_data.marker"]);
    const psql = await run(path.join(findPostgresBin()!, "psql"), [connectionString, "-At", "-c", "select name from terraform_remote_state.states"], first);
    expect(psql).toMatchObject({ code: 0, stdout: "default\n" });

    // WHEN stopped
    await pg.stop();

    // THEN the directory and every server process are gone, and stopping again is harmless
    expect(fs.existsSync(dir)).toBe(false);
    expect(isRunning(pid)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    await expect(pg.stop()).resolves.toBeUndefined();
  });

  test("two servers run side by side, each with its own port and directory", async () => {
    const a = await startPostgres({ database: "alpha" });
    try {
      pg = await startPostgres();
      expect(a.port).not.toBe(pg.port);
      expect(a.dir).not.toBe(pg.dir);
      expect(a.connectionString).toMatch(/\/alpha\?sslmode=disable$/);
    } finally {
      await a.stop();
    }
    expect(fs.existsSync(a.dir)).toBe(false);
  });

  test("a database name that is not a plain identifier is refused before anything starts", async () => {
    await expect(startPostgres({ database: "drop table" })).rejects.toThrow(/`database` must be a lower-case SQL identifier .*"drop table"/);
  });
});
