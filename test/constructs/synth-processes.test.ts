import { execFileSync } from "child_process";
import * as path from "path";

/**
 * cdktf's DataResource runs `terraform version` in a child process for every resource during synth
 * (about 40 ms each: 1,000 keys would take 40 s). Ours must start none. Counted in a plain node process
 * that patches child_process before cdktf loads (Jest's own module registry hides such calls).
 */
function countSynthProcesses(mode: "keys" | "control", count: number): { resources: number; calls: string[] } {
  const script = path.join(__dirname, "count-synth-processes.js");
  return JSON.parse(execFileSync(process.execPath, [script, mode, String(count)], { encoding: "utf8" }));
}

describe("synthesis", () => {
  test("the counter sees cdktf's DataResource run terraform once per resource (the control)", () => {
    const { resources, calls } = countSynthProcesses("control", 3);
    expect(resources).toBe(3);
    expect(calls.filter((c) => c.includes("terraform version"))).toHaveLength(3);
  });

  test("spawns no process, however many keys the stack has", () => {
    const { resources, calls } = countSynthProcesses("keys", 200);
    expect(resources).toBe(202); // the keys, their account and the stack identity
    expect(calls).toEqual([]);
  });
});
