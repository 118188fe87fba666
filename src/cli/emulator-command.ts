/**
 * `cdktf-api-keys emulator [--api flownally|factory|...] [--port 0] [--host 127.0.0.1] [--admin-token T]`:
 * runs an API emulator in the foreground until SIGINT or SIGTERM. Prints the URL, the admin token and
 * the id of every service account that exists from the start (Factory's seeded accounts).
 */
import { EMULATED_APIS, startEmulator, type EmulatedApiName, type EmulatorOptions } from "../emulator/start-emulator";

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
}

const USAGE = `Usage: cdktf-api-keys emulator [--api ${EMULATED_APIS.join("|")}] [--port 0] [--host 127.0.0.1] [--admin-token TOKEN]

  --api          which API to emulate (default: flownally)
  --port         TCP port; 0 picks a free one (default: 0)
  --host         address to listen on (default: 127.0.0.1)
  --admin-token  the admin bearer token (default: a random one, printed at start)
`;

/** A command-line mistake: the message names the flag; the command exits with 2. */
class UsageError extends Error {}

/**
 * Runs the emulator command. `argv` holds the arguments after `emulator`.
 * @returns the exit code: 0 after a clean stop (or `--help`), 1 when the emulator cannot start
 * (e.g. the port is taken), 2 for a command-line mistake.
 */
export async function emulatorCommand(argv: string[], io: EmulatorCommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));

  let options: EmulatorOptions | "help";
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`cdktf-api-keys emulator: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    out(USAGE);
    return 0;
  }

  let emulator;
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    err(`cdktf-api-keys emulator: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const displayName = emulator.api.charAt(0).toUpperCase() + emulator.api.slice(1);
  // Accounts that exist from the start (Factory's, made in its web app): keys need their ids.
  const seeded = emulator.inspect().serviceAccounts.map((a) => `Service account ${a.name}: ${a.id}\n`);
  out(`${displayName} emulator listening on ${emulator.url}\nAdmin token: ${emulator.adminToken}\n${seeded.join("")}`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener("abort", stop);
  });
  await emulator.close();
  return 0;
}

function parseArgs(argv: readonly string[]): EmulatorOptions | "help" {
  const options: { api?: EmulatedApiName; port?: number; host?: string; adminToken?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new UsageError(`\`${flag}\` needs a value`);
      return v;
    };
    switch (flag) {
      case "--api": {
        const api = value();
        if (!(EMULATED_APIS as readonly string[]).includes(api)) {
          throw new UsageError(`\`--api\` must be one of: ${EMULATED_APIS.join(", ")} (got "${api}")`);
        }
        options.api = api as EmulatedApiName;
        break;
      }
      case "--port": {
        const port = value();
        if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
          throw new UsageError(`\`--port\` must be an integer between 0 and 65535 (got "${port}")`);
        }
        options.port = Number(port);
        break;
      }
      case "--host":
        options.host = value();
        break;
      case "--admin-token": {
        const token = value();
        if (/\s/.test(token)) throw new UsageError("`--admin-token` must not contain whitespace");
        options.adminToken = token;
        break;
      }
      default:
        throw new UsageError(`unknown flag \`${flag}\``);
    }
  }
  return options;
}
