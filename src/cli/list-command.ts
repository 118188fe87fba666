import * as path from "path";
import { AgeFileStore, type StoredKeyRecord } from "../stores/age-file-store";
import { openStore } from "../stores/open-store";
import { distinctStackStores, readStackStores } from "./stack-stores";
import { parseArgs, stringFlag, UsageError } from "./args";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";
import { DEFAULT_STORE_DIR, errorText, setting, STORE_ENV, storeDirectory, type StoreCommandContext } from "./store-settings";
import { textTable } from "./text-table";

/** The `list` command's usage text. */
export const LIST_USAGE = `usage: cdktf-api-keys list [--dir <directory> | --stack <stack dir>] [--json]

Lists the secret paths of a store with each key's id, prefix and expiry, read from the non-secret
records beside the secrets: it never decrypts anything, never prints a value, and needs no identity.

options:
  --dir <directory>   the age file store's directory (env ${STORE_ENV.dir}; default "${DEFAULT_STORE_DIR}")
  --stack <dir>       a synthesized stack directory (e.g. cdktf.out/stacks/keys): list every store its
                      ApiKeys use, whichever kind (age files, AWS Secrets Manager, Vault with the token
                      in the store's tokenEnv) (env ${STORE_ENV.stack})
  --json              print a JSON array instead of a table: one object per key with secretPath,
                      keyId, name, serviceAccountId, prefix, createdAt and expiresAt (null: never)
  -h, --help          print this help

Relative paths are relative to the working directory.

${exitStatusText("listed (an empty store too)", "no store directory; a record that cannot be read")}`;

/** Where the command finds its environment and working directory; the process's own by default. */
export type ListCommandContext = Omit<StoreCommandContext, "stdin">;

const FLAGS = [{ name: "--dir", example: DEFAULT_STORE_DIR }, { name: "--stack", example: "cdktf.out/stacks/keys" }, { name: "--json" }];

/**
 * `cdktf-api-keys list [--dir secrets] [--json]`: the keys of an age file store, one per secret path,
 * as a table for people or JSON for scripts. Reads only the plain records; nothing secret.
 *
 * @param argv the arguments after `list`
 * @returns the exit code: 0 listed (also when empty), 1 run-time failure (no store directory, unreadable record), 2 usage error
 */
export async function listCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  context: ListCommandContext = {},
): Promise<number> {
  const env = context.env ?? process.env;
  const cwd = context.cwd ?? process.cwd();
  const fail = (code: number, message: string): number => {
    err.write(`cdktf-api-keys list: ${message}\n${code === EXIT_USAGE ? `\n${LIST_USAGE}` : ""}`);
    return code;
  };

  let args;
  try {
    args = parseArgs(argv, FLAGS);
    if (args.positional.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positional[0])}: \`list\` takes no arguments; name the store with \`--dir\` or \`--stack\`.`);
    }
    if (stringFlag(args, "--dir") !== undefined && stringFlag(args, "--stack") !== undefined) {
      throw new UsageError("`--dir` and `--stack` cannot be combined: `--dir` names an age file store, `--stack` takes the stores from a synthesized stack; pick one.");
    }
  } catch (e) {
    if (e instanceof UsageError) return fail(EXIT_USAGE, e.message);
    throw e;
  }
  if (args.help) {
    out.write(LIST_USAGE);
    return EXIT_OK;
  }

  const stackDir = stringFlag(args, "--dir") === undefined ? (stringFlag(args, "--stack") ?? env[STORE_ENV.stack]) : undefined;
  let records: StoredKeyRecord[];
  let where: string;
  if (stackDir) {
    try {
      const stack = readStackStores(path.resolve(cwd, stackDir), env);
      records = [];
      for (const spec of distinctStackStores(stack)) records.push(...(await openStore(spec, stack.projectDir, undefined, env).listKeyRecords()));
      records.sort((a, b) => (a.secretPath < b.secretPath ? -1 : a.secretPath > b.secretPath ? 1 : 0));
      where = `the stores of ${stackDir}`;
    } catch (e) {
      return fail(EXIT_FAILED, errorText(e));
    }
  } else {
    const dir = setting(stringFlag(args, "--dir"), "--dir", env[STORE_ENV.dir], STORE_ENV.dir, DEFAULT_STORE_DIR);
    const store = storeDirectory(dir, cwd);
    if ("problem" in store) return fail(EXIT_FAILED, store.problem);
    try {
      records = await new AgeFileStore({ directory: store.directory }).listKeyRecords();
    } catch (e) {
      return fail(EXIT_FAILED, errorText(e));
    }
    where = `the store ${store.directory}`;
  }

  if (args.flags.has("--json")) out.write(`${JSON.stringify(records.map(toJson), null, 2)}\n`);
  else if (records.length === 0) out.write(`No keys in ${where} yet: apply a stack whose ApiKeys use it.\n`);
  else out.write(table(records, new Date()));
  return EXIT_OK;
}

/** The fields a script gets for one key: the record's public facts, not its bookkeeping (address, instanceId). */
function toJson({ secretPath, record }: StoredKeyRecord): object {
  const { keyId, name, serviceAccountId, prefix, createdAt, expiresAt } = record;
  return { secretPath, keyId, name, serviceAccountId, prefix, createdAt, expiresAt };
}

function table(records: readonly StoredKeyRecord[], now: Date): string {
  return textTable(
    ["SECRET PATH", "KEY ID", "PREFIX", "EXPIRES"],
    records.map(({ secretPath, record }) => [secretPath, record.keyId, record.prefix || "(none)", expiry(record.expiresAt, now)]),
  );
}

/** `never`, the date and time, or the date and time followed by `(expired)`. */
function expiry(expiresAt: string | null, now: Date): string {
  if (expiresAt === null) return "never";
  return Date.parse(expiresAt) <= now.getTime() ? `${expiresAt} (expired)` : expiresAt;
}
