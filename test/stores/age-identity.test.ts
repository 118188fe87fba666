import * as fs from "fs";
import * as path from "path";
import { Encrypter } from "age-encryption";
import {
  AGE_IDENTITY_PATTERN,
  AGE_RECIPIENT_PATTERN,
  AgeKeyFileError,
  generateIdentityFiles,
  readIdentity,
  readRecipient,
} from "../../src/stores/age-identity";
import { listTree, makeTempDir, modeOf, newKeyPair, removeTempDirs, runAgeTool } from "./age-test-kit";

afterEach(removeTempDirs);

describe("generateIdentityFiles", () => {
  test("writes an identity in age-keygen format (0600) and its recipient, in new 0700 directories", async () => {
    // GIVEN
    const dir = makeTempDir();
    const identityFile = path.join(dir, ".keys", "identity.txt");
    const recipientFile = path.join(dir, ".keys", "recipient.txt");

    // WHEN
    const recipient = await generateIdentityFiles(identityFile, recipientFile, { now: new Date("2025-01-02T03:04:05.678Z") });

    // THEN
    const lines = fs.readFileSync(identityFile, "utf8").split("\n");
    expect(lines[0]).toBe("# created: 2025-01-02T03:04:05Z");
    expect(lines[1]).toBe(`# public key: ${recipient}`);
    expect(lines[2]).toMatch(AGE_IDENTITY_PATTERN);
    expect(lines.slice(3)).toEqual([""]);
    expect(fs.readFileSync(recipientFile, "utf8")).toBe(`${recipient}\n`);
    expect(recipient).toMatch(AGE_RECIPIENT_PATTERN);
    expect(modeOf(identityFile)).toBe(0o600);
    expect(modeOf(recipientFile)).toBe(0o600);
    expect(modeOf(path.join(dir, ".keys"))).toBe(0o700);
    expect(listTree(dir)).toEqual([".keys/", ".keys/identity.txt", ".keys/recipient.txt"]); // no temp files left
  });

  test("sets the modes whatever the umask", async () => {
    const dir = makeTempDir();
    const previous = process.umask(0o000);
    try {
      await generateIdentityFiles(path.join(dir, "k", "id.txt"), path.join(dir, "k", "r.txt"));
    } finally {
      process.umask(previous);
    }
    expect(modeOf(path.join(dir, "k"))).toBe(0o700);
    expect(modeOf(path.join(dir, "k", "id.txt"))).toBe(0o600);
    expect(modeOf(path.join(dir, "k", "r.txt"))).toBe(0o600);
  });

  test("the age CLI decrypts with the identity file what was encrypted to the recipient file", async () => {
    // GIVEN
    const dir = makeTempDir();
    const identityFile = path.join(dir, "identity.txt");
    const recipientFile = path.join(dir, "recipient.txt");
    await generateIdentityFiles(identityFile, recipientFile);
    const encrypter = new Encrypter();
    encrypter.addRecipient(readRecipient(recipientFile));
    fs.writeFileSync(path.join(dir, "msg.age"), await encrypter.encrypt("hello from typage"));

    // WHEN
    const decrypted = runAgeTool("age", ["-d", "-i", identityFile, path.join(dir, "msg.age")]);
    const derived = runAgeTool("age-keygen", ["-y", identityFile]);
    const encryptedByCli = runAgeTool("age", ["-e", "-R", recipientFile, "-o", path.join(dir, "cli.age")], "hello from the CLI");

    // THEN
    expect(decrypted).toMatchObject({ status: 0, stdout: "hello from typage" });
    expect(derived).toMatchObject({ status: 0, stdout: fs.readFileSync(recipientFile, "utf8") });
    expect(encryptedByCli.status).toBe(0);
    expect(runAgeTool("age", ["-d", "-i", identityFile, path.join(dir, "cli.age")]).stdout).toBe("hello from the CLI");
  });

  test("refuses to overwrite an existing identity or recipient, writing nothing", async () => {
    const dir = makeTempDir();
    const identityFile = path.join(dir, "identity.txt");
    const recipientFile = path.join(dir, "recipient.txt");
    fs.writeFileSync(recipientFile, "age1existing\n");

    await expect(generateIdentityFiles(identityFile, recipientFile)).rejects.toThrow(
      new RegExp(`the recipient file ${recipientFile} \\(${recipientFile}\\) already exists; nothing was written`),
    );
    expect(fs.existsSync(identityFile)).toBe(false);
    expect(fs.readFileSync(recipientFile, "utf8")).toBe("age1existing\n");

    fs.rmSync(recipientFile);
    await generateIdentityFiles(identityFile, recipientFile);
    const before = fs.readFileSync(identityFile, "utf8");
    await expect(generateIdentityFiles(identityFile, path.join(dir, "other.txt"))).rejects.toThrow(/the identity file .* already exists/);
    expect(fs.readFileSync(identityFile, "utf8")).toBe(before);
    expect(fs.existsSync(path.join(dir, "other.txt"))).toBe(false);
  });

  test("replaces both files with overwrite: true", async () => {
    const dir = makeTempDir();
    const identityFile = path.join(dir, "identity.txt");
    const recipientFile = path.join(dir, "recipient.txt");
    const first = await generateIdentityFiles(identityFile, recipientFile);
    const second = await generateIdentityFiles(identityFile, recipientFile, { overwrite: true });
    expect(second).not.toBe(first);
    expect(readRecipient(recipientFile)).toBe(second);
    expect(runAgeTool("age-keygen", ["-y", identityFile]).stdout).toBe(`${second}\n`);
    expect(modeOf(identityFile)).toBe(0o600);
    expect(listTree(dir)).toEqual(["identity.txt", "recipient.txt"]);
  });

  test("rejects the same file for both keys", async () => {
    const dir = makeTempDir();
    const file = path.join(dir, "keys.txt");
    await expect(generateIdentityFiles(file, file)).rejects.toThrow(/are the same file .* keep the private key and the public key in separate files/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("readRecipient", () => {
  test("reads the recipient, ignoring comments and blank lines", async () => {
    const dir = makeTempDir();
    const { recipient } = await newKeyPair();
    const file = path.join(dir, "recipient.txt");
    fs.writeFileSync(file, `# the team's key\n\n  ${recipient}  \r\n\n`);
    expect(readRecipient(file)).toBe(recipient);
  });

  test("refuses an identity file (age-keygen's), without echoing the private key", () => {
    const file = path.join(makeTempDir(), "identity.txt");
    expect(runAgeTool("age-keygen", ["-o", file]).status).toBe(0);
    expect(() => readRecipient(file)).toThrow(/holds an identity \(private key\), not a recipient\. It must contain one public key line starting with `age1`/);
    expect(() => readRecipient(file)).not.toThrow(readIdentity(file));
  });

  test("a missing file: names it and says what it should contain and how to create it", () => {
    const file = path.join(makeTempDir(), "nope.txt");
    expect(() => readRecipient(file)).toThrow(AgeKeyFileError);
    expect(() => readRecipient(file)).toThrow(
      new RegExp(`the recipient file ${file} \\(${file}\\) does not exist\\. It should contain one age recipient \\(public key\\) line starting with \`age1\`\\. Create .*keygen`),
    );
  });

  test.each([
    ["an empty file", "# only a comment\n\n", /holds no recipient: it must contain one line of the form age1\.\.\./],
    ["a malformed line", "age1tooshort\n", /line 1 is not a native X25519 age recipient \(expected age1\.\.\./],
    ["an SSH key", "ssh-ed25519 AAAAC3Nza... me@host\n", /line 1 is not a native X25519 age recipient/],
  ])("%s: names the file and the rule", (_label, content, message) => {
    const file = path.join(makeTempDir(), "recipient.txt");
    fs.writeFileSync(file, content);
    expect(() => readRecipient(file)).toThrow(message);
    expect(() => readRecipient(file)).toThrow(file);
  });

  test("a recipient with one character changed: its checksum does not match, says how to fix it", async () => {
    // GIVEN a real recipient with one character changed
    const dir = makeTempDir();
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const typo = recipient.slice(0, 30) + (recipient[30] === "q" ? "p" : "q") + recipient.slice(31);
    const file = path.join(dir, "typo.txt");
    fs.writeFileSync(file, `# the team's key
${typo}
`);

    // WHEN / THEN
    expect(() => readRecipient(file)).toThrow(
      `the recipient file ${file} (${file}): line 2 is not a valid age recipient: its checksum does not match: a character was ` +
        "changed or lost: copy the line again from `age-keygen -y`.",
    );
  });

  test("two recipients: says it must hold exactly one", async () => {
    const file = path.join(makeTempDir(), "recipient.txt");
    fs.writeFileSync(file, `${(await newKeyPair()).recipient}\n${(await newKeyPair()).recipient}\n`);
    expect(() => readRecipient(file)).toThrow(/holds 2 recipient lines \(lines 1, 2\); it must hold exactly one/);
  });
});

describe("readIdentity", () => {
  test("reads an identity written by age-keygen", () => {
    const file = path.join(makeTempDir(), "identity.txt");
    expect(runAgeTool("age-keygen", ["-o", file]).status).toBe(0);
    const identity = readIdentity(file);
    expect(identity).toMatch(AGE_IDENTITY_PATTERN);
    expect(fs.readFileSync(file, "utf8")).toContain(`\n${identity}\n`);
  });

  test("reads an identity written by generateIdentityFiles", async () => {
    const dir = makeTempDir();
    await generateIdentityFiles(path.join(dir, "i.txt"), path.join(dir, "r.txt"));
    expect(readIdentity(path.join(dir, "i.txt"))).toMatch(AGE_IDENTITY_PATTERN);
  });

  test("a missing file: names it and says what it should contain", () => {
    const file = path.join(makeTempDir(), "identity.txt");
    expect(() => readIdentity(file)).toThrow(
      new RegExp(`the identity file ${file} \\(${file}\\) does not exist\\. It should contain the age identity \\(private key\\) line starting with \`AGE-SECRET-KEY-\``),
    );
  });

  test("a directory: says so", () => {
    const dir = makeTempDir();
    expect(() => readIdentity(dir)).toThrow(/is a directory\. It should contain the age identity/);
  });

  test("a recipient file passed as identity: says a private key is needed", async () => {
    const file = path.join(makeTempDir(), "recipient.txt");
    fs.writeFileSync(file, `${(await newKeyPair()).recipient}\n`);
    expect(() => readIdentity(file)).toThrow(/holds a recipient \(public key\), not an identity\. Reading secrets needs the private key file/);
  });

  test("an identity with one character changed: its checksum does not match, never echoed", async () => {
    const { identity } = await newKeyPair();
    const typo = identity.slice(0, 40) + (identity[40] === "Q" ? "P" : "Q") + identity.slice(41);
    const file = path.join(makeTempDir(), "identity.txt");
    fs.writeFileSync(file, `# created: now
${typo}
`);
    let message = "";
    try {
      readIdentity(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/line 2 is not a valid age identity: its checksum does not match: a character was changed or lost: copy the AGE-SECRET-KEY-\.\.\. line again/);
    expect(message).not.toContain(typo.slice(16, 40));
  });

  test("a malformed identity: names the line, never echoes it", async () => {
    const { identity } = await newKeyPair();
    const damaged = `${identity.slice(0, -3)}!!!`;
    const file = path.join(makeTempDir(), "identity.txt");
    fs.writeFileSync(file, `# created: now\n${damaged}\n`);
    let message = "";
    try {
      readIdentity(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/line 2 is not a native X25519 age identity \(expected AGE-SECRET-KEY-\.\.\./);
    expect(message).not.toContain(damaged.slice(16, 40));
  });
});
