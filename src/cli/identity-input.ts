/**
 * The age identity (private key) of `get`: from a file, or with `--identity -` from standard input, so
 * a CI job can pipe it from its secret variables without writing it to disk. Messages never repeat
 * what was read.
 */
import * as path from "path";
import { identityProblem, readIdentity } from "../stores/age-identity";
import type { Setting } from "./store-settings";

/** The `--identity` value that means standard input. */
export const STDIN_IDENTITY = "-";

/** An identity file holds a few short lines; more than this on standard input is something else. */
const MAX_STDIN_BYTES = 64 * 1024;

/** A loaded identity, and how to name where it came from in a message (never the key itself). */
export interface LoadedIdentity {
  readonly key: string;
  /** e.g. `identity /p/.keys/identity.txt, from --identity` or `identity from standard input, --identity -`. */
  readonly origin: string;
}

/**
 * Reads the identity that `identity` names: a file resolved against `cwd`, or `-` for standard input.
 * @throws Error saying what is wrong and where the value came from; never quoting the input
 */
export async function loadIdentity(
  identity: Setting,
  cwd: string,
  stdin: NodeJS.ReadableStream,
  err: NodeJS.WritableStream,
): Promise<LoadedIdentity> {
  if (identity.value === STDIN_IDENTITY) {
    const via = identity.source === "--identity" ? "--identity -" : `${identity.source}=-`;
    const key = parseIdentity(await readStdin(stdin, err), `standard input (${via})`);
    return { key, origin: `identity from standard input, ${via}` };
  }
  const file = path.resolve(cwd, identity.value);
  return { key: readIdentity(file), origin: `identity ${file}, from ${identity.source}` };
}

/** The one identity line of `text`, ignoring blank lines and `#` comments, like an identity file. */
function parseIdentity(text: string, where: string): string {
  const example = "e.g. `printenv AGE_IDENTITY | cdktf-api-keys get billing/prod --identity -`";
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, text: line.trim() }))
    .filter((l) => l.text !== "" && !l.text.startsWith("#"));
  if (lines.length === 0) {
    throw new Error(`${where} holds no identity: pipe the AGE-SECRET-KEY-... line (or the whole identity file) into the command, ${example}.`);
  }
  if (lines.every((l) => l.text.startsWith("age1"))) {
    throw new Error(`${where} holds a recipient (public key), not an identity: pipe the private key, the line starting with \`AGE-SECRET-KEY-\`.`);
  }
  if (lines.length > 1) {
    throw new Error(`${where} holds ${lines.length} lines that are not comments (lines ${lines.map((l) => l.number).join(", ")}); it must hold exactly one identity.`);
  }
  const problem = identityProblem(lines[0].text);
  if (problem?.kind === "checksum") throw new Error(`${where}: line ${lines[0].number} is not a valid age identity: ${problem.detail}.`);
  if (problem !== undefined) throw new Error(`${where}: line ${lines[0].number} ${problem.detail}.`);
  return lines[0].text;
}

/** All of standard input as text; says so on the terminal when it waits for a person to type. */
async function readStdin(stdin: NodeJS.ReadableStream, err: NodeJS.WritableStream): Promise<string> {
  if ((stdin as { isTTY?: boolean }).isTTY) {
    err.write("cdktf-api-keys get: reading the identity from standard input (paste it, then press Ctrl-D)\n");
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) {
      throw new Error(`standard input holds more than ${MAX_STDIN_BYTES / 1024} KiB; an identity is one line (\`--identity -\` reads the identity, nothing else).`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
