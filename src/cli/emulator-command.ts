/**
 * `cdktf-api-keys emulator [--api flownally|factory|...] [--port 0] [--host 127.0.0.1] [--admin-token T]
 * [--json] [--write-env FILE]`: runs an API emulator in the foreground until SIGINT or SIGTERM. Prints
 * the URL, the admin token and the id of every service account that exists from the start (Factory's
 * seeded accounts), as lines for people or one JSON line, and can write them to an env file for scripts.
 *
 * The env file flag is not called `--env-file`: node itself looks for `--env-file` anywhere on its
 * command line, also after the script's name, and exits ("node: <file>: not found") before this code
 * runs when the file does not exist yet (nodejs/node#54232; node 20 to 26 at least).
 */
import * as path from "path";
import { startSecretsManagerEmulator } from "../emulator/secrets-manager-emulator";
import { startVaultEmulator } from "../emulator/vault-kv2-emulator";
import { EMULATED_APIS, startEmulator, type EmulatedApiName, type EmulatorOptions, type RunningEmulator } from "../emulator/start-emulator";
import { parseArgs, stringFlag, UsageError } from "./args";
import { announcementJson, announcementText, emulatorEnv, emulatorFacts } from "./emulator-announcement";
import { envFileText, writeEnvFile } from "./env-file";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";
import { stopRequest } from "./stop-request";
import { errorText } from "./store-settings";

/** Where the command writes, and an extra way to stop it (tests, embedding). */
export interface EmulatorCommandIo {
  /**
   * Receives the normal output.
   * @default writes to process.stdout
   */
  readonly stdout?: (text: string) => void;
  /**
   * Receives usage errors and failures.
   * @default writes to process.stderr
   */
  readonly stderr?: (text: string) => void;
  /**
   * Stops the emulator when aborted, like SIGINT or SIGTERM do.
   * @default only the signals stop it
   */
  readonly signal?: AbortSignal;
  /**
   * What a relative `--write-env` file is relative to.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

/** The secret stores the command can emulate. */
export const STORE_EMULATORS = ["vault", "secrets-manager"] as const;

/** The `emulator` command's usage text. */
export const EMULATOR_USAGE = `usage: cdktf-api-keys emulator [--api ${EMULATED_APIS.join("|")} | --store ${STORE_EMULATORS.join("|")}] [--port 0]
                               [--host 127.0.0.1] [--admin-token <token>] [--json] [--write-env <file>]

Serves a key-management API (or a secret store) in memory until stopped (Ctrl-C, SIGTERM), and
prints its URL and admin token (and the ids of the service accounts it starts with: Factory's).

options:
  --api <name>           which API to emulate: ${EMULATED_APIS.join(", ")} (default: flownally)
  --store <name>         emulate a secret store instead: vault (KV v2 at mount "secret"; prints and
                         writes VAULT_ADDR, VAULT_TOKEN and VAULT_READ_ONLY_TOKEN) or secrets-manager
                         (AWS Secrets Manager; prints its endpoint, region and read-only access key
                         id: give the endpoint to the store's \`endpoint\`)
  --port <port>          TCP port; 0 picks a free one (default: 0)
  --host <address>       address to listen on (default: 127.0.0.1)
  --admin-token <token>  the admin token (default: a random one, printed at start)
  --json                 print one JSON line instead: {"api","url","adminToken","readOnlyToken",
                         "serviceAccounts":[{"name","id"}]}
  --write-env <file>     also write <API>_URL, <API>_TOKEN, <API>_READ_ONLY_TOKEN (a token that may
                         only read: every write is 403) and <API>_SERVICE_ACCOUNT_ID (when the API
                         starts with an account) as NAME=value lines, e.g. FLOWNALLY_URL=..., before
                         printing. The file holds the admin token: it is written with mode 0600 and
                         replaced if it exists; keep it out of version control
  -h, --help             print this help

${exitStatusText("stopped cleanly", "the port is taken; the env file cannot be written")}`;

const FLAGS = [
  { name: "--api", example: "factory" },
  { name: "--store", example: "vault" },
  { name: "--port", example: "0" },
  { name: "--host", example: "127.0.0.1" },
  { name: "--admin-token", example: "my-token" },
  { name: "--json" },
  { name: "--write-env", example: ".emulator.env" },
];

interface EmulatorCommandOptions {
  readonly emulator: EmulatorOptions;
  readonly store?: (typeof STORE_EMULATORS)[number];
  readonly json: boolean;
  readonly envFile?: string;
}

/**
 * Runs the emulator command. `argv` holds the arguments after `emulator`.
 * @returns the exit code: 0 after a clean stop (or `--help`), 1 when the emulator cannot start
 * (e.g. the port is taken) or the env file cannot be written, 2 for a command-line mistake.
 */
export async function emulatorCommand(argv: string[], io: EmulatorCommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));

  let options: EmulatorCommandOptions | "help";
  try {
    options = readCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`cdktf-api-keys emulator: ${error.message}\n\n${EMULATOR_USAGE}`);
    return EXIT_USAGE;
  }
  if (options === "help") {
    out(EMULATOR_USAGE);
    return EXIT_OK;
  }

  // Listen for the stop signals before anything is announced: a script may send SIGTERM as soon as it
  // has read the first line, and a signal that comes before its listener kills the process uncleanly.
  const stop = stopRequest(io.signal);
  if (options.store !== undefined) {
    try {
      return await serveStore(options, out, err, io, stop.requested);
    } finally {
      stop.dispose();
    }
  }
  try {
    let emulator: RunningEmulator;
    try {
      emulator = await startEmulator(options.emulator);
    } catch (error) {
      err(`cdktf-api-keys emulator: cannot start: ${errorText(error)}\n`);
      return EXIT_FAILED;
    }
    const facts = emulatorFacts(emulator);
    if (options.envFile !== undefined) {
      const file = path.resolve(io.cwd ?? process.cwd(), options.envFile);
      try {
        await writeEnvFile(file, envFileText("cdktf-api-keys emulator: holds the admin token, keep it secret", emulatorEnv(facts)));
      } catch (error) {
        await emulator.close();
        err(`cdktf-api-keys emulator: ${errorText(error)}\n`);
        return EXIT_FAILED;
      }
    }
    out(options.json ? announcementJson(facts) : announcementText(facts));
    if (options.envFile !== undefined && !options.json) {
      out(`Wrote ${emulatorEnv(facts).map(([name]) => name).join(", ")} to ${options.envFile} (mode 0600: it holds the admin token)\n`);
    }
    await stop.requested;
    await emulator.close();
    return EXIT_OK;
  } finally {
    stop.dispose();
  }
}

