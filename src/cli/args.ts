/**
 * The command line of every `cdktf-api-keys` command, read the same way: `--flag value` or
 * `--flag=value`, switches without a value, `-h`/`--help` anywhere (help wins over any mistake), `--`
 * ends the flags, and `-` is an argument (standard input), not a flag.
 */

/** A command-line mistake. The message names the flag or argument and the fix; the command exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag a command accepts. */
export interface FlagSpec {
  /** The flag as typed, e.g. `--dir`. */
  readonly name: string;
  /**
   * An example value, shown when the value is missing (`--dir` needs a value, e.g. `--dir secrets`).
   * @default none: the flag is a switch and takes no value
   */
  readonly example?: string;
}

/** A command line, read. */
export interface ParsedArgs {
  /** `-h` or `--help` was given: print the usage, whatever else is there. */
  readonly help: boolean;
  /** The value of each flag given (`true` for a switch); the last one wins when a flag is repeated. */
  readonly flags: ReadonlyMap<string, string | true>;
  /** The arguments that are not flags, in order. */
  readonly positional: readonly string[];
}

/**
 * Reads `argv` against the flags a command accepts.
 * @throws UsageError naming an unknown flag, a missing value, or a value given to a switch
 */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const end = argv.indexOf("--");
  const flagPart = end < 0 ? argv : argv.slice(0, end);
  if (flagPart.some((arg) => arg === "-h" || arg === "--help")) return { help: true, flags: new Map(), positional: [] };

  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < flagPart.length; i++) {
    const arg = flagPart[i];
    if (arg === "-" || !arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(unknownFlag(name, specs));
    if (spec.example === undefined) {
      if (eq >= 0) throw new UsageError(`\`${name}\` takes no value (got ${JSON.stringify(arg)}): write just \`${name}\`.`);
      flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : flagPart[++i];
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
      throw new UsageError(`\`${name}\` needs a value, e.g. \`${name} ${spec.example}\`.`);
    }
    flags.set(name, value);
  }
  if (end >= 0) positional.push(...argv.slice(end + 1));
  return { help: false, flags, positional };
}

/** The value of a flag that takes one, if it was given. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

/**
 * `<command> <stack dir> [--json]` (status, revoke-due): `help` for `--help`, else the stack directory.
 * @throws UsageError naming what is missing or extra
 */
export function parseStackDirArgs(argv: readonly string[], command: string): { help: true } | { help: false; stackDir: string; json: boolean } {
  const args = parseArgs(argv, [{ name: "--json" }]);
  if (args.help) return { help: true };
  if (args.positional.length !== 1) {
    throw new UsageError(
      args.positional.length === 0
        ? `missing <stack dir>: name the synthesized stack's directory, e.g. \`cdktf-api-keys ${command} cdktf.out/stacks/keys\`.`
        : `expected one <stack dir>, got ${args.positional.length}.`,
    );
  }
  return { help: false, stackDir: args.positional[0], json: args.flags.has("--json") };
}

/** "unknown flag `--x`", with the flags there are, and a hint when a terraform-style `-json` meant `--json`. */
function unknownFlag(name: string, specs: readonly FlagSpec[]): string {
  const known = [...specs.map((s) => s.name), "--help"];
  const hint = !name.startsWith("--") && known.includes(`-${name}`) ? ` Did you mean \`-${name}\`?` : "";
  return `unknown flag \`${name}\`.${hint} The flags are ${known.map((k) => `\`${k}\``).join(", ")}.`;
}
