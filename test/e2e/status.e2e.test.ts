import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { createClient } from "../../src/clients/create-client";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { MAIN } from "../cli/run-cli";
import { Project } from "./harness";

const readerOf = (project: Project) => new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
const clientOf = (project: Project) => createClient(project.api().toSpec(), project.emulator.adminToken);

/** The built command in the project directory, with the admin token unless `withoutToken`. */
function runCommand(project: Project, args: string[], env: Record<string, string> = {}, withoutToken = false) {
  const environment = project.env(env);
  if (withoutToken) delete environment[project.tokenEnv];
  return project.run("node", [MAIN, ...args], project.dir, environment);
}

/** `status --json`: its exit code (0 or 2, anything else fails the test) and its report. */
async function statusJson(project: Project, stackDir: string, env: Record<string, string> = {}, withoutToken = false) {
  const result = await runCommand(project, ["status", stackDir, "--json"], env, withoutToken);
  if (result.code !== 0 && result.code !== 2) throw new Error(`status failed (${result.code}): ${result.stderr}`);
  return { code: result.code, report: JSON.parse(result.stdout), stderr: result.stderr };
}

/**
 * `status` and `revoke-due` against a stack applied with the real terraform binary: the state through
 * `terraform show -json`, the emulator, the age file store.
 */
