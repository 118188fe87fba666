import * as path from "path";
import type { StoreSpec } from "../spec";
import { AgeFileStore } from "../stores/age-file-store";
import { openStore } from "../stores/open-store";
import { readStackStores, storeOfPath } from "./stack-stores";
import { validateSecretPath } from "../stores/secret-path";
import { parseArgs, stringFlag, UsageError } from "./args";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";
import { loadIdentity, STDIN_IDENTITY, type LoadedIdentity } from "./identity-input";
import { formatPayloadField, PAYLOAD_FIELDS, payloadFieldProblem, type PayloadField } from "./payload-field";
import { DEFAULT_STORE_DIR, errorText, setting, STORE_ENV, storeDirectory, type StoreCommandContext } from "./store-settings";

/** Environment variables the `get` command reads when a flag is not given. */
export const GET_ENV = STORE_ENV;

/** The `get` command's usage text. */
export const GET_USAGE = `usage: cdktf-api-keys get <secretPath> [--dir <directory> | --stack <stack dir>]
                          [--identity <file> | --identity -] [--field <name> | --json]

Prints the value of the API key stored at <secretPath>, followed by a newline, and nothing else.

options:
  --dir <directory>   the age file store's directory (env ${STORE_ENV.dir}; default "${DEFAULT_STORE_DIR}")
  --stack <dir>       a synthesized stack directory (e.g. cdktf.out/stacks/keys): read the secret from
                      the store its ApiKey with <secretPath> uses, whichever kind (age files, AWS
                      Secrets Manager with the AWS SDK's credentials, Vault with the token in the
                      store's tokenEnv, e.g. VAULT_TOKEN) (env ${STORE_ENV.stack})
  --identity <file>   the age identity (private key) file; - reads it from standard input
                      (env ${STORE_ENV.identity}; default ".keys/identity.txt")
  --field <name>      print one field of the payload instead of the value, and a newline:
                      ${PAYLOAD_FIELDS.join(", ")}
                      (expiresAt prints an empty line when the key never expires)
  --json              print the whole payload as JSON
  -h, --help          print this help

Relative paths are relative to the working directory.

${exitStatusText("printed", "no store, identity or secret; the identity cannot decrypt it")}`;

/** Where the command finds its environment, working directory and standard input; the process's own by default. */
export type GetCommandContext = StoreCommandContext;

const FLAGS = [
  { name: "--dir", example: DEFAULT_STORE_DIR },
  { name: "--stack", example: "cdktf.out/stacks/keys" },
  { name: "--identity", example: ".keys/identity.txt" },
  { name: "--field", example: "keyId" },
  { name: "--json" },
];

/** What to print: the value, one field, or the whole payload. */
type Output = { readonly field: PayloadField } | "json";

interface GetOptions {
  readonly secretPath: string;
  readonly dir?: string;
  readonly stack?: string;
  readonly identity?: string;
  readonly output: Output;
}

