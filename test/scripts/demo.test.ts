import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * `npm run demo` is the README's quick start: each API's demo runs as a user runs it (the built
 * script, a real emulator, the real terraform binary) and must end with everything cleaned up.
 */
const repo = path.resolve(__dirname, "../..");
const demo = path.join(repo, "dist/scripts/demo.js");

function runDemo(...args: string[]) {
  const result = spawnSync(process.execPath, [demo, ...args], { cwd: repo, encoding: "utf8", timeout: 110_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test.each([
  { args: [], api: "flownally", example: "quickstart", keys: 3 },
  { args: ["--api", "factory"], api: "factory", example: "factory", keys: 2 },
  { args: ["--api=flexprice"], api: "flexprice", example: "flexprice", keys: 3 },
])("the demo of $api runs every step and leaves the store empty", ({ args, api, example, keys }) => {
  // WHEN
  const { code, stdout, stderr } = runDemo(...args);

  // THEN
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain(`Starting the local ${api} emulator`);
  expect(stdout).toContain(`Synthesizing examples/${example}`);
  expect(stdout.match(/: authenticates$/gm)).toHaveLength(keys);
  expect(stdout).toContain("No changes. Your infrastructure matches the configuration.");
  expect(stdout.match(/: rejected \(/gm)).toHaveLength(keys);
  expect(stdout).toContain("the store is empty");
  expect(stdout).toMatch(/Demo complete in \d+\.\d s\./);
  expect(fs.readdirSync(path.join(repo, ".demo/secrets"), { recursive: true }).filter((f) => String(f).endsWith(".age"))).toEqual([]);
});

test.each([
  [["--api", "stripe"], '--api "stripe" is not one of flownally, factory, flexprice'],
  [["--api"], "--api needs a value"],
  [["--fast"], 'unexpected argument "--fast"'],
])("%p is refused before anything starts", (args, message) => {
  const { code, stdout, stderr } = runDemo(...args);
  expect(code).toBe(1);
  expect(stderr).toContain(message);
  expect(stdout).toBe("");
});
