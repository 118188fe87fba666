/**
 * Private files for the stores and key files: 0600 files in 0700 directories whatever the umask, written
 * to a synced temp file beside their destination first, so a destination is never seen half written.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
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

/** What to check, by errno, when the file system refuses an operation. */
const HINTS: { readonly [code: string]: string } = {
  EACCES: "check the owner and mode of the path and its folder (`ls -ld`)",
  EPERM: "check the owner and mode of the path and its folder (`ls -ld`), and whether either is immutable or append-only (`lsattr -d`)",
  EROFS: "the file system is mounted read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota of this user is used up",
  EISDIR: "a folder is in the way where a file belongs",
  EMFILE: "this process has too many open files",
  ENFILE: "the system has too many open files",
};

/**
 * An error of the file system as a message naming the real operation, path and errno, e.g.
 * `unlink /s/a.age failed with EPERM (operation not permitted): ...what to check...`. When a file
 * stands where a folder is needed (ENOTDIR, or EEXIST from mkdir), it names that file. Errors that are
 * not system call errors (no `syscall`) are returned as their message.
 */
export function describeFileError(e: unknown): string {
  const err = e as (Partial<NodeJS.ErrnoException> & { dest?: unknown }) | null | undefined;
  const message = typeof err?.message === "string" ? err.message : String(e);
  if (typeof err?.code !== "string" || typeof err.syscall !== "string") return message;
  // libuv's messages read "EPERM: operation not permitted, unlink '/path'".
  const description = message.match(/^[A-Z0-9_]+: ([^,]+)/)?.[1] ?? "see errno";
  const target = typeof err.path === "string" ? ` ${err.path}${typeof err.dest === "string" ? ` -> ${err.dest}` : ""}` : "";
  const text = `${err.syscall}${target} failed with ${err.code} (${description})`;
  let hint = HINTS[err.code];
  if (typeof err.path === "string" && (err.code === "ENOTDIR" || (err.code === "EEXIST" && err.syscall === "mkdir"))) {
    const inTheWay = findFileInTheWay(err.code === "EEXIST" ? err.path : path.dirname(err.path));
    hint = inTheWay !== undefined ? `${inTheWay} is a file, not a folder: move it away` : "a file is in the way where a folder belongs";
  }
  return hint === undefined ? text : `${text}: ${hint}`;
}

/** The nearest existing non-folder at or above `dir`, if the nearest existing thing is not a folder. */
export function findFileInTheWay(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      return fs.statSync(d).isDirectory() ? undefined : d;
    } catch {
      // ENOENT or ENOTDIR: look one level up
    }
    if (d === path.dirname(d)) return undefined;
  }
}
