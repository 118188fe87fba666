/**
 * age key files: the identity (private key, `AGE-SECRET-KEY-...`) that decrypts the store's secrets and
 * the recipient (public key, `age1...`) they are encrypted to. Files are in the format `age-keygen`
 * writes, so the `age` CLI and this package can use each other's keys.
 */
import * as fs from "fs";
import * as path from "path";
import { decodeBech32, wordsToBytes } from "./bech32";
import { loadAge } from "./load-age";
import { describeFileError, writePrivateTempFile } from "./private-file";

/**
 * The shape of a native X25519 age recipient (public key): `age1` and 58 lowercase bech32 characters.
 * The shape only: {@link recipientProblem} also verifies the checksum and the key length.
 */
export const AGE_RECIPIENT_PATTERN = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * The shape of a native X25519 age identity (private key): `AGE-SECRET-KEY-`, the separator `1` and 58 uppercase bech32
 * characters. The shape only: {@link identityProblem} also verifies the checksum and the key length.
 */
export const AGE_IDENTITY_PATTERN = /^AGE-SECRET-KEY-[1][02-9AC-HJ-NP-Z]{58}$/;

/** What is wrong with a would-be age key. `detail` is a sentence fragment that never repeats the key. */
export interface AgeKeyProblem {
  /**
   * `shape`: not a native X25519 age key at all (another kind of key, or not a key). `checksum`: it looks
   * like one, but its bech32 checksum does not match: a character was changed, added or lost.
   */
  readonly kind: "shape" | "checksum";
  readonly detail: string;
}

const X25519_KEY_BYTES = 32;
const RECIPIENT_LENGTH = "age1".length + 58;
const IDENTITY_LENGTH = "AGE-SECRET-KEY-".length + 1 + 58;

/**
 * Checks an age recipient (public key) completely: `age1`, bech32 characters, a matching bech32
 * checksum, and a 32-byte X25519 key. Lowercase only, as `age-keygen -y` prints it.
 *
 * @returns the problem, or `undefined` when `text` is a valid native X25519 recipient
 */
export function recipientProblem(text: string): AgeKeyProblem | undefined {
  return keyProblem(text, {
    shape: /^age1[02-9ac-hj-np-z]+$/,
    hrp: "age",
    length: RECIPIENT_LENGTH,
    what: "recipient",
    expected: "`age1` and 58 characters, as `age-keygen -y` prints it",
    fix: "copy the line again from `age-keygen -y`",
  });
}

/**
 * Checks an age identity (private key) completely: `AGE-SECRET-KEY-` with its separator, bech32 characters, a matching
 * bech32 checksum, and a 32-byte X25519 key. Uppercase only, as `age-keygen` writes it.
 *
 * @returns the problem (never quoting the key), or `undefined` when `text` is a valid native X25519 identity
 */
export function identityProblem(text: string): AgeKeyProblem | undefined {
  return keyProblem(text, {
    shape: new RegExp("^AGE-SECRET-KEY-" + "1[02-9AC-HJ-NP-Z]+$"), // built, so no key-shaped literal is committed
    hrp: "age-secret-key-",
    length: IDENTITY_LENGTH,
    what: "identity",
    expected: "`AGE-SECRET-KEY-`, the separator `1` and 58 characters, as `age-keygen` writes it",
    fix: "copy the AGE-SECRET-KEY-... line again from the file `age-keygen` wrote",
  });
}

interface KeyRules {
  readonly shape: RegExp;
  readonly hrp: string;
  readonly length: number;
  readonly what: string;
  readonly expected: string;
  readonly fix: string;
}

function keyProblem(text: string, rules: KeyRules): AgeKeyProblem | undefined {
  const notNative: AgeKeyProblem = {
    kind: "shape",
    detail: `is not a native X25519 age ${rules.what} (expected ${rules.expected}); plugin, post-quantum and SSH keys are not supported`,
  };
  if (typeof text !== "string" || !rules.shape.test(text)) return notNative;
  const decoded = decodeBech32(text);
  if (!decoded.ok) {
    if (decoded.problem !== "checksum") return notNative;
    const count = text.length === rules.length ? "" : ` (it has ${text.length} characters; a ${rules.what} has ${rules.length})`;
    return { kind: "checksum", detail: `its checksum does not match${count}: a character was changed or lost: ${rules.fix}` };
  }
  if (decoded.hrp !== rules.hrp || wordsToBytes(decoded.words)?.length !== X25519_KEY_BYTES) return notNative;
  return undefined;
}