/**
 * `cdktf-api-keys get <secretPath> [--dir secrets] [--identity .keys/identity.txt] [--field name | --json]`:
 * decrypts one secret of an age file store and prints just the key value and a newline (for piping),
 * one field of the payload with `--field`, or with `--json` the whole payload. Errors go to `err`; the
 * value is never part of one.
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
    err.write(`cdktf-api-keys get: ${message}\n${code === EXIT_USAGE ? `\n${GET_USAGE}` : ""}`);
    return code;
  };

  let parsed: GetOptions | "help";
  try {
    parsed = readCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) return fail(EXIT_USAGE, e.message);
    throw e;
  }
  if (parsed === "help") {
    out.write(GET_USAGE);
    return EXIT_OK;
  }

  const identity = setting(parsed.identity, "--identity", env[STORE_ENV.identity], STORE_ENV.identity, ".keys/identity.txt");
  const stackDir = parsed.dir === undefined ? (parsed.stack ?? env[STORE_ENV.stack]) : undefined;
  let spec: StoreSpec;
  let projectDir = cwd;
  if (stackDir) {
    try {
      const stack = readStackStores(path.resolve(cwd, stackDir), env);
      spec = storeOfPath(stack, stackDir, parsed.secretPath);
      projectDir = stack.projectDir;
    } catch (e) {
      return fail(EXIT_FAILED, errorText(e));
    }
  } else {
    const dir = setting(parsed.dir, "--dir", env[STORE_ENV.dir], STORE_ENV.dir, DEFAULT_STORE_DIR);
    const found = storeDirectory(dir, cwd);
    if ("problem" in found) return fail(EXIT_FAILED, found.problem);
    spec = { kind: "age-file", directory: found.directory, recipient: "" };
  }
  if (spec.kind !== "age-file") {
    try {
      const payload = await openStore(spec, projectDir, undefined, env).readSecret(parsed.secretPath);
      out.write(parsed.output === "json" ? `${JSON.stringify(payload, null, 2)}\n` : formatPayloadField(payload, parsed.output.field));
      return EXIT_OK;
    } catch (e) {
      return fail(EXIT_FAILED, errorText(e));
    }
  }
  const store = { directory: path.resolve(projectDir, spec.directory) };
  let key: LoadedIdentity;
  try {
    key = await loadIdentity(identity, cwd, context.stdin ?? process.stdin, err);
  } catch (e) {
    const hint = identity.value === STDIN_IDENTITY ? "" : ` (identity file from ${identity.source}; pass another with --identity or ${STORE_ENV.identity})`;
    return fail(EXIT_FAILED, `${errorText(e)}${hint}`);
  }
  try {
    const payload = await new AgeFileStore({ directory: store.directory, identity: key.key }).readSecret(parsed.secretPath);
    const output = parsed.output;
    out.write(output === "json" ? `${JSON.stringify(payload, null, 2)}\n` : formatPayloadField(payload, output.field));
    return EXIT_OK;
  } catch (e) {
    const message = errorText(e);
    // A wrong identity is the usual cause of a decryption failure: say which one was used and why.
    const used = message.startsWith("cannot decrypt") ? ` (${key.origin})` : "";
    return fail(EXIT_FAILED, `${message}${used}`);
  }
}

/**
 * Reads the command line: the options, or `"help"`.
 * @throws UsageError saying what is wrong
 */
function readCommandLine(argv: readonly string[]): GetOptions | "help" {
  const args = parseArgs(argv, FLAGS);
  if (args.help) return "help";
  const { positional } = args;
  if (positional.length === 0) {
    throw new UsageError("missing <secretPath>: name the secret to print, e.g. `cdktf-api-keys get payments/stripe-webhook`.");
  }
  if (positional.length > 1) {
    throw new UsageError(`expected one <secretPath>, got ${positional.length} (${positional.map((p) => JSON.stringify(p)).join(", ")}). Print one secret per call.`);
  }
  const pathProblem = validateSecretPath(positional[0]);
  if (pathProblem !== undefined) throw new UsageError(pathProblem);

  const field = stringFlag(args, "--field");
  const json = args.flags.has("--json");
  if (field !== undefined && json) {
    throw new UsageError("`--field` and `--json` cannot be combined: `--field` prints one field, `--json` the whole payload; pick one.");
  }
  if (field !== undefined) {
    const problem = payloadFieldProblem(field);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const output: Output = json ? "json" : { field: (field ?? "value") as PayloadField };
  const dir = stringFlag(args, "--dir");
  const stack = stringFlag(args, "--stack");
  if (dir !== undefined && stack !== undefined) {
    throw new UsageError("`--dir` and `--stack` cannot be combined: `--dir` names an age file store, `--stack` takes the store from a synthesized stack; pick one.");
  }
  return { secretPath: positional[0], dir, stack, identity: stringFlag(args, "--identity"), output };
}
