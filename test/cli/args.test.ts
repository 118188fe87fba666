import { parseArgs, stringFlag, UsageError } from "../../src/cli/args";

const FLAGS = [{ name: "--dir", example: "secrets" }, { name: "--json" }];

describe("parseArgs", () => {
  test("reads `--flag value`, `--flag=value`, switches and arguments in any order", () => {
    const args = parseArgs(["a", "--dir", "x", "--json", "b", "--dir=y"], FLAGS);
    expect(args).toEqual({ help: false, flags: new Map<string, string | true>([["--dir", "y"], ["--json", true]]), positional: ["a", "b"] });
    expect(stringFlag(args, "--dir")).toBe("y");
    expect(stringFlag(args, "--json")).toBeUndefined();
  });

  test("`-` is an argument and a value (standard input); `--` ends the flags", () => {
    expect(parseArgs(["-", "--dir", "-", "--", "--json", "-h"], FLAGS)).toEqual({
      help: false,
      flags: new Map([["--dir", "-"]]),
      positional: ["-", "--json", "-h"],
    });
  });

  test.each([[["--help"]], [["-h"]], [["--bogus", "-h"]], [["--dir", "--help"]]])("%j is help, whatever else is there", (argv) => {
    expect(parseArgs(argv, FLAGS).help).toBe(true);
  });

  test.each([
    [["--bogus"], "unknown flag `--bogus`. The flags are `--dir`, `--json`, `--help`."],
    [["-json"], "unknown flag `-json`. Did you mean `--json`? The flags are `--dir`, `--json`, `--help`."],
    [["-x"], "unknown flag `-x`. The flags are"],
    [["--dir"], "`--dir` needs a value, e.g. `--dir secrets`."],
    [["--dir="], "`--dir` needs a value"],
    [["--dir", "--json"], "`--dir` needs a value"],
    [["--json=no"], '`--json` takes no value (got "--json=no"): write just `--json`.'],
  ])("%j is a usage error naming the flag", (argv, message) => {
    expect(() => parseArgs(argv, FLAGS)).toThrow(UsageError);
    expect(() => parseArgs(argv, FLAGS)).toThrow(message);
  });
});
