import * as fs from "fs";
import * as path from "path";
import { Readable, Writable } from "stream";
import { GET_USAGE, getCommand } from "../../src/cli/get-command";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { makeTempDir, newKeyPair, removeTempDirs, samplePayload } from "../stores/age-test-kit";
import { assertBuilt, runCli } from "./run-cli";

afterEach(removeTempDirs);

/** A writable stream that keeps what is written to it. */
class Capture extends Writable {
  public text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }
}

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the command in-process with captured streams, in `cwd`, with only the given environment and standard input. */
async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}, stdin = ""): Promise<Run> {
  const out = new Capture();
  const err = new Capture();
  const code = await getCommand(argv, out, err, { cwd, env, stdin: Readable.from([stdin]) });
  return { code, out: out.text, err: err.text };
}

/** A project directory with `.keys/identity.txt`, `.keys/recipient.txt` and `secrets/payments/stripe.age`. */
async function project(): Promise<{ dir: string; store: AgeFileStore }> {
  const dir = makeTempDir();
  const recipient = await generateIdentityFiles(path.join(dir, ".keys", "identity.txt"), path.join(dir, ".keys", "recipient.txt"));
  const store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient });
  await store.writeSecret("payments/stripe", samplePayload());
  return { dir, store };
}

describe("getCommand", () => {
  test("prints just the key value and a newline, with the default --dir and --identity", async () => {
    const { dir } = await project();
    expect(await run(["payments/stripe"], dir)).toEqual({ code: 0, out: `${samplePayload().value}\n`, err: "" });
  });

  test("--json prints the whole payload", async () => {
    const { dir } = await project();
    const result = await run(["payments/stripe", "--json"], dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual(samplePayload());
    expect(result.out.endsWith("}\n")).toBe(true);
  });

  test("--dir and --identity, in both spellings, relative to the working directory", async () => {
    // GIVEN a store and identity that are not where the defaults look
    const { dir } = await project();
    fs.renameSync(path.join(dir, "secrets"), path.join(dir, "vault"));
    fs.renameSync(path.join(dir, ".keys"), path.join(dir, "keys"));

    // THEN
    for (const argv of [
      ["payments/stripe", "--dir", "vault", "--identity", "keys/identity.txt"],
      ["--dir=vault", "--identity=keys/identity.txt", "payments/stripe"],
      ["--dir", path.join(dir, "vault"), "--identity", path.join(dir, "keys", "identity.txt"), "--", "payments/stripe"],
    ]) {
      expect(await run(argv, dir)).toEqual({ code: 0, out: `${samplePayload().value}\n`, err: "" });
    }
  });

  test("CDKTF_API_KEYS_DIR and CDKTF_API_KEYS_IDENTITY stand in for the flags, which win over them", async () => {
    const { dir } = await project();
    fs.renameSync(path.join(dir, "secrets"), path.join(dir, "vault"));
    const env = { CDKTF_API_KEYS_DIR: "vault", CDKTF_API_KEYS_IDENTITY: path.join(dir, ".keys", "identity.txt") };
    expect(await run(["payments/stripe"], dir, env)).toEqual({ code: 0, out: `${samplePayload().value}\n`, err: "" });

    const flagWins = await run(["payments/stripe", "--dir", "secrets"], dir, env);
    expect(flagWins.code).toBe(1);
    expect(flagWins.err).toContain(`the store directory ${path.join(dir, "secrets")} (--dir) does not exist`);
  });

  test.each([
    ["value", `${samplePayload().value}\n`],
    ["keyId", "key_123\n"],
    ["serviceAccountId", "sa_456\n"],
    ["name", "stripe-webhook\n"],
    ["createdAt", "2025-01-02T03:04:05.000Z\n"],
    ["expiresAt", "\n"],
  ])("--field %s prints that field and a newline (an empty line for a key that never expires)", async (field, printed) => {
    const { dir } = await project();
    expect(await run(["payments/stripe", "--field", field], dir)).toEqual({ code: 0, out: printed, err: "" });
    expect(await run([`--field=${field}`, "payments/stripe"], dir)).toEqual({ code: 0, out: printed, err: "" });
  });

  test("--identity - reads the identity from standard input, with or without the file's comment lines", async () => {
    const { dir } = await project();
    const file = fs.readFileSync(path.join(dir, ".keys", "identity.txt"), "utf8");
    const expected = { code: 0, out: `${samplePayload().value}\n`, err: "" };
    expect(await run(["payments/stripe", "--identity", "-"], dir, {}, file)).toEqual(expected);
    expect(await run(["payments/stripe", "--identity=-"], dir, {}, `${readIdentity(path.join(dir, ".keys", "identity.txt"))}\r\n`)).toEqual(expected);
  });

  describe("--identity - refuses what is not one identity, never echoing it", () => {
    test.each([
      ["nothing", "", "standard input (--identity -) holds no identity: pipe the AGE-SECRET-KEY-... line"],
      ["only comments", "# created: today\n\n", "holds no identity"],
      ["a recipient", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n", "holds a recipient (public key), not an identity"],
      ["a password", "hunter2-not-a-key\n", "standard input (--identity -): line 1 is not a native X25519 age identity"],
    ])("%s", async (_what, stdin, message) => {
      const { dir } = await project();
      const result = await run(["payments/stripe", "--identity", "-"], dir, {}, stdin);
      expect(result.code).toBe(1);
      expect(result.out).toBe("");
      expect(result.err).toContain(message);
      if (stdin.trim() !== "") expect(result.err).not.toContain(stdin.trim());
    });

    test("two identities", async () => {
      const { dir } = await project();
      const result = await run(["payments/stripe", "--identity", "-"], dir, {}, `${(await newKeyPair()).identity}\n${(await newKeyPair()).identity}\n`);
      expect(result.code).toBe(1);
      expect(result.err).toContain("holds 2 lines that are not comments (lines 1, 2); it must hold exactly one identity.");
      expect(result.err).not.toMatch(new RegExp("AGE-SECRET-KEY-" + "1[0-9A-Z]{10}"));
    });

    test("a changed character fails the checksum", async () => {
      const { dir } = await project();
      const identity = readIdentity(path.join(dir, ".keys", "identity.txt"));
      const typo = identity.slice(0, 30) + (identity[30] === "Q" ? "P" : "Q") + identity.slice(31);
      const result = await run(["payments/stripe", "--identity", "-"], dir, {}, typo);
      expect(result.code).toBe(1);
      expect(result.err).toContain("line 1 is not a valid age identity: its checksum does not match");
      expect(result.err).not.toContain(typo);
    });

    test("more than 64 KiB", async () => {
      const { dir } = await project();
      const result = await run(["payments/stripe", "--identity", "-"], dir, {}, "#".repeat(65 * 1024));
      expect(result.code).toBe(1);
      expect(result.err).toContain("standard input holds more than 64 KiB");
    });
  });

  test("--help prints the usage", async () => {
    expect(await run(["--help"], makeTempDir())).toEqual({ code: 0, out: GET_USAGE, err: "" });
  });

  describe("usage errors exit 2 with a message and the usage", () => {
    test.each([
      [[], "missing <secretPath>: name the secret to print"],
      [["a", "b"], 'expected one <secretPath>, got 2 ("a", "b")'],
      [["a", "--verbose"], "unknown flag `--verbose`. The flags are `--dir`, `--stack`, `--identity`, `--field`, `--json`, `--help`."],
      [["a", "--dir"], "`--dir` needs a value, e.g. `--dir secrets`."],
      [["a", "--identity", "--json"], "`--identity` needs a value, e.g. `--identity .keys/identity.txt`."],
      [["a", "--dir="], "`--dir` needs a value"],
      [["a", "--json=yes"], '`--json` takes no value (got "--json=yes"): write just `--json`.'],
      [["a", "--field", "Value"], '`--field` must be one of value, keyId, serviceAccountId, name, createdAt, expiresAt (got "Value"); field names are case-sensitive.'],
      [["a", "--field", "keyId", "--json"], "`--field` and `--json` cannot be combined"],
      [["../etc/passwd"], '`secretPath` must not contain "." or ".." segments (got "../etc/passwd")'],
      [["/abs/path"], '`secretPath` must be relative to the store directory (got "/abs/path")'],
    ])("%j", async (argv, message) => {
      const result = await run(argv, makeTempDir());
      expect(result.code).toBe(2);
      expect(result.out).toBe("");
      expect(result.err).toContain(`cdktf-api-keys get: ${message}`);
      expect(result.err.endsWith(GET_USAGE)).toBe(true);
    });
  });

  describe("run-time failures exit 1 and say what is wrong", () => {
    test("a missing store directory", async () => {
      const dir = makeTempDir();
      const result = await run(["payments/stripe"], dir);
      expect(result).toEqual({
        code: 1,
        out: "",
        err:
          `cdktf-api-keys get: the store directory ${path.join(dir, "secrets")} (the default "secrets") does not exist or is ` +
          "not a directory. Run the command from the project directory, or point --dir (or CDKTF_API_KEYS_DIR) at the store's `directory`.\n",
      });
    });

    test("a missing identity file", async () => {
      const { dir } = await project();
      fs.rmSync(path.join(dir, ".keys", "identity.txt"));
      const result = await run(["payments/stripe"], dir, { CDKTF_API_KEYS_IDENTITY: ".keys/identity.txt" });
      expect(result.code).toBe(1);
      expect(result.out).toBe("");
      expect(result.err).toContain(`the identity file ${path.join(dir, ".keys", "identity.txt")} `);
      expect(result.err).toContain("does not exist. It should contain the age identity (private key) line starting with `AGE-SECRET-KEY-`");
      expect(result.err).toContain("(identity file from CDKTF_API_KEYS_IDENTITY; pass another with --identity or CDKTF_API_KEYS_IDENTITY)");
    });

    test("a missing secret names the secretPath and the store directory", async () => {
      const { dir } = await project();
      const result = await run(["payments/paypal"], dir);
      expect(result.code).toBe(1);
      expect(result.out).toBe("");
      expect(result.err).toContain(`cdktf-api-keys get: no secret at secretPath "payments/paypal" in store directory ${path.join(dir, "secrets")}`);
    });

    test("a wrong identity names the file and the identity used, never the value", async () => {
      const { dir } = await project();
      const other = path.join(dir, "other-identity.txt");
      fs.writeFileSync(other, `${(await newKeyPair()).identity}\n`);
      const result = await run(["payments/stripe", "--identity", "other-identity.txt"], dir);
      expect(result.code).toBe(1);
      expect(result.out).toBe("");
      expect(result.err).toContain(`cannot decrypt ${path.join(dir, "secrets", "payments", "stripe.age")}: no identity matched any of the file's recipients`);
      expect(result.err).toContain(`(identity ${other}, from --identity)`);
      expect(result.err).not.toContain(samplePayload().value);
      expect(result.err).not.toContain(readIdentity(other));
    });
  });
});

/** The built command as a child process: what a shell or a CI job sees. */
describe("cdktf-api-keys get (the real command)", () => {
  beforeAll(assertBuilt);

  test("prints the value; --field prints one field; --json the payload; exit 0", async () => {
    const { dir } = await project();
    expect(runCli(["get", "payments/stripe"], { cwd: dir })).toEqual({ code: 0, stdout: `${samplePayload().value}\n`, stderr: "" });
    expect(runCli(["get", "payments/stripe", "--field", "keyId"], { cwd: dir })).toEqual({ code: 0, stdout: "key_123\n", stderr: "" });
    expect(JSON.parse(runCli(["get", "payments/stripe", "--json"], { cwd: dir }).stdout)).toEqual(samplePayload());
  });

  test("--identity - reads the identity piped on standard input; no identity file is needed", async () => {
    // GIVEN the identity only in a variable, as a CI secret is
    const { dir } = await project();
    const identity = fs.readFileSync(path.join(dir, ".keys", "identity.txt"), "utf8");
    fs.rmSync(path.join(dir, ".keys"), { recursive: true });

    // THEN
    expect(runCli(["get", "payments/stripe", "--identity", "-"], { cwd: dir, input: identity })).toEqual({ code: 0, stdout: `${samplePayload().value}\n`, stderr: "" });
    expect(runCli(["get", "payments/stripe", "--field", "name"], { cwd: dir, input: identity, env: { CDKTF_API_KEYS_IDENTITY: "-" } })).toEqual({
      code: 0,
      stdout: "stripe-webhook\n",
      stderr: "",
    });
  });

  test("a wrong identity on standard input exits 1 saying it came from there", async () => {
    const { dir } = await project();
    const other = (await newKeyPair()).identity;
    const result = runCli(["get", "payments/stripe", "--identity", "-"], { cwd: dir, input: other });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("no identity matched any of the file's recipients");
    expect(result.stderr).toContain("(identity from standard input, --identity -)\n");
    expect(result.stderr).not.toContain(other);
  });

  test("empty standard input exits 1", async () => {
    const { dir } = await project();
    const result = runCli(["get", "payments/stripe", "--identity", "-"], { cwd: dir, input: "" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cdktf-api-keys get: standard input (--identity -) holds no identity");
  });

  test("CDKTF_API_KEYS_IDENTITY=- names the variable when standard input is wrong", async () => {
    const { dir } = await project();
    const result = runCli(["get", "payments/stripe"], { cwd: dir, input: "\n", env: { CDKTF_API_KEYS_IDENTITY: "-" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("standard input (CDKTF_API_KEYS_IDENTITY=-) holds no identity");
  });

  test("a missing secret exits 1", async () => {
    const { dir } = await project();
    const result = runCli(["get", "payments/paypal"], { cwd: dir });
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toContain('no secret at secretPath "payments/paypal"');
  });

  test.each([
    [["get", "payments/stripe", "--field", "secret"], '`--field` must be one of value, keyId, serviceAccountId, name, createdAt, expiresAt (got "secret")'],
    [["get", "payments/stripe", "--field"], "`--field` needs a value, e.g. `--field keyId`."],
    [["get", "payments/stripe", "--json", "--field", "value"], "`--field` and `--json` cannot be combined"],
  ])("%j exits 2 before reading anything", async (args, message) => {
    const { dir } = await project();
    const result = runCli(args, { cwd: dir });
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toContain(`cdktf-api-keys get: ${message}`);
    expect(result.stderr).toContain("\n\nusage: cdktf-api-keys get");
  });
});