/** A key file that is missing, unreadable, malformed or in the way. The message never holds a private key. */
export class AgeKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgeKeyFileError";
  }
}

/** Options of {@link generateIdentityFiles}. */
export interface GenerateIdentityOptions {
  /**
   * Replace existing files. Secrets already encrypted to the old identity can then no longer be read.
   * @default false: fail, writing nothing, when either file exists
   */
  readonly overwrite?: boolean;
  /**
   * The time written on the `# created:` line.
   * @default now
   */
  readonly now?: Date;
}

const KEYGEN_HINT =
  "Create an identity and its recipient with `npx cdktf-api-keys keygen --identity .keys/identity.txt " +
  "--recipient .keys/recipient.txt` (or `age-keygen -o .keys/identity.txt` and `age-keygen -y .keys/identity.txt`)";

/**
 * Creates a new X25519 identity and writes it, in `age-keygen` format (`# created:` and `# public key:`
 * comment lines, then the `AGE-SECRET-KEY-...` line), to `identityFile` with mode 0600, and its
 * recipient (`age1...`) to `recipientFile`, also 0600. Missing parent directories are created with mode
 * 0700. Each file appears whole or not at all. Unless `overwrite` is set, refuses (writing nothing) when
 * either file exists: a replaced identity can no longer read the secrets encrypted to the old one, and a
 * replaced recipient would encrypt new secrets to a key its other holders lack.
 *
 * @param identityFile where the private key goes; relative paths resolve against the working directory
 * @param recipientFile where the public key goes
 * @returns the new recipient, `age1...`
 */
export async function generateIdentityFiles(identityFile: string, recipientFile: string, options: GenerateIdentityOptions = {}): Promise<string> {
  const overwrite = options.overwrite ?? false;
  const identityPath = path.resolve(identityFile);
  const recipientPath = path.resolve(recipientFile);
  if (identityPath === recipientPath) {
    throw new AgeKeyFileError(
      `the identity file and the recipient file are the same file (${identityPath}): keep the private key and the public key in separate files.`,
    );
  }
  if (!overwrite) {
    for (const [what, file, resolved] of [
      ["identity", identityFile, identityPath],
      ["recipient", recipientFile, recipientPath],
    ] as const) {
      if (fs.existsSync(resolved)) {
        throw new AgeKeyFileError(
          `the ${what} file ${file} (${resolved}) already exists; nothing was written. Secrets encrypted to an existing key ` +
            "can only be read with its identity, so keys are not replaced unless asked to: keep the existing files, or " +
            "move them away first if you really mean to start over.",
        );
      }
    }
  }

  const { generateX25519Identity, identityToRecipient } = await loadAge();
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const created = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const identityTemp = await prepareTempFile(identityPath, `# created: ${created}\n# public key: ${recipient}\n${identity}\n`);
  let recipientTemp: string | undefined;
  try {
    recipientTemp = await prepareTempFile(recipientPath, `${recipient}\n`);
    commitTempFile(identityTemp, identityPath, overwrite);
    try {
      commitTempFile(recipientTemp, recipientPath, overwrite);
    } catch (e) {
      // Leave no new identity without its recipient; this call created it, so nobody depends on it yet.
      if (!overwrite) fs.rmSync(identityPath, { force: true });
      throw e;
    }
  } finally {
    fs.rmSync(identityTemp, { force: true });
    if (recipientTemp !== undefined) fs.rmSync(recipientTemp, { force: true });
  }
  return recipient;
}

/**
 * Reads the one age recipient (public key, `age1...`) in `file`, ignoring blank lines and `#` comments.
 *
 * @throws AgeKeyFileError naming the file and what it should contain when it is missing or malformed
 */
export function readRecipient(file: string): string {
  const lines = readKeyLines(file, "recipient", "one age recipient (public key) line starting with `age1`");
  const where = `the recipient file ${file} (${path.resolve(file)})`;
  if (lines.some((l) => l.text.toUpperCase().startsWith("AGE-SECRET-KEY-"))) {
    throw new AgeKeyFileError(
      `${where} holds an identity (private key), not a recipient. It must contain one public key line starting with ` +
        "`age1` (the output of `age-keygen -y identity.txt`); keep the identity itself private.",
    );
  }
  return single(lines, where, "recipient", "age1...", recipientProblem);
}