describe("end to end with terraform: status and revoke-due", () => {
  let project: Project;
  let stackDir: string;
  let oldOverlapping: { keyId: string; value: string };

  const build = (overlappingName: string) => (stack: TerraformStack) => {
    const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc" });
    const store = project.store();
    new ApiKey(stack, "healthy", { serviceAccount: account, name: "healthy", store, secretPath: "svc/healthy" });
    new ApiKey(stack, "revoked", { serviceAccount: account, name: "revoked", store, secretPath: "svc/revoked" });
    new ApiKey(stack, "expiring", { serviceAccount: account, name: "expiring", store, secretPath: "svc/expiring", expiresInDays: 3, rotateBeforeExpiryDays: 1 });
    new ApiKey(stack, "overlapping", { serviceAccount: account, name: overlappingName, store, secretPath: "svc/overlapping", overlapMinutes: 60 });
  };
  const reader = () => readerOf(project);
  const client = () => clientOf(project);
  const cli = (args: string[], env: Record<string, string> = {}, withoutToken = false) => runCommand(project, args, env, withoutToken);
  const status = (env: Record<string, string> = {}, withoutToken = false) => statusJson(project, stackDir, env, withoutToken);
  const key = (report: { keys: { address: string }[] }, id: string) => report.keys.find((k) => k.address === `health/${id}`) as Record<string, unknown>;

  beforeAll(async () => {
    project = await Project.create("status");
    stackDir = project.synth("health", build("overlapping"));
    await project.apply(stackDir);
    const old = await reader().readSecret("svc/overlapping");
    oldOverlapping = { keyId: old.keyId, value: old.value };
    // A new name replaces the key: the old one stays valid for its 60-minute overlap, pending in the store.
    project.synth("health", build("overlapping-v2"));
    await project.apply(stackDir);
    // And one key is revoked behind Terraform's back.
    const revoked = await reader().readSecret("svc/revoked");
    await client().revokeApiKey(revoked.serviceAccountId, revoked.keyId);
  });
  afterAll(async () => {
    if (project && stackDir) await project.destroy(stackDir).catch(() => undefined);
    await project?.close();
  });

  test("status --json: a healthy key, one revoked out of band, an expiring one and a pending revocation; exit 2", async () => {
    const { code, report } = await status();
    expect(code).toBe(2);
    expect(report.accounts).toEqual([expect.objectContaining({ address: "health/svc", live: "active", drifted: false })]);
    expect(key(report, "healthy")).toMatchObject({ live: "active", secret: "present", expiresAt: null, daysLeft: null, nextRotation: null, problems: [], drifted: false, overdue: false });
    expect(key(report, "revoked")).toMatchObject({ live: "revoked", secret: "present", problems: ["revoked outside Terraform"], drifted: true });
    const expiring = key(report, "expiring");
    expect(expiring).toMatchObject({ live: "active", secret: "present", daysLeft: 2, drifted: false, overdue: false });
    const expiresAt = Date.parse(expiring.expiresAt as string);
    expect((expiring.nextRotation as { at: string; due: boolean }).due).toBe(false);
    expect(Date.parse((expiring.nextRotation as { at: string }).at)).toBe(expiresAt - 86_400_000);
    expect(key(report, "overlapping")).toMatchObject({ live: "active", secret: "present", drifted: false });
    expect(report.pendingRevocations).toEqual([
      expect.objectContaining({ keyId: oldOverlapping.keyId, address: "health/overlapping", secretPath: "svc/overlapping", overdue: false }),
    ]);
    expect(report.orphans).toEqual([]);
    expect(report.summary).toEqual({ accounts: 1, keys: 4, drifted: 1, overdue: 0, deposed: 0, orphans: 0, ok: false });
  });

  test("later, the expiring key's rotation and the pending revocation are overdue", async () => {
    const { code, report } = await status({ [TEST_CLOCK_ENV]: "+2d" });
    expect(code).toBe(2);
    expect(key(report, "expiring")).toMatchObject({ daysLeft: 0, overdue: true, problems: [expect.stringMatching(/^due for rotation since .*rotateBeforeExpiryDays = 1/)] });
    expect(report.pendingRevocations[0]).toMatchObject({ keyId: oldOverlapping.keyId, overdue: true });
    expect(report.summary).toMatchObject({ drifted: 1, overdue: 2 });
  });

  test("the table for people names each problem and what to run", async () => {
    const result = await cli(["status", stackDir]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^KEY +SECRET PATH +KEY ID +LIVE +SECRET +EXPIRES +NEXT ROTATION$/m);
    expect(result.stdout).toMatch(/^health\/revoked +svc\/revoked +key_\S+ +revoked +present +never +-$/m);
    expect(result.stdout).toMatch(/^PENDING REVOCATION +OF +SECRET PATH +DUE$/m);
    expect(result.stdout).toContain("! health/revoked: revoked outside Terraform");
    expect(result.stdout).toMatch(/1 drifted, 0 overdue: `terraform apply` heals drift/);
  });

  test("without the admin token: the live state is unknown, the rest is still shown", async () => {
    const { code, report } = await status({}, true);
    expect(report.keys.map((k: { live: string }) => k.live)).toEqual(["unknown", "unknown", "unknown", "unknown"]);
    expect(report.accounts[0].live).toBe("unknown");
    expect(report.keys.every((k: { secret: string }) => k.secret === "present")).toBe(true);
    expect(report.pendingRevocations).toHaveLength(1);
    expect(report.notes).toEqual([expect.stringMatching(/^FLOWNALLY_TOKEN is not set: the live state of what \S+ holds is unknown/)]);
    expect(code).toBe(0); // nothing known to be wrong
  });

  test("revoke-due does nothing before the due time, then revokes the old key; status no longer lists it", async () => {
    const early = await cli(["revoke-due", stackDir]);
    expect(early).toMatchObject({ code: 0 });
    expect(early.stdout).toContain("0 revoked, 0 failed, 1 not due yet.");
    expect(await client().authenticates(oldOverlapping.value)).toBe(true);

    const noToken = await cli(["revoke-due", stackDir], { [TEST_CLOCK_ENV]: "+61m" }, true);
    expect(noToken.code).toBe(1);
    expect(noToken.stdout).toMatch(/could not revoke key \S+ of health\/overlapping .*FLOWNALLY_TOKEN is not set.*It stays recorded/);

    const due = await cli(["revoke-due", stackDir, "--json"], { [TEST_CLOCK_ENV]: "+61m" });
    expect(due.code).toBe(0);
    expect(JSON.parse(due.stdout)).toMatchObject({ revoked: [{ keyId: oldOverlapping.keyId, address: "health/overlapping" }], failed: [], waiting: [] });
    expect(await client().authenticates(oldOverlapping.value)).toBe(false);
    expect((await status()).report.pendingRevocations).toEqual([]);
  });

  test("a directory without a stack, or a stack never applied, is a clear failure (exit 1)", async () => {
    const none = await cli(["status", project.dir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("is not a synthesized stack directory (no cdk.tf.json)");
    const fresh = project.synth("never-applied", build("x"));
    await project.ok(project.terraform(fresh, ["init", "-input=false"]));
    const unapplied = await cli(["status", fresh]);
    expect(unapplied.code).toBe(1);
    expect(unapplied.stderr).toContain("has no state yet: apply it first");
  });
});

/**
 * What `status` sees beyond the state's current objects, with the real terraform binary: a key minted
 * out of band for the stack's account (an orphan), and a deposed object left by a replacement whose old
 * key could not be deleted.
 */
describe("end to end with terraform: status sees orphaned and deposed keys", () => {
  let project: Project;
  let stackDir: string;
  let accountId: string;

  const build = (name: string) => (stack: TerraformStack) => {
    const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc" });
    new ApiKey(stack, "api", { serviceAccount: account, name, store: project.store(), secretPath: "svc/api" });
  };
  const status = () => statusJson(project, stackDir);

  beforeAll(async () => {
    project = await Project.create("status-live");
    stackDir = project.synth("live", build("api-v1"));
    await project.apply(stackDir);
    accountId = (await readerOf(project).readSecret("svc/api")).serviceAccountId;
  });
  afterAll(async () => {
    if (project && stackDir) await project.destroy(stackDir).catch(() => undefined);
    await project?.close();
  });

  test("a key minted out of band for the stack's account is an orphan (exit 2) until it is revoked", async () => {
    // GIVEN a healthy stack, and a key of its account that no apply made
    expect(await status()).toMatchObject({ code: 0, report: { orphans: [], summary: { orphans: 0, ok: true } } });
    const stray = await clientOf(project).createApiKey(accountId, { name: "out-of-band" });

    // WHEN
    const { code, report } = await status();
    const table = await runCommand(project, ["status", stackDir]);

    // THEN
    expect(code).toBe(2);
    expect(report.keys).toEqual([expect.objectContaining({ address: "live/api", deposed: null, live: "active", problems: [], drifted: false })]);
    expect(report.orphans).toEqual([
      {
        id: stray.info.id,
        name: "out-of-band",
        prefix: stray.info.prefix,
        createdAt: stray.info.createdAt,
        expiresAt: null,
        serviceAccountId: accountId,
        api: project.emulator.url,
        hint: expect.stringContaining("Terraform does not manage it. If nothing uses it, revoke it in the API"),
      },
    ]);
    expect(report.summary).toEqual({ accounts: 1, keys: 1, drifted: 0, overdue: 0, deposed: 0, orphans: 1, ok: false });
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/^ORPHAN KEY +NAME +ACCOUNT +CREATED$/m);
    expect(table.stdout).toMatch(new RegExp(`^${stray.info.id} +out-of-band +${accountId} +${stray.info.createdAt}$`, "m"));
    expect(table.stdout).toContain(`! orphaned key ${stray.info.id} ("out-of-band") of account ${accountId} is active in ${project.emulator.url}`);
    expect(table.stdout).toMatch(/^0 drifted, 0 overdue, 1 orphaned: orphaned keys are not Terraform's: revoke them in the API if nothing uses them\.$/m);
    expect(table.stdout).not.toContain(stray.value);

    // AND once it is revoked, nothing is wrong
    await clientOf(project).revokeApiKey(accountId, stray.info.id);
    expect(await status()).toMatchObject({ code: 0, report: { orphans: [], summary: { orphans: 0, ok: true } } });
  });

  test("a replacement whose old key cannot be deleted leaves it deposed and live (exit 2); the next apply retires it", async () => {
    // GIVEN a new name (a replacement, create before destroy), and the API failing every attempt to
    // delete the old key: the first DELETE and the client's 4 retries
    const old = await readerOf(project).readSecret("svc/api");
    project.synth("live", build("api-v2"));
    // Both tries to retire the old key fail (the replacement's create, then the old object's delete), 5 requests each.
    project.emulator.injectFault({ status: 503, times: 10, method: "DELETE", pathPrefix: `/api-keys/${old.keyId}` });
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\(deposed object [0-9a-f]{8}\): Destroying\.\.\. \[id=/);
    expect(failed.stderr).toContain(`Could not delete API key ${old.keyId}`);
    const current = await readerOf(project).readSecret("svc/api");
    expect(current.keyId).not.toBe(old.keyId);

    // WHEN
    const { code, report } = await status();
    const table = await runCommand(project, ["status", stackDir]);

    // THEN the old key is listed, deposed and live, as a problem; it is in the state, so no orphan
    expect(code).toBe(2);
    expect(report.keys).toHaveLength(2);
    expect(report.keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: "live/api", deposed: null, id: current.keyId, name: "api-v2", live: "active", secret: "present", problems: [], drifted: false }),
        expect.objectContaining({
          address: "live/api",
          deposed: expect.stringMatching(/^[0-9a-f]{8}$/),
          id: old.keyId,
          name: "api-v1",
          live: "active",
          secret: "other_key", // its path holds the new key's secret, as it should
          nextRotation: null,
          problems: [expect.stringMatching(/^deposed object [0-9a-f]{8}: an old key whose delete did not finish is still live; `terraform apply` retires it$/)],
          drifted: true,
          overdue: false,
        }),
      ]),
    );
    expect(report.orphans).toEqual([]);
    // The replacement's create could not retire the old key either: its revocation waits, due now (overdue).
    expect(report.summary).toEqual({ accounts: 1, keys: 2, drifted: 1, overdue: 1, deposed: 1, orphans: 0, ok: false });
    expect(await clientOf(project).authenticates(old.value)).toBe(true);
    const deposedId = report.keys.find((k: { deposed: string | null }) => k.deposed !== null).deposed;
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(new RegExp(`^live/api \\(deposed ${deposedId}\\) +svc/api +${old.keyId} +active +other_key +never +-$`, "m"));
    expect(table.stdout).toContain(`! live/api: deposed object ${deposedId}: an old key whose delete did not finish is still live`);
    expect(table.stdout).toContain("1 drifted, 1 overdue: `terraform apply` heals drift, retires deposed keys and rotates due keys");

    // WHEN the faults are used up and the stack is applied again
    await project.apply(stackDir);

    // THEN the old key is revoked, the deposed object gone, and status is clean
    expect(await clientOf(project).authenticates(old.value)).toBe(false);
    const healed = await status();
    expect(healed.code).toBe(0);
    expect(healed.report.keys).toEqual([expect.objectContaining({ deposed: null, id: current.keyId, live: "active", problems: [] })]);
    expect(healed.report.summary).toEqual({ accounts: 1, keys: 1, drifted: 0, overdue: 0, deposed: 0, orphans: 0, ok: true });
  });
});