/**
 * Reads the command line: the options, or `"help"`.
 * @throws UsageError naming the flag and what it takes
 */
function readCommandLine(argv: readonly string[]): EmulatorCommandOptions | "help" {
  const nodeFlag = argv.find((arg) => arg === "--env-file" || arg.startsWith("--env-file="));
  if (nodeFlag !== undefined && !argv.includes("--help") && !argv.includes("-h")) {
    throw new UsageError(
      "`--env-file` is node's own flag (node reads it even after the script name, and stops when the file is missing): " +
        "write the emulator's env file with `--write-env <file>`.",
    );
  }
  const args = parseArgs(argv, FLAGS);
  if (args.help) return "help";
  if (args.positional.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positional[0])}: the emulator takes flags only, e.g. \`--api factory\`.`);
  }
  const api = stringFlag(args, "--api");
  const store = stringFlag(args, "--store");
  if (store !== undefined && !(STORE_EMULATORS as readonly string[]).includes(store)) {
    throw new UsageError(`\`--store\` must be one of ${STORE_EMULATORS.join(", ")} (got ${JSON.stringify(store)}).`);
  }
  if (store !== undefined && api !== undefined) throw new UsageError("`--api` and `--store` cannot be combined: one emulator per command; start another for the other.");
  if (store === "secrets-manager" && stringFlag(args, "--admin-token") !== undefined) {
    throw new UsageError("`--admin-token` does not apply to `--store secrets-manager`: it accepts any signed request (any access key).");
  }
  if (api !== undefined && !(EMULATED_APIS as readonly string[]).includes(api)) {
    throw new UsageError(`\`--api\` must be one of ${EMULATED_APIS.join(", ")} (got ${JSON.stringify(api)}).`);
  }
  const port = stringFlag(args, "--port");
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) {
    throw new UsageError(`\`--port\` must be an integer between 0 and 65535 (got ${JSON.stringify(port)}); 0 picks a free port.`);
  }
  const adminToken = stringFlag(args, "--admin-token");
  if (adminToken !== undefined && /\s/.test(adminToken)) {
    throw new UsageError("`--admin-token` must not contain whitespace (the value is not shown: it is a secret).");
  }
  return {
    emulator: {
      api: api as EmulatedApiName | undefined,
      port: port === undefined ? undefined : Number(port),
      host: stringFlag(args, "--host"),
      adminToken,
    },
    json: args.flags.has("--json"),
    envFile: stringFlag(args, "--write-env"),
    ...(store !== undefined ? { store: store as (typeof STORE_EMULATORS)[number] } : {}),
  };
}