/**
 * Reads the one age identity (private key, `AGE-SECRET-KEY-...`) in `file`, ignoring blank lines and
 * `#` comments (so a file written by `age-keygen` or {@link generateIdentityFiles} works as is).
 *
 * @throws AgeKeyFileError naming the file and what it should contain when it is missing or malformed;
 *   the message never repeats the file's content
 */
export function readIdentity(file: string): string {
  const lines = readKeyLines(file, "identity", "the age identity (private key) line starting with `AGE-SECRET-KEY-`");
  const where = `the identity file ${file} (${path.resolve(file)})`;
  if (lines.length > 0 && lines.every((l) => l.text.startsWith("age1"))) {
    throw new AgeKeyFileError(
      `${where} holds a recipient (public key), not an identity. Reading secrets needs the private key file, whose ` +
        "line starts with `AGE-SECRET-KEY-` (written by `age-keygen` or `npx cdktf-api-keys keygen`).",
    );
  }
  return single(lines, where, "identity", "AGE-SECRET-KEY-...", identityProblem);
}

interface KeyLine {
  readonly number: number;
  readonly text: string;
}

/** The non-blank, non-comment lines of a key file, with their line numbers. */
function readKeyLines(file: string, what: string, contents: string): KeyLine[] {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(e)})`;
    throw new AgeKeyFileError(`the ${what} file ${file} (${resolved}) ${reason}. It should contain ${contents}. ${KEYGEN_HINT}.`);
  }
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, text: line.trim() }))
    .filter((l) => l.text !== "" && !l.text.startsWith("#"));
}

/** The one valid key line (see `check`); the errors name line numbers only, never the line. */
function single(lines: readonly KeyLine[], where: string, what: string, shape: string, check: (text: string) => AgeKeyProblem | undefined): string {
  if (lines.length === 0) {
    throw new AgeKeyFileError(`${where} holds no ${what}: it must contain one line of the form ${shape} (comment lines start with "#"). ${KEYGEN_HINT}.`);
  }
  for (const line of lines) {
    const problem = check(line.text);
    if (problem?.kind === "checksum") {
      throw new AgeKeyFileError(`${where}: line ${line.number} is not a valid age ${what}: ${problem.detail}.`);
    }
    if (problem) {
      throw new AgeKeyFileError(
        `${where}: line ${line.number} is not a native X25519 age ${what} (expected ${shape}, as written by age-keygen). ` +
          "Plugin, post-quantum and SSH keys are not supported.",
      );
    }
  }
  if (lines.length > 1) {
    throw new AgeKeyFileError(`${where} holds ${lines.length} ${what} lines (lines ${lines.map((l) => l.number).join(", ")}); it must hold exactly one.`);
  }
  return lines[0].text;
}

/** Writes `text` to a private temp file beside `file` (see private-file.ts) and returns its path. */
async function prepareTempFile(file: string, text: string): Promise<string> {
  try {
    return await writePrivateTempFile(file, text);
  } catch (e) {
    throw new AgeKeyFileError(`cannot write ${file}: ${describeFileError(e)}`);
  }
}

/**
 * Moves a prepared temp file to `file` in one step, so `file` is never seen partly written. Without
 * `overwrite` it is hard-linked into place, which fails when `file` exists (even if it appeared meanwhile).
 */
function commitTempFile(temp: string, file: string, overwrite: boolean): void {
  try {
    if (overwrite) {
      fs.renameSync(temp, file);
      return;
    }
    try {
      fs.linkSync(temp, file);
    } catch (e) {
      // No hard links on this file system: copying still never overwrites, though it is not atomic.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOTSUP") throw e;
      fs.copyFileSync(temp, file, fs.constants.COPYFILE_EXCL);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new AgeKeyFileError(`${file} appeared while the keys were being written; nothing was overwritten. Check who else is creating keys there.`);
    }
    throw new AgeKeyFileError(`cannot write ${file}: ${describeFileError(e)}`);
  }
}
