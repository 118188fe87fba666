#!/usr/bin/env node
/**
 * The `cdktf-api-keys` command:
 *   get <secretPath> [--dir secrets] [--identity .keys/identity.txt] [--json]
 *   emulator [--api flownally] [--port 0] [--host 127.0.0.1] [--admin-token T]
 *   keygen [--identity .keys/identity.txt] [--recipient .keys/recipient.txt]
 */
const USAGE = `usage: cdktf-api-keys <command> [options]

commands:
  get <secretPath>   print a stored key's value (--dir secrets --identity .keys/identity.txt [--json])
  emulator           serve a local key-management API emulator (--api flownally --port 0)
  keygen             create an age identity and its recipient (--identity .keys/identity.txt --recipient .keys/recipient.txt)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "get":
      return (await import("./get-command")).getCommand(rest);
    case "emulator":
      return (await import("./emulator-command")).emulatorCommand(rest);
    case "keygen":
      return (await import("./keygen-command")).keygenCommand(rest);
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`${command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`}\n\n${USAGE}`);
      return 2;
  }
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