/** `--store vault|secrets-manager`: serves the store's emulator until asked to stop. */
async function serveStore(
  options: EmulatorCommandOptions,
  out: (text: string) => void,
  err: (text: string) => void,
  io: EmulatorCommandIo,
  stopped: Promise<unknown>,
): Promise<number> {
  const { port, host, adminToken } = options.emulator;
  let close: () => Promise<void>;
  let facts: Record<string, string>;
  let env: [string, string][];
  let text: string;
  try {
    if (options.store === "vault") {
      const vault = await startVaultEmulator({ port, host, token: adminToken });
      close = () => vault.close();
      facts = { store: "vault", url: vault.url, token: vault.token, readOnlyToken: vault.readOnlyToken, mount: "secret" };
      env = [
        ["VAULT_ADDR", vault.url],
        ["VAULT_TOKEN", vault.token],
        ["VAULT_READ_ONLY_TOKEN", vault.readOnlyToken],
      ];
      text = `Vault KV v2 emulator listening on ${vault.url}\nToken: ${vault.token}\nRead-only token: ${vault.readOnlyToken}\nMount: secret (KV version 2)\n`;
    } else {
      const sm = await startSecretsManagerEmulator({ port, host });
      close = () => sm.close();
      facts = { store: "secrets-manager", url: sm.url, region: sm.region, readOnlyAccessKeyId: sm.readOnlyAccessKeyId };
      env = [
        ["SECRETS_MANAGER_ENDPOINT", sm.url],
        ["AWS_REGION", sm.region],
        ["AWS_ACCESS_KEY_ID", "AKIAEMULATOR00000000"],
        ["AWS_SECRET_ACCESS_KEY", "emulator-secret-access-key"],
        ["SECRETS_MANAGER_READ_ONLY_ACCESS_KEY_ID", sm.readOnlyAccessKeyId],
      ];
      text =
        `AWS Secrets Manager emulator listening on ${sm.url}\nRegion: ${sm.region} (any access key signs; pass the URL as the store's \`endpoint\`)\n` +
        `Read-only access key id: ${sm.readOnlyAccessKeyId} (may only get, describe and list)\n`;
    }
  } catch (error) {
    err(`cdktf-api-keys emulator: cannot start: ${errorText(error)}\n`);
    return EXIT_FAILED;
  }
  if (options.envFile !== undefined) {
    try {
      await writeEnvFile(path.resolve(io.cwd ?? process.cwd(), options.envFile), envFileText(`cdktf-api-keys emulator --store ${options.store}`, env));
    } catch (error) {
      await close();
      err(`cdktf-api-keys emulator: ${errorText(error)}\n`);
      return EXIT_FAILED;
    }
  }
  out(options.json ? `${JSON.stringify(facts)}\n` : text);
  if (options.envFile !== undefined && !options.json) out(`Wrote ${env.map(([name]) => name).join(", ")} to ${options.envFile} (mode 0600)\n`);
  await stopped;
  await close();
  return EXIT_OK;
}
