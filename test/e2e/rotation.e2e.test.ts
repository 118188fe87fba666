import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { createClient } from "../../src/clients/create-client";
import type { FactorySnapshot } from "../../src/emulator/factory-emulator";
import { Project } from "./harness";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

interface KeyProps {
  readonly id?: string;
  readonly name?: string;
  readonly rotateEveryDays?: number;
  readonly overlapMinutes?: number;
  readonly description?: string;
}

/**
 * Rotation and create-before-destroy with the real terraform binary. Time moves with the provider's
 * test-only clock variable; the emulator keeps the real time, so a key minted "31 days later" is
 * minted now and only the provider's view of the old key's age changes.
 */
describe("end to end with terraform: rotation without downtime", () => {
  let project: Project;
  let stackDir: string;

  const synth = (props: KeyProps) => {
    stackDir = project.synth("rotation", (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc", description: props.description });
      new ApiKey(stack, props.id ?? "key", {
        serviceAccount: account,
        name: props.name ?? "svc-key",
        store: project.store(),
        secretPath: "svc/key",
        rotateEveryDays: props.rotateEveryDays,
        overlapMinutes: props.overlapMinutes,
      });
    });
    return stackDir;
  };
  const reader = () => project.reader();
  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const activeIds = () => project.activeKeyIds();
  const stateKeyIds = () => project.stateKeyIds(stackDir);
  const planCode = async (env: Record<string, string> = {}) => (await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env)).code;

  /**
   * Applies while reading the secret path over and over: every read must find a key. Returns the
   * apply's output and the distinct key ids seen, in order.
   */
  const applyWatching = async (env: Record<string, string>) => {
    const store = reader();
    const run = project.startTerraform(stackDir, ["apply", "-auto-approve", "-input=false"], env);
    let finished = false;
    const seen: string[] = [];
    const misses: string[] = [];
    let reads = 0;
    const watcher = (async () => {
      while (!finished) {
        try {
          const payload = await store.readSecret("svc/key");
          if (seen[seen.length - 1] !== payload.keyId) seen.push(payload.keyId);
        } catch (e) {
          misses.push((e as Error).message);
        }
        reads++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const result = await run.done;
    finished = true;
    await watcher;
    if (result.code !== 0) throw new Error(`apply failed:\n${result.stdout}\n${result.stderr}`);
    return { result, seen, misses, reads };
  };

  beforeAll(async () => {
    project = await Project.create("rotation");
  });
  afterAll(async () => project?.close());

  test("a key is due on the day rotateEveryDays says, not a day earlier", async () => {
    await project.apply(synth({ rotateEveryDays: 30 }));
    expect(await planCode()).toBe(0);
    expect(await planCode({ [TEST_CLOCK_ENV]: "+29d" })).toBe(0);
    const due = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], { [TEST_CLOCK_ENV]: "+30d" });
    expect(due.code).toBe(2);
    expect(flat(due.stdout)).toMatch(/apikeys_api_key\.\S+ must be replaced/);
    expect(flat(due.stdout)).toMatch(/\+\/- create replacement and then destroy/);
    expect(flat(due.stdout)).toMatch(/~ status\s+= "rotation_due" -> "active" # forces replacement/);
    expect(flat(due.stdout + due.stderr)).toMatch(/is due for rotation.*rotateEveryDays = 30: minted/);
    // The synthesized JSON holds the policy, never a date: it is the same whatever the day.
    const json = fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8");
    expect(json).toMatch(/"rotate_every_days": 30/);
    expect(json).not.toMatch(/rotates_at|20\d\d-\d\d-\d\dT/);
  });

  test("apply replaces a due key: the secret path holds a key throughout, the old key stops working, no active key outside state", async () => {
    const old = await reader().readSecret("svc/key");
    const { result, seen, misses, reads } = await applyWatching({ [TEST_CLOCK_ENV]: "+31d" });
    expect(result.stdout).toMatch(/Resources: 1 added, 0 changed, 1 destroyed/);
    expect(misses).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    const now = await reader().readSecret("svc/key");
    expect(seen[0]).toBe(old.keyId);
    expect(seen[seen.length - 1]).toBe(now.keyId);
    expect(now.keyId).not.toBe(old.keyId);
    expect(await client().authenticates(old.value)).toBe(false);
    expect(await client().authenticates(now.value)).toBe(true);
    expect(activeIds()).toEqual(await stateKeyIds());
    expect(await planCode()).toBe(0);
  });

  test("with overlapMinutes the old key still works after the apply, and the first run after its due time revokes it", async () => {
    await project.apply(synth({ rotateEveryDays: 30, overlapMinutes: 60 }));
    const old = await reader().readSecret("svc/key");
    // A new name replaces the key at once: create first, like a rotation.
    synth({ name: "svc-key-v2", rotateEveryDays: 30, overlapMinutes: 60 });
    const replaced = await applyWatching({});
    expect(replaced.misses).toEqual([]);
    expect(flat(replaced.result.stdout + replaced.result.stderr)).toMatch(/stays valid until \S+ \(overlapMinutes = 60\)/);
    const now = await reader().readSecret("svc/key");
    expect(now.keyId).not.toBe(old.keyId);
    expect(await client().authenticates(old.value)).toBe(true);
    expect(await client().authenticates(now.value)).toBe(true);
    const pending = await reader().listPendingRevocations();
    expect(pending).toEqual([expect.objectContaining({ keyId: old.keyId, address: "rotation/key", secretPath: "svc/key" })]);
    expect(Date.parse(pending[0].dueAt) - Date.now()).toBeGreaterThan(55 * 60_000);
    // Before the due time a run leaves it alone; after it, any run touching the store revokes it.
    expect(await planCode({ [TEST_CLOCK_ENV]: "+30m" })).toBe(0);
    expect(await client().authenticates(old.value)).toBe(true);
    const later = await project.apply(stackDir, { [TEST_CLOCK_ENV]: "+61m" });
    expect(flat(later.stdout + later.stderr)).toMatch(new RegExp(`revoked key ${old.keyId} of rotation/key \\(svc/key\\): its overlap ended`));
    expect(await client().authenticates(old.value)).toBe(false);
    expect(await client().authenticates(now.value)).toBe(true);
    expect(await reader().listPendingRevocations()).toEqual([]);
    expect(activeIds()).toEqual(await stateKeyIds());
  });

  test("an account replaced under its unique name (a new description) goes first; its key is re-minted in the new account", async () => {
    const before = await reader().readSecret("svc/key");
    synth({ name: "svc-key-v2", rotateEveryDays: 30, description: "now described" });
    const applied = await project.apply(stackDir);
    expect(applied.stdout).toMatch(/Resources: 2 added, 0 changed, 2 destroyed/);
    expect(flat(applied.stdout + applied.stderr)).toMatch(/deleted service account \S+ \("svc"\) before creating its replacement/);
    const after = await reader().readSecret("svc/key");
    expect(after.serviceAccountId).not.toBe(before.serviceAccountId);
    expect(await client().authenticates(before.value)).toBe(false);
    expect(await client().authenticates(after.value)).toBe(true);
    const live = project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt);
    expect(live.map((a: { id: string }) => a.id)).toEqual([after.serviceAccountId]);
    expect(activeIds()).toEqual(await stateKeyIds());
    expect(await planCode()).toBe(0);
  });

  test("a renamed construct keeping its secret path is the same resource: the key and its secret stay, the record names the new construct", async () => {
    const old = await reader().readSecret("svc/key");
    synth({ id: "renamed", name: "svc-key-v2", rotateEveryDays: 30, description: "now described" });
    const { result, misses, seen } = await applyWatching({});
    expect(result.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
    expect(misses).toEqual([]);
    expect(seen).toEqual([old.keyId]);
    expect(await client().authenticates(old.value)).toBe(true);
    expect(await reader().readKeyRecord("svc/key")).toMatchObject({ keyId: old.keyId, address: "rotation/renamed" });
    expect(activeIds()).toEqual(await stateKeyIds());
    expect(await planCode()).toBe(0);
  });

  test("destroy revokes the key and leaves nothing pending or stored", async () => {
    await project.destroy(stackDir);
    expect(activeIds()).toEqual([]);
    expect(await reader().listPendingRevocations()).toEqual([]);
    expect(await reader().listKeyRecords()).toEqual([]);
  });
});

/** Factory rotates keys itself: a rotation within its 10-minute grace period goes through its rotate endpoint. */
describe("end to end with terraform: Factory rotation through its rotate endpoint", () => {
  let project: Project;

  beforeAll(async () => {
    project = await Project.create("rotation-factory", "factory");
  });
  afterAll(async () => project?.close());

  test("a due key is rotated with a grace period: the old key works until the grace period ends", async () => {
    const stackDir = project.synth("factory", (stack: TerraformStack) => {
      const account = ServiceAccount.fromId(stack, "ci", { api: project.api(), serviceAccountId: project.seededAccountIds()[0] });
      new ApiKey(stack, "key", { serviceAccount: account, name: "deploy", store: project.store(), secretPath: "ci/deploy", rotateEveryDays: 30, overlapMinutes: 5 });
    });
    await project.apply(stackDir);
    const reader = project.reader();
    const old = await reader.readSecret("ci/deploy");
    const applied = await project.apply(stackDir, { [TEST_CLOCK_ENV]: "+31d" });
    expect(flat(applied.stdout + applied.stderr)).toMatch(new RegExp(`rotated key ${old.keyId} with the API's rotate endpoint; it stays valid for 5 more minutes`));
    const now = await reader.readSecret("ci/deploy");
    const keys = (project.emulator.inspect() as FactorySnapshot).apiKeys;
    const oldKey = keys.find((k) => k.id === old.keyId)!;
    expect(oldKey.replacedBy).toBe(now.keyId);
    const graceEnds = Date.parse(oldKey.revokedAt!) - Date.now();
    expect(graceEnds).toBeGreaterThan(3 * 60_000);
    expect(graceEnds).toBeLessThanOrEqual(5 * 60_000);
    const client = createClient(project.api().toSpec(), project.emulator.adminToken);
    expect(await client.authenticates(old.value, old.serviceAccountId)).toBe(true);
    expect(await client.authenticates(now.value, now.serviceAccountId)).toBe(true);
    // The overlap is still recorded, so a run after it ends makes sure the old key is revoked.
    expect(await reader.listPendingRevocations()).toEqual([expect.objectContaining({ keyId: old.keyId })]);
    await project.destroy(stackDir);
    expect(await reader.listPendingRevocations()).toEqual([]);
    expect(await client.authenticates(old.value, old.serviceAccountId)).toBe(false);
  });
});
