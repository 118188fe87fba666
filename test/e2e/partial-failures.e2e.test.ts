import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { createClient } from "../../src/clients/create-client";
import { startFaultProxy } from "../support/fault-proxy";
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

  test("a lost state orphans nothing: the apply stops at the stack identity, the import takes it back, then the keys no state holds are retired and the plan is empty", async () => {
    await project.apply(synth("lost", undefined));
    const before = await stateKeyIds();
    expect(activeIds()).toEqual(before);
    const accounts = () => project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt);
    const account = accounts();
    fs.rmSync(path.join(stackDir, "terraform.tfstate"));
    fs.rmSync(path.join(stackDir, "terraform.tfstate.backup"), { force: true });

    // Without its state the stack cannot tell itself from another checkout: the apply stops before anything changes.
    const store = fingerprint(project.secretsDir);
    const api = JSON.stringify(project.emulator.inspect());
    const refused = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(refused.code).toBe(1);
    const said = flat(refused.stdout + refused.stderr);
    expect(said).toMatch(/Stack "lost" already has keys in its stores under another identity/);
    const identity = /terraform import apikeys_stack\.stack_identity (stk_[a-z2-7]{26})/.exec(said)?.[1];
    expect(identity).toBeDefined();
    expect(fingerprint(project.secretsDir)).toEqual(store);
    expect(JSON.stringify(project.emulator.inspect())).toEqual(api);
    await project.ok(project.terraform(stackDir, ["import", "-input=false", "apikeys_stack.stack_identity", identity!]));

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

  test("two checkouts of one stack with states of their own: the second is refused at its first apply, and alternating applies mint nothing", async () => {
    const first = synth("twice", undefined);
    await project.apply(first);
    const keys = await stateKeyIds();
    // A second checkout: the same synthesized stack in another directory, without the first one's state.
    const second = path.join(project.dir, "second-checkout");
    fs.cpSync(first, second, { recursive: true });
    for (const file of ["terraform.tfstate", "terraform.tfstate.backup"]) fs.rmSync(path.join(second, file), { force: true });
    const env = { CDKTF_API_KEYS_PROJECT_DIR: project.dir };
    for (let round = 0; round < 2; round++) {
      const refused = await project.terraform(second, ["apply", "-auto-approve", "-input=false"], env);
      expect(refused.code).toBe(1);
      expect(flat(refused.stdout + refused.stderr)).toMatch(/Stack "twice" already has keys in its stores under another identity .* Another checkout: give it stores or secret paths of its own/);
      const again = await project.apply(first);
      expect(flat(again.stdout)).toMatch(/No changes|0 added, 0 changed, 0 destroyed/);
    }
    expect(await stateKeyIds()).toEqual(keys);
    expect(activeIds()).toEqual(keys);
    expect(project.emulator.inspect().serviceAccounts.filter((a: { name: string; deletedAt?: string | null }) => a.name === "svc-twice" && !a.deletedAt)).toHaveLength(1);
    for (const secretPath of paths) expect((await reader().readSecret(`twice/${secretPath}`)).keyId).toBe((await reader().readKeyRecord(`twice/${secretPath}`))!.keyId);
    expect(await planCode()).toBe(0);
    await project.destroy(first);
    expect(activeIds()).toEqual([]);
    fs.rmSync(second, { recursive: true, force: true });
  });

  test("a state backup restored from before a rotation: the next apply retires the keys that rotation minted, and only the declared keys stay active", async () => {
    const dir = synth("restored", 30);
    await project.apply(dir);
    const backup = fs.readFileSync(path.join(dir, "terraform.tfstate"));
    const original = await stateKeyIds();
    await project.apply(dir, { [TEST_CLOCK_ENV]: "+31d" }); // a rotation: new keys, the old ones in their overlap
    const rotated = await stateKeyIds();
    expect(rotated.filter((id) => original.includes(id))).toEqual([]);
    fs.writeFileSync(path.join(dir, "terraform.tfstate"), backup); // the backup knows nothing of the rotated keys

    // The restored state's keys are no longer what their paths hold: plan shows it.
    expect(await planCode({ [TEST_CLOCK_ENV]: "+92m" })).toBe(2);
    await project.apply(dir, { [TEST_CLOCK_ENV]: "+92m" });
    const after = await stateKeyIds();
    expect(after).toHaveLength(paths.length);
    expect(after.filter((id) => original.includes(id) || rotated.includes(id))).toEqual([]);
    // The rotation's keys are retired with their overlap kept; once it is over, only the state's keys are active.
    expect((await reader().listPendingRevocations()).map((r) => r.keyId).sort()).toEqual(expect.arrayContaining(rotated));
    await project.apply(dir, { [TEST_CLOCK_ENV]: "+1d" });
    expect(activeIds()).toEqual(after);
    for (const secretPath of paths) {
      const stored = await reader().readSecret(`restored/${secretPath}`);
      expect(after).toContain(stored.keyId);
      expect(await client().authenticates(stored.value)).toBe(true);
    }
    expect(await planCode({ [TEST_CLOCK_ENV]: "+1d" })).toBe(0);
    await project.destroy(dir, { [TEST_CLOCK_ENV]: "+1d" });
    expect(activeIds()).toEqual([]);
  });

  test("Factory (ServiceAccount.fromId): a lost state brought back by the identity import leaves no orphan, even after destroy", async () => {
    const factory = await Project.create("partial-failures-factory", "factory");
    try {
      const dir = factory.synth("fromid", (stack: TerraformStack) => {
        const ci = ServiceAccount.fromId(stack, "ci", { api: factory.api(), serviceAccountId: factory.seededAccountIds()[0] });
        for (const secretPath of paths) new ApiKey(stack, secretPath.replace("/", "-"), { serviceAccount: ci, name: secretPath, store: factory.store(), secretPath });
      });
      await factory.apply(dir);
      const before = await factory.stateKeyIds(dir);
      const identity = JSON.parse(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8")).resources.find((r: { type: string }) => r.type === "apikeys_stack").instances[0].attributes.id;
      fs.rmSync(path.join(dir, "terraform.tfstate"));
      fs.rmSync(path.join(dir, "terraform.tfstate.backup"), { force: true });
      const refused = await factory.terraform(dir, ["apply", "-auto-approve", "-input=false"]);
      expect(refused.code).toBe(1);
      expect(flat(refused.stderr)).toContain(`terraform import apikeys_stack.stack_identity ${identity}`);
      expect(factory.activeKeyIds()).toEqual(before);
      await factory.ok(factory.terraform(dir, ["import", "-input=false", "apikeys_stack.stack_identity", identity]));
      await factory.apply(dir);
      const after = await factory.stateKeyIds(dir);
      expect(factory.activeKeyIds()).toEqual(after); // the lost state's keys are revoked (no overlap): no orphan
      await factory.destroy(dir);
      expect(factory.activeKeyIds()).toEqual([]); // nothing survives the destroy, though the account does
    } finally {
      await factory.close();
    }
  });

  for (const skew of ["+1h", "-1h"]) {
    test(`a runner clock ${skew} from the API's, same-name keys at two paths of one account, and a 502 after one of them was minted: the re-apply leaves 0 orphaned, 0 lost, 0 duplicated`, async () => {
      const proxy = await startFaultProxy(project.emulator.url);
      try {
        const name = `skew${skew.replace(/[^0-9a-z]/g, skew.startsWith("+") ? "p" : "m")}`;
        const dir = project.synth(name, (stack: TerraformStack) => {
          const account = new ServiceAccount(stack, "svc", { api: project.api(proxy.url), name: `svc-${name}` });
          for (const secretPath of paths) new ApiKey(stack, secretPath.replace("/", "-"), { serviceAccount: account, name: "same-name", store: project.store(), secretPath: `${name}/${secretPath}` });
        });
        const clock = { [TEST_CLOCK_ENV]: skew };
        await project.ok(project.terraform(dir, ["init", "-input=false"], clock));
        proxy.when({ method: "POST", path: /\/api-keys$/, times: 1 }).forwardThen502();
        const failed = await project.terraform(dir, ["apply", "-auto-approve", "-input=false"], clock);
        expect(failed.code).not.toBe(0);
        expect(flat(failed.stderr)).toMatch(/may have created key "same-name #[0-9a-f]{12}" anyway/);
        const account = project.emulator.inspect().serviceAccounts.find((a: { name: string }) => a.name === `svc-${name}`)!.id;
        const mine = () => project.emulator.inspect().apiKeys.filter((k: { serviceAccountId: string; status: string }) => k.serviceAccountId === account && k.status === "active");
        expect(mine()).toHaveLength(2); // one stored, one whose answer was lost
        proxy.clearRules();
        await project.ok(project.terraform(dir, ["apply", "-auto-approve", "-input=false"], clock));
        const state = await project.stateKeyIds(dir);
        expect(mine().map((k: { id: string }) => k.id).sort()).toEqual(state);
        for (const secretPath of paths) {
          const stored = await reader().readSecret(`${name}/${secretPath}`);
          expect(state).toContain(stored.keyId);
          expect(await client().authenticates(stored.value)).toBe(true);
        }
        expect((await project.terraform(dir, ["plan", "-detailed-exitcode", "-input=false"], clock)).code).toBe(0);
        await project.destroy(dir, clock);
        expect(mine()).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  }
});
