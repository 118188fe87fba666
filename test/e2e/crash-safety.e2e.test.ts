import { execFileSync } from "child_process";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { Project } from "./harness";
import { auditKeys } from "./key-audit";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");
const CREATE_KEY = { method: "POST", path: /\/service-accounts\/[^/]+\/api-keys$/ };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Crashes, cancels and unclear answers while keys are minted, with the real terraform binary and a
 * loopback fault proxy in front of the emulator. After the re-applies: every declared key is stored
 * and authenticates (0 lost), every active key is stored (0 orphaned), and no name has two active keys.
 */
describe("end to end with terraform: no key orphaned, lost or duplicated", () => {
  let project: Project;
  let proxy: FaultProxy;

  const paths = (stackName: string, count: number) => Array.from({ length: count }, (_, i) => `${stackName}/k${String(i).padStart(2, "0")}`);
  const synth = (stackName: string, count: number) =>
    project.synth(stackName, (stack: TerraformStack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(proxy.url), name: `${stackName}-owner` });
      for (const secretPath of paths(stackName, count)) {
        new ApiKey(stack, secretPath.split("/")[1], { serviceAccount: sa, name: secretPath.replace("/", "-"), store: project.store(), secretPath });
      }
    });
  const expectHealthy = async (stackName: string, count: number, stackDir: string) => {
    const audit = await auditKeys(project, paths(stackName, count), { checkValues: true });
    expect(audit).toEqual({ orphaned: [], lost: [], duplicated: [], active: expect.any(Number) });
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect(plan.code).toBe(0);
  };
  /** Waits until no provider process of this project is left (a killed terraform leaves its providers finishing). */
  const providersGone = async () => {
    for (let i = 0; i < 100; i++) {
      const running = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(project.dir) && l.includes("terraform-provider-apikeys"));
      if (running.length === 0) return;
      await sleep(100);
    }
    throw new Error("a provider process was left running after terraform was killed");
  };

  beforeAll(async () => {
    project = await Project.create("crash");
    proxy = await startFaultProxy(project.emulator.url);
  });
  afterEach(() => proxy.clearRules());
  afterAll(async () => {
    await proxy?.close();
    await project?.close();
  });

  test.each([
    ["a 502 after the server created the key", (p: FaultProxy) => p.when({ ...CREATE_KEY, times: 8 }).forwardThen502()],
    ["a connection reset after the server created the key", (p: FaultProxy) => p.when({ ...CREATE_KEY, times: 8 }).forwardThenReset()],
  ])("%s: the error says the key may exist, and the next apply resolves it", async (_name, fault) => {
    const stackName = _name.includes("502") ? "bad-gateway" : "reset";
    const stackDir = synth(stackName, 30);
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    fault(proxy);
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(failed.code).not.toBe(0);
    expect(flat(failed.stderr)).toMatch(/may have created key "[^"]+" anyway\. Its value was not stored; the next apply finds such a key .* and revokes it/);
    proxy.clearRules();
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    await expectHealthy(stackName, 30, stackDir);
    await project.destroy(stackDir);
  });

  test("an answer slower than the request timeout: the next apply resolves it", async () => {
    const stackDir = synth("slow", 10);
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    proxy.when({ ...CREATE_KEY, times: 3 }).delay(2500);
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], { CDKTF_API_KEYS_REQUEST_TIMEOUT: "1" });
    expect(failed.code).not.toBe(0);
    expect(flat(failed.stderr)).toMatch(/timeout|timed out/i);
    await sleep(3000); // the delayed answers arrive at nobody
    proxy.clearRules();
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    await expectHealthy("slow", 10, stackDir);
    await project.destroy(stackDir);
  });

  test("Ctrl-C (SIGINT) with creates in flight: they finish and are saved; the re-apply adds the rest", async () => {
    const stackDir = synth("cancel", 20);
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const held = proxy.when({ ...CREATE_KEY, times: "always" }).hold();
    const { child, done } = project.startTerraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    await held.waitUntilHeld(5);
    child.kill("SIGINT");
    await sleep(500);
    held.release();
    const interrupted = await done;
    expect(interrupted.code).not.toBe(0);
    await providersGone();
    proxy.clearRules();
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    await expectHealthy("cancel", 20, stackDir);
    await project.destroy(stackDir);
  });

  test.each([
    ["a 502 after the server created it", "bad-account"],
    ["terraform killed while it was being created", "killed-account"],
  ])("service account: %s; the next apply adopts it instead of failing on its name", async (_name, stackName) => {
    const stackDir = synth(stackName, 3);
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const createAccount = { method: "POST", path: /\/service-accounts$/ };
    if (stackName === "bad-account") {
      proxy.when(createAccount).forwardThen502();
      const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
      expect(flat(failed.stderr)).toMatch(/may have created service account "bad-account-owner" anyway\. The next apply finds it and adopts it/);
    } else {
      const held = proxy.when(createAccount).hold();
      const { child, done } = project.startTerraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
      await held.waitUntilHeld(1);
      child.kill("SIGKILL");
      await done;
      held.release();
      await providersGone();
    }
    proxy.clearRules();
    const healed = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    expect(flat(healed.stdout + healed.stderr)).toMatch(/adopted service account sa_\S+/);
    const owners = project.emulator.inspect().serviceAccounts.filter((a) => a.name === `${stackName}-owner` && !a.deletedAt);
    expect(owners).toHaveLength(1);
    await expectHealthy(stackName, 3, stackDir);
    await project.destroy(stackDir);
  });

  test.each([3, 12, 25])("terraform killed (SIGKILL) after %i keys were minted of 40: the re-apply leaves 0 orphaned, 0 lost, 0 duplicated", async (after) => {
    const stackName = `kill${after}`;
    const stackDir = synth(stackName, 40);
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const minted = () => project.emulator.inspect().apiKeys.filter((k: { name: string }) => k.name.startsWith(`${stackName}-`)).length;
    const { child, done } = project.startTerraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    while (minted() < after && child.exitCode === null) await sleep(5);
    child.kill("SIGKILL");
    await done;
    await providersGone();
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    await expectHealthy(stackName, 40, stackDir);
    await project.destroy(stackDir);
    expect((await auditKeys(project, [])).orphaned).toEqual([]);
  });
});
