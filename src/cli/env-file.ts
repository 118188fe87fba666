/**
 * A private `NAME=value` file that `. ./file` (after `set -a`), `docker --env-file` and dotenv all
 * read. It holds secrets (an admin token), so it is written with mode 0600 and appears whole or not at
 * all: a script polling for it never reads half a file.
 */
import { promises as fsp } from "fs";
import * as path from "path";
import { describeFileError, writePrivateTempFile } from "../stores/private-file";

/** Characters that need no quoting in any of the readers. */
const BARE = /^[A-Za-z0-9_./:@%+,=-]*$/;

/** The file's text: a comment line, then one `NAME=value` line per variable. */
export function envFileText(comment: string, vars: readonly (readonly [string, string])[]): string {
  return `# ${comment}\n${vars.map(([name, value]) => `${name}=${quote(value)}\n`).join("")}`;
}

/**
 * Writes `text` to `file` (mode 0600), replacing it in one step if it exists. The parent directory
 * must exist: a typo in it should fail rather than create a directory somewhere unexpected.
 * @throws Error naming the file, what the file system said, and what to check
 */
export async function writeEnvFile(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const isDirectory = await fsp.stat(dir).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new Error(`cannot write ${file}: its directory ${dir} does not exist or is not a directory; create it first or pick another --write-env file.`);
  }
  let temp: string | undefined;
  try {
    temp = await writePrivateTempFile(file, text);
    await fsp.rename(temp, file);
    temp = undefined;
  } catch (e) {
    throw new Error(`cannot write ${file}: ${describeFileError(e)}`);
  } finally {
    if (temp !== undefined) await fsp.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The value as is when safe everywhere, else in single quotes (a `'` inside closes, escapes and reopens). */
function quote(value: string): string {
  return BARE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
