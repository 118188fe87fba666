/**
 * Private files for the stores and key files: 0600 files in 0700 directories whatever the umask, written
 * to a synced temp file beside their destination first, so a destination is never seen half written.
 */
import { randomBytes } from "crypto";
import { promises as fsp } from "fs";
import * as path from "path";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** How often a write retries when a concurrent delete removes the (empty) directory it just made. */
const MAX_DIRECTORY_RACES = 10;

/**
 * Creates `dir` and any missing parents, setting mode 0700 on each one it created: mkdir's own mode is
 * filtered by the umask.
 */
export async function makePrivateDirectory(dir: string): Promise<void> {
  const firstCreated = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated === undefined) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await fsp.chmod(d, DIR_MODE);
    if (d === firstCreated || d === path.dirname(d)) break;
  }
}

/**
 * Writes `data` to a new temp file beside `file` (mode 0600, synced), creating the directory when
 * missing, and returns the temp file's path: the caller renames or links it into place, and removes it
 * if that fails. Nothing is left behind when this throws.
 */
export async function writePrivateTempFile(file: string, data: string | Uint8Array): Promise<string> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file).slice(0, 100)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: fsp.FileHandle | undefined;
  for (let attempt = 1; handle === undefined; attempt++) {
    try {
      await makePrivateDirectory(dir);
      handle = await fsp.open(temp, "wx", FILE_MODE);
    } catch (e) {
      // A concurrent delete removed a directory it had left empty, between our mkdir and open: again.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= MAX_DIRECTORY_RACES) throw e;
    }
  }
  try {
    await handle.chmod(FILE_MODE); // the open mode is filtered by the umask; this is not
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    return temp;
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}
