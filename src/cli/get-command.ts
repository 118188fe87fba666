import * as fs from "fs";
import * as path from "path";
import { AgeFileStore } from "../stores/age-file-store";
import { readIdentity } from "../stores/age-identity";
import { validateSecretPath } from "../stores/secret-path";

/** Environment variables the `get` command reads when a flag is not given. */
export const GET_ENV = {
  /** The store directory, like `--dir`. */
  dir: "CDKTF_API_KEYS_DIR",
  /** The identity file, like `--identity`. */
  identity: "CDKTF_API_KEYS_IDENTITY",
} as const;

/** The `get` command's usage text. */
export const GET_USAGE = `usage: cdktf-api-keys get <secretPath> [--dir <directory>] [--identity <file>] [--json]

Prints the value of the API key stored at <secretPath>, followed by a newline, and nothing else.

  --dir <directory>   the store directory (env ${GET_ENV.dir}; default "secrets")
  --identity <file>   the age identity (private key) file (env ${GET_ENV.identity}; default ".keys/identity.txt")
  --json              print the whole stored payload (value, keyId, serviceAccountId, name, createdAt, expiresAt) as JSON
Relative paths are relative to the working directory.
`;

/** Where the command finds its environment and working directory; the process's own by default. */
export interface GetCommandContext {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/** Exit codes: 0 printed, 1 failed at run time (missing file, wrong identity), 2 usage error. */
const OK = 0;
const FAILED = 1;
const USAGE_ERROR = 2;

interface GetOptions {
  readonly secretPath: string;
  readonly dir?: string;
  readonly identity?: string;
  readonly json: boolean;
}

/**
 * `cdktf-api-keys get <secretPath> [--dir secrets] [--identity .keys/identity.txt] [--json]`: decrypts
 * one secret of an age file store and prints just the key value and a newline (for piping), or with
 * `--json` the whole payload. Errors go to `err`; the value is never part of one.
 *
 * @param argv the arguments after `get`
 * @returns the exit code: 0 printed, 1 run-time failure (missing store, identity or secret; decryption), 2 usage error
 */
export async function getCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  context: GetCommandContext = {},
): Promise<number> {
  const env = context.env ?? process.env;
  const cwd = context.cwd ?? process.cwd();
  const fail = (code: number, message: string): number => {
    err.write(`cdktf-api-keys get: ${message}\n${code === USAGE_ERROR ? `\n${GET_USAGE}` : ""}`);
    return code;
  };

  const parsed = parseArgs(argv);
  if (parsed === "help") {
    out.write(GET_USAGE);
    return OK;
  }
  if (typeof parsed === "string") return fail(USAGE_ERROR, parsed);
  const pathError = validateSecretPath(parsed.secretPath);
  if (pathError !== undefined) return fail(USAGE_ERROR, pathError);

  const dir = setting(parsed.dir, "--dir", env[GET_ENV.dir], GET_ENV.dir, "secrets");
  const identity = setting(parsed.identity, "--identity", env[GET_ENV.identity], GET_ENV.identity, ".keys/identity.txt");
  const directory = path.resolve(cwd, dir.value);
  const identityFile = path.resolve(cwd, identity.value);

  if (!isDirectory(directory)) {
    return fail(
      FAILED,
      `the store directory ${directory} (${dir.source}) does not exist or is not a directory. Run the command from the ` +
        `project directory, or point --dir (or ${GET_ENV.dir}) at the store's \`directory\`.`,
    );
  }
  let key: string;
  try {
    key = readIdentity(identityFile);
  } catch (e) {
    return fail(FAILED, `${errorText(e)} (identity file from ${identity.source}; pass another with --identity or ${GET_ENV.identity})`);
  }
  try {
    const payload = await new AgeFileStore({ directory, identity: key }).readSecret(parsed.secretPath);
    out.write(parsed.json ? `${JSON.stringify(payload, null, 2)}\n` : `${payload.value}\n`);
    return OK;
  } catch (e) {
    const message = errorText(e);
    // A wrong identity is the usual cause of a decryption failure: say which one was used and why.
    const used = message.startsWith("cannot decrypt") ? ` (identity ${identityFile}, from ${identity.source})` : "";
    return fail(FAILED, `${message}${used}`);
  }
}

/** Reads the command line: the options, `"help"`, or a message saying what is wrong. */
function parseArgs(argv: readonly string[]): GetOptions | "help" | string {
  const positional: string[] = [];
  let dir: string | undefined;
  let identity: string | undefined;
  let json = false;
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || !arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true;
      continue;
    }
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--json") {
      json = true;
      continue;
    }
    const [flag, inline] = splitFlag(arg);
    if (flag !== "--dir" && flag !== "--identity") return `unknown option ${JSON.stringify(arg)}.`;
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
      return `${flag} needs a value, e.g. ${flag === "--dir" ? "--dir secrets" : "--identity .keys/identity.txt"}.`;
    }
    if (flag === "--dir") dir = value;
    else identity = value;
  }
  if (positional.length === 0) return "missing <secretPath>: name the secret to print, e.g. `cdktf-api-keys get payments/stripe-webhook`.";
  if (positional.length > 1) {
    return `expected one <secretPath>, got ${positional.length} (${positional.map((p) => JSON.stringify(p)).join(", ")}). Print one secret per call.`;
  }
  return { secretPath: positional[0], dir, identity, json };
}

/** `--flag=value` as `["--flag", "value"]`; `--flag` as `["--flag", undefined]`. */
function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** A setting from its flag, else its environment variable (when not empty), else the default; with where it came from. */
function setting(
  flagValue: string | undefined,
  flag: string,
  envValue: string | undefined,
  envName: string,
  fallback: string,
): { value: string; source: string } {
  if (flagValue !== undefined) return { value: flagValue, source: flag };
  if (envValue) return { value: envValue, source: envName };
  return { value: fallback, source: `the default ${JSON.stringify(fallback)}` };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** An error's message (duck-typed: errors from another realm, such as a test sandbox, are not `instanceof Error`). */
function errorText(e: unknown): string {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}
