import * as fs from "fs";
import * as path from "path";
import { Writable } from "stream";
import { GET_USAGE, getCommand } from "../../src/cli/get-command";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { makeTempDir, newKeyPair, removeTempDirs, samplePayload } from "../stores/age-test-kit";

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

/** Runs the command in-process with captured streams, in `cwd`, with only the given environment. */
async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out = new Capture();
  const err = new Capture();
  const code = await getCommand(argv, out, err, { cwd, env });
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

  test("--help prints the usage", async () => {
    expect(await run(["--help"], makeTempDir())).toEqual({ code: 0, out: GET_USAGE, err: "" });
  });

  describe("usage errors exit 2 with a message and the usage", () => {
    test.each([
      [[], "missing <secretPath>: name the secret to print"],
      [["a", "b"], 'expected one <secretPath>, got 2 ("a", "b")'],
      [["a", "--verbose"], 'unknown option "--verbose".'],
      [["a", "--dir"], "--dir needs a value, e.g. --dir secrets."],
      [["a", "--identity", "--json"], "--identity needs a value, e.g. --identity .keys/identity.txt."],
      [["a", "--dir="], "--dir needs a value"],
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
