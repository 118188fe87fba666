import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { createClient } from "../../src/clients/create-client";
import { Project } from "./harness";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/** Every file under `dir` with a hash of its bytes and its mode: what a read-only run must leave as it was. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of Project.files(dir)) {
    const full = path.resolve(dir, file);
    out[file] = `${crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex")} ${fs.statSync(full).mode.toString(8)}`;
  }
  return out;
}

/**
 * The provider under partial failures, with the real terraform binary and the emulator: a plan that
 * changes nothing, a lost state that orphans nothing.
 */
describe("end to end with terraform: partial failures", () => {
  let project: Project;
  let stackDir: string;
  const paths = ["team/a", "team/b"];

  const synth = (stackName = "partial", rotateEveryDays: number | undefined = 30) => {
    stackDir = project.synth(stackName, (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: `svc-${stackName}` });
      for (const secretPath of paths) {
        new ApiKey(stack, secretPath.replace("/", "-"), { serviceAccount: account, name: secretPath, store: project.store(), secretPath: `${stackName}/${secretPath}`, rotateEveryDays, overlapMinutes: 60 });
      }
    });
    return stackDir;
  };
  const reader = () => project.reader();
  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const activeIds = () => project.activeKeyIds();
  const stateKeyIds = () => project.stateKeyIds(stackDir);
  const planCode = async (env: Record<string, string> = {}) => (await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env)).code;

  beforeAll(async () => {
    project = await Project.create("partial-failures");
  });
  afterAll(async () => project?.close());

  test("a plan with a read-only token changes nothing: a due rotation and a due revocation are shown, the store and the API stay byte for byte as they were", async () => {
    await project.apply(synth());
    // A rotation with an overlap: the old keys wait in the store as pending revocations, due in an hour.
    const rotated = await project.apply(stackDir, { [TEST_CLOCK_ENV]: "+31d" });
    expect(rotated.stdout).toMatch(/Resources: 2 added, 0 changed, 2 destroyed/);
    expect(await reader().listPendingRevocations()).toHaveLength(2);
    const store = fingerprint(project.secretsDir);
    const api = JSON.stringify(project.emulator.inspect());

    // 62 days on: both revocations are due and both keys are due for rotation again. The plan runs with
    // a token the emulator lets only read (any write would fail it), as a pull-request pipeline would.
    const readOnly = { [project.tokenEnv]: project.emulator.readOnlyToken };
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], { [TEST_CLOCK_ENV]: "+62d", ...readOnly });
    expect(plan.code).toBe(2);
    expect(flat(plan.stdout)).toMatch(/Plan: 2 to add, 0 to change, 2 to destroy/);
    expect(flat(plan.stdout + plan.stderr)).toMatch(/was due for revocation at \S+: the next apply \(or `cdktf-api-keys revoke-due`\) revokes it/);
    expect(fingerprint(project.secretsDir)).toEqual(store);
    expect(JSON.stringify(project.emulator.inspect())).toEqual(api);

    // The apply carries out what the plan showed.
    const applied = await project.apply(stackDir, { [TEST_CLOCK_ENV]: "+62d" });
    // (Terraform folds the second report of one kind into "similar warnings": one is enough to see.)
    expect(flat(applied.stdout + applied.stderr)).toMatch(/revoked key \S+ of partial\/team-[ab] \(partial\/team\/[ab]\): its overlap ended/);
    const due = (JSON.parse(api) as { apiKeys: { id: string; status: string }[] }).apiKeys.filter((k) => k.status === "active").map((k) => k.id);
    const waiting = (await reader().listPendingRevocations()).map((r) => r.keyId);
    expect(waiting).toHaveLength(2); // the keys this apply replaced, in their overlap; the due ones are revoked
    expect(activeIds().filter((id) => due.includes(id))).toEqual([...waiting].sort());
    await project.destroy(stackDir, { [TEST_CLOCK_ENV]: "+62d" });
    expect(activeIds()).toEqual([]);
  });

  test("a lost state orphans nothing: the next apply retires the keys no state holds, and the plan after it is empty", async () => {
    await project.apply(synth("lost", undefined));
    const before = await stateKeyIds();
    expect(activeIds()).toEqual(before);
    const accounts = () => project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt);
    const account = accounts();
    fs.rmSync(path.join(stackDir, "terraform.tfstate"));
    fs.rmSync(path.join(stackDir, "terraform.tfstate.backup"), { force: true });

    const again = await project.apply(stackDir);
    for (const id of before) expect(flat(again.stdout + again.stderr)).toMatch(new RegExp(`key ${id} \\(replaced at its path\\) stays valid until`));
    const after = await stateKeyIds();
    expect(after).toHaveLength(paths.length);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    // The keys no state held keep their overlap (consumers may still use them), as pending revocations.
    expect(activeIds()).toEqual([...before, ...after].sort());
    expect((await reader().listPendingRevocations()).map((r) => r.keyId).sort()).toEqual(before);
    // Once the overlap is over, the plan shows them going and the apply revokes them: only the state's keys are active.
    const settled = await project.apply(stackDir, { [TEST_CLOCK_ENV]: "+61m" });
    expect(flat(settled.stdout)).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy/);
    expect(activeIds()).toEqual(after);
    expect(accounts()).toEqual(account);
    for (const secretPath of paths) expect(await client().authenticates((await reader().readSecret(`lost/${secretPath}`)).value)).toBe(true);
    expect(await planCode({ [TEST_CLOCK_ENV]: "+61m" })).toBe(0);
    await project.destroy(stackDir, { [TEST_CLOCK_ENV]: "+61m" });
    expect(activeIds()).toEqual([]);
  });
});
