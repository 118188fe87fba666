import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../package-root";
import { parseArgs, UsageError } from "./args";
import { EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";

/** The `version` command's usage text. */
export const VERSION_USAGE = `usage: cdktf-api-keys version
       cdktf-api-keys --version

Prints the package's version, which is also the version of the Terraform provider it ships.

${exitStatusText("printed", "the package.json cannot be read")}`;

/** The version in this package's package.json. */
export function packageVersion(): string {
  const manifest = path.join(packageRoot(), "package.json");
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${manifest} has no "version"`);
  return version;
}

/**
 * `cdktf-api-keys version` (or `--version`): prints `cdktf-api-keys <version>`.
 * @returns the exit code: 0 printed, 2 usage error
 */
export function versionCommand(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  let help: boolean;
  try {
    const args = parseArgs(argv, []);
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positional[0])}: \`version\` takes none.`);
    help = args.help;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`cdktf-api-keys version: ${e.message}\n\n${VERSION_USAGE}`);
    return EXIT_USAGE;
  }
  out.write(help ? VERSION_USAGE : `cdktf-api-keys ${packageVersion()}\n`);
  return EXIT_OK;
}
