import * as fs from "fs";
import * as path from "path";
import { readIdentity, readRecipient } from "../../src/stores/age-identity";
import { makeTempDir, modeOf, removeTempDirs } from "../stores/age-test-kit";
import { assertBuilt, runCli } from "./run-cli";

beforeAll(assertBuilt);
afterEach(removeTempDirs);

test("writes .keys/identity.txt (0600) and .keys/recipient.txt by default and exits 0", () => {
  // GIVEN
  const dir = makeTempDir();

  // WHEN
  const result = runCli(["keygen"], { cwd: dir });

  // THEN
  const recipient = readRecipient(path.join(dir, ".keys", "recipient.txt"));
  expect(result).toEqual({
    code: 0,
    stdout: `wrote identity .keys/identity.txt (keep it secret, out of version control)\nwrote recipient .keys/recipient.txt: ${recipient}\n`,
    stderr: "",
  });
  expect(readIdentity(path.join(dir, ".keys", "identity.txt"))).toMatch(new RegExp("^AGE-SECRET-KEY-" + "1"));
  expect(modeOf(path.join(dir, ".keys", "identity.txt"))).toBe(0o600);
});

test("--identity and --recipient, in both spellings, relative to the working directory", () => {
  const dir = makeTempDir();
  expect(runCli(["keygen", "--identity", "a/id.txt", "--recipient=a/rcpt.txt"], { cwd: dir }).code).toBe(0);
  expect(fs.readdirSync(path.join(dir, "a")).sort()).toEqual(["id.txt", "rcpt.txt"]);
});

test("an existing identity or recipient exits 1 and says --force replaces it; --force does", () => {
  // GIVEN
  const dir = makeTempDir();
  runCli(["keygen"], { cwd: dir });
  const before = fs.readFileSync(path.join(dir, ".keys", "identity.txt"), "utf8");

  // WHEN
  const refused = runCli(["keygen"], { cwd: dir });
  fs.rmSync(path.join(dir, ".keys", "identity.txt"));
  const recipientInTheWay = runCli(["keygen"], { cwd: dir });

  // THEN
  expect(refused).toMatchObject({ code: 1, stdout: "" });
  expect(refused.stderr).toMatch(/^cdktf-api-keys keygen: the identity file \.keys\/identity\.txt \(.*\) already exists; nothing was written\./);
  expect(refused.stderr).toContain("Pass --force to replace them");
  expect(recipientInTheWay).toMatchObject({ code: 1, stdout: "" });
  expect(recipientInTheWay.stderr).toContain("the recipient file .keys/recipient.txt");

  // WHEN forced
  fs.writeFileSync(path.join(dir, ".keys", "identity.txt"), before);
  const forced = runCli(["keygen", "--force"], { cwd: dir });
  expect(forced.code).toBe(0);
  expect(fs.readFileSync(path.join(dir, ".keys", "identity.txt"), "utf8")).not.toBe(before);
});

test.each([
  [["keygen", "--identity"], "`--identity` needs a value, e.g. `--identity .keys/identity.txt`."],
  [["keygen", "--identity", "-"], "`--identity -` is not supported by keygen: it writes files; name one, e.g. `--identity .keys/identity.txt`."],
  [["keygen", "--force=yes"], "`--force` takes no value"],
  [["keygen", "id.txt"], 'unexpected argument "id.txt": name the files with `--identity` and `--recipient`.'],
])("%j exits 2 with the usage and writes nothing", (args, message) => {
  const dir = makeTempDir();
  const result = runCli(args, { cwd: dir });
  expect(result).toMatchObject({ code: 2, stdout: "" });
  expect(result.stderr).toContain(`cdktf-api-keys keygen: ${message}`);
  expect(result.stderr).toContain("\n\nusage: cdktf-api-keys keygen");
  expect(fs.readdirSync(dir)).toEqual([]);
});
