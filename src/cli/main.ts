#!/usr/bin/env node
/**
 * The `cdktf-api-keys` command: finds the subcommand and runs it. Each subcommand lives in its own
 * module, loaded only when it runs, and owns its usage text (`<command> --help`, `help <command>`).
 */
import { EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";

type Run = (argv: string[]) => Promise<number>;

interface Command {
  readonly name: string;
  /** As the usage lists it, e.g. `get <secretPath>`. */
  readonly synopsis: string;
  readonly summary: string;
  readonly run: Run;
}

/** The subcommands, in the order the usage lists them. */
const COMMANDS: readonly Command[] = [
  {
    name: "get",
    synopsis: "get <secretPath>",
    summary: "print a stored key's value, one field (--field) or the payload (--json)",
    run: async (argv) => (await import("./get-command")).getCommand(argv),
  },
  {
    name: "list",
    synopsis: "list",
    summary: "list a store's secret paths with key id, prefix and expiry (never a value)",
    run: async (argv) => (await import("./list-command")).listCommand(argv),
  },
  {
    name: "status",
    synopsis: "status <stack dir>",
    summary: "show every account and key of a stack: live state, expiry, next rotation, secret, pending revocations",
    run: async (argv) => (await import("./status-command")).statusCommand(argv),
  },
  {
    name: "revoke-due",
    synopsis: "revoke-due <stack dir>",
    summary: "revoke the replaced keys whose overlap has ended (pending revocations that are due)",
    run: async (argv) => (await import("./revoke-due-command")).revokeDueCommand(argv),
  },
  {
    name: "keygen",
    synopsis: "keygen",
    summary: "create a store's age identity (private) and recipient (public)",
    run: async (argv) => (await import("./keygen-command")).keygenCommand(argv),
  },
  {
    name: "emulator",
    synopsis: "emulator",
    summary: "serve a local key-management API emulator (Flownally, Factory, Flexprice)",
    run: async (argv) => (await import("./emulator-command")).emulatorCommand(argv),
  },
  {
    name: "version",
    synopsis: "version",
    summary: "print the version (also --version)",
    run: async (argv) => (await import("./version-command")).versionCommand(argv),
  },
  { name: "help", synopsis: "help [<command>]", summary: "print this help, or a command's", run: async (argv) => help(argv) },
];

const width = Math.max(...COMMANDS.map((c) => c.synopsis.length));

/** The usage text of the command itself. */
const USAGE = `usage: cdktf-api-keys <command> [<options>]
       cdktf-api-keys <command> --help
       cdktf-api-keys --version

commands:
${COMMANDS.map((c) => `  ${c.synopsis.padEnd(width)}  ${c.summary}\n`).join("")}
environment:
  CDKTF_API_KEYS_DIR        the store directory of get and list (like --dir; default "secrets")
  CDKTF_API_KEYS_IDENTITY   the identity file of get (like --identity; - reads standard input)

${exitStatusText("ok", "see each command's --help")}`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version") return COMMANDS.find((c) => c.name === "version")!.run(rest);
  if (first === "--help" || first === "-h") return help(rest);
  const command = COMMANDS.find((c) => c.name === first);
  if (command !== undefined) return command.run(rest);
  return usageError(
    first === undefined
      ? "missing command: name one, e.g. `cdktf-api-keys get billing/prod`."
      : first.startsWith("-")
        ? `unknown flag \`${first}\`: before a command only \`--help\` and \`--version\` are known; put a command's flags after it.`
        : `unknown command ${JSON.stringify(first)}: the commands are ${COMMANDS.map((c) => c.name).join(", ")}.`,
  );
}

/** `help`: the usage; `help <command>`: that command's, as `<command> --help` prints it. */
async function help(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === argv[0]);
  if (command === undefined || argv.length > 1) {
    return usageError(
      command === undefined
        ? `help: unknown command ${JSON.stringify(argv[0])}: the commands are ${COMMANDS.map((c) => c.name).join(", ")}.`
        : `help: expected one command, got ${argv.length} (${argv.map((a) => JSON.stringify(a)).join(", ")}).`,
    );
  }
  return command.name === "help" ? help([]) : command.run(["--help"]);
}

function usageError(message: string): number {
  process.stderr.write(`cdktf-api-keys: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cdktf-api-keys: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
