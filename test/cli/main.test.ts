import * as fs from "fs";
import * as path from "path";
import { assertBuilt, runCli } from "./run-cli";

/** The built command, as a user runs it: `--version`, `help`, every command's `--help`, and the usage errors. */
beforeAll(assertBuilt);

const COMMANDS = ["get", "list", "status", "revoke-due", "keygen", "emulator", "version"];
const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as { version: string }).version;

describe("version", () => {
  test.each([[["--version"]], [["version"]]])("%j prints the package version and exits 0", (args) => {
    expect(runCli(args)).toEqual({ code: 0, stdout: `cdktf-api-keys ${version}\n`, stderr: "" });
  });

  test("version with an argument exits 2 naming it", () => {
    const result = runCli(["version", "now"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cdktf-api-keys version: unexpected argument "now"');
    expect(result.stdout).toBe("");
  });
});

describe("help", () => {
  test.each([[["help"]], [["--help"]], [["-h"]]])("%j prints the usage listing every command, exit 0", (args) => {
    const result = runCli(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^usage: cdktf-api-keys <command>/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  test.each(COMMANDS)("%s: `<command> --help`, `<command> -h` and `help <command>` print its usage on stdout and exit 0", (command) => {
    const long = runCli([command, "--help"]);
    expect(long.code).toBe(0);
    expect(long.stderr).toBe("");
    expect(long.stdout).toMatch(new RegExp(`^usage: cdktf-api-keys ${command}\\b`));
    expect(runCli([command, "-h"])).toEqual(long);
    expect(runCli(["help", command])).toEqual(long);
  });

  test("--help wins over a mistake on the same line", () => {
    expect(runCli(["get", "--bogus", "--help"]).code).toBe(0);
  });

  test.each([
    [["help", "deploy"], 'help: unknown command "deploy": the commands are get, list, status, revoke-due, keygen, emulator, version, help.'],
    [["help", "get", "list"], 'help: expected one command, got 2 ("get", "list").'],
  ])("%j exits 2", (args, message) => {
    const result = runCli(args);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain(`cdktf-api-keys: ${message}`);
  });
});

describe("usage texts are alike", () => {
  let texts: string[] = [];
  beforeAll(() => {
    texts = [["--help"], ...COMMANDS.map((command) => [command, "--help"])].map((args) => runCli(args).stdout);
  });

  test("lowercase `usage:` like git, never `Usage:`", () => {
    for (const text of texts) {
      expect(text).toMatch(/^usage: /);
      expect(text).not.toMatch(/Usage:|Options:|Commands:|Exit status:/);
    }
  });

  test("each documents exit codes 0, 1 and 2; status's 2 means attention, like terraform plan -detailed-exitcode", () => {
    for (const text of texts) {
      if (text.startsWith("usage: cdktf-api-keys status")) {
        expect(text).toMatch(/^exit status \(like terraform plan -detailed-exitcode\):\n {2}0 {2}\S.*\n {2}1 {2}failure \(.*usage error\)\n {2}2 {2}something drifted/m);
      } else {
        expect(text).toMatch(/^exit status:\n {2}0 {2}\S.*\n {2}1 {2}run-time failure.*\n {2}2 {2}usage error/m);
      }
    }
  });
});

test("status: a usage error exits 1, since its 2 means drift", () => {
  const result = runCli(["status"]);
  expect(result).toMatchObject({ code: 1, stdout: "" });
  expect(result.stderr).toContain("cdktf-api-keys status: missing <stack dir>: name the synthesized stack's directory");
  expect(result.stderr).toContain("\n\nusage: cdktf-api-keys status");
});

describe("usage errors exit 2 with the usage on stderr", () => {
  test.each([
    [[], "cdktf-api-keys: missing command: name one", "usage: cdktf-api-keys <command>"],
    [["deploy"], 'cdktf-api-keys: unknown command "deploy": the commands are get, list', "usage: cdktf-api-keys <command>"],
    [["--verbose"], "cdktf-api-keys: unknown flag `--verbose`: before a command only `--help` and `--version` are known", "usage: cdktf-api-keys <command>"],
    [["get", "a", "--verbose"], "cdktf-api-keys get: unknown flag `--verbose`. The flags are `--dir`, `--stack`, `--identity`, `--field`, `--json`, `--help`.", "usage: cdktf-api-keys get"],
    [["list", "--identity", "x"], "cdktf-api-keys list: unknown flag `--identity`. The flags are `--dir`, `--stack`, `--json`, `--help`.", "usage: cdktf-api-keys list"],
    [["keygen", "--out", "x"], "cdktf-api-keys keygen: unknown flag `--out`.", "usage: cdktf-api-keys keygen"],
    [["emulator", "--verbose"], "cdktf-api-keys emulator: unknown flag `--verbose`.", "usage: cdktf-api-keys emulator"],
    [["version", "--short"], "cdktf-api-keys version: unknown flag `--short`. The flags are `--help`.", "usage: cdktf-api-keys version"],
    [["revoke-due"], "cdktf-api-keys revoke-due: missing <stack dir>", "usage: cdktf-api-keys revoke-due"],
    [["list", "-json"], "unknown flag `-json`. Did you mean `--json`?", "usage: cdktf-api-keys list"],
  ])("%j", (args, message, usage) => {
    const result = runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(`\n\n${usage}`);
  });
});
