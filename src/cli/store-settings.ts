/**
 * Settings the store commands (`get`, `list`) share: each comes from its flag, else its environment
 * variable, else a default, and remembers which, so a message can say where a wrong value came from.
 */
import * as fs from "fs";
import * as path from "path";

/** Environment variables the store commands read when a flag is not given. */
export const STORE_ENV = {
  /** The store directory, like `--dir`. */
  dir: "CDKTF_API_KEYS_DIR",
  /** The identity file, like `--identity` (`-`: standard input). */
  identity: "CDKTF_API_KEYS_IDENTITY",
  /** A synthesized stack directory whose stores to use, like `--stack`. */
  stack: "CDKTF_API_KEYS_STACK",
} as const;

/** The store directory when neither `--dir` nor {@link STORE_ENV.dir} is set. */
export const DEFAULT_STORE_DIR = "secrets";

/** Where the command finds its environment, working directory and standard input; the process's own by default. */
export interface StoreCommandContext {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Read by `--identity -`. @default process.stdin */
  readonly stdin?: NodeJS.ReadableStream;
}

/** A setting's value and where it came from: the flag, the environment variable, or the default. */
export interface Setting {
  readonly value: string;
  readonly source: string;
}

/** The flag's value, else the environment variable's (when not empty), else the default. */
export function setting(flagValue: string | undefined, flag: string, envValue: string | undefined, envName: string, fallback: string): Setting {
  if (flagValue !== undefined) return { value: flagValue, source: flag };
  if (envValue) return { value: envValue, source: envName };
  return { value: fallback, source: `the default ${JSON.stringify(fallback)}` };
}

/**
 * The absolute store directory of `dir`, resolved against `cwd`.
 * @returns the directory, or a message saying it does not exist and how to point at the right one
 */
export function storeDirectory(dir: Setting, cwd: string): { directory: string } | { problem: string } {
  const directory = path.resolve(cwd, dir.value);
  let isDirectory = false;
  try {
    isDirectory = fs.statSync(directory).isDirectory();
  } catch {
    // missing, or unreadable: both mean "not a store directory here"
  }
  if (isDirectory) return { directory };
  return {
    problem:
      `the store directory ${directory} (${dir.source}) does not exist or is not a directory. Run the command from the ` +
      `project directory, or point --dir (or ${STORE_ENV.dir}) at the store's \`directory\`.`,
  };
}

/** An error's message (duck-typed: errors from another realm, such as a test sandbox, are not `instanceof Error`). */
export function errorText(e: unknown): string {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}
