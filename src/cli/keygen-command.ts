import { generateIdentityFiles } from "../stores/age-identity";
import { parseArgs, stringFlag, UsageError } from "./args";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";
import { errorText } from "./store-settings";

/** The `keygen` command's usage text. */
export const KEYGEN_USAGE = `usage: cdktf-api-keys keygen [--identity <file>] [--recipient <file>] [--force]

Creates a store's key pair: the age identity (private key, mode 0600) that reads the secrets, and
the recipient (public key) that stacks encrypt them to. Keep the identity out of version control;
commit the recipient.

options:
  --identity <file>    where the identity goes (default ".keys/identity.txt")
  --recipient <file>   where the recipient goes (default ".keys/recipient.txt")
  --force              replace existing files: secrets encrypted to the old identity become unreadable
  -h, --help           print this help

Relative paths are relative to the working directory.

${exitStatusText("written", "a file exists and --force was not given; a file cannot be written")}`;

const FLAGS = [
  { name: "--identity", example: ".keys/identity.txt" },
  { name: "--recipient", example: ".keys/recipient.txt" },
  { name: "--force" },
];

/**
 * `cdktf-api-keys keygen [--identity .keys/identity.txt] [--recipient .keys/recipient.txt] [--force]`:
 * creates the age identity (private, 0600) that reads secrets and the recipient (public) that the
 * stack encrypts to. Refuses to overwrite an existing identity or recipient unless `--force` is
 * given: secrets encrypted to it would become unreadable.
 *
 * @param argv the arguments after `keygen`
 * @returns the exit code: 0 written, 1 run-time failure (a file exists, cannot write), 2 usage error
 */
export async function keygenCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, FLAGS);
    if (args.positional.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positional[0])}: name the files with \`--identity\` and \`--recipient\`.`);
    }
    for (const flag of ["--identity", "--recipient"]) {
      if (stringFlag(args, flag) === "-") throw new UsageError(`\`${flag} -\` is not supported by keygen: it writes files; name one, e.g. \`${flag} .keys/${flag.slice(2)}.txt\`.`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`cdktf-api-keys keygen: ${e.message}\n\n${KEYGEN_USAGE}`);
    return EXIT_USAGE;
  }
  if (args.help) {
    out.write(KEYGEN_USAGE);
    return EXIT_OK;
  }

  const identity = stringFlag(args, "--identity") ?? ".keys/identity.txt";
  const recipient = stringFlag(args, "--recipient") ?? ".keys/recipient.txt";
  const force = args.flags.has("--force");
  let publicKey: string;
  try {
    publicKey = await generateIdentityFiles(identity, recipient, { overwrite: force });
  } catch (e) {
    const hint = force ? "" : " Pass --force to replace them (secrets encrypted to the old identity become unreadable).";
    const exists = /already exists/.test(errorText(e)) ? hint : "";
    err.write(`cdktf-api-keys keygen: ${errorText(e)}${exists}\n`);
    return EXIT_FAILED;
  }
  out.write(`wrote identity ${identity} (keep it secret, out of version control)\nwrote recipient ${recipient}: ${publicKey}\n`);
  return EXIT_OK;
}
