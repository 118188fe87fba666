import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { Project } from "./harness";

/**
 * The same constructs against the Factory and Flexprice emulators, with the real terraform binary:
 * apply, secrets present and authenticating, a no-op re-apply, destroy revokes everything.
 */
describe.each([
  {
    kind: "factory" as const,
    // Factory accounts exist already (made in its web app): keys are minted for one by id.
    build: (project: Project) => (stack: TerraformStack) => {
      const ci = ServiceAccount.fromId(stack, "ci", { api: project.api(), serviceAccountId: project.seededAccountIds()[0] });
      new ApiKey(stack, "deploy", { serviceAccount: ci, name: "deploy", expiresInDays: 30, store: project.store(), secretPath: "ci/deploy" });
      new ApiKey(stack, "nightly", { serviceAccount: ci, name: "nightly", store: project.store(), secretPath: "ci/nightly" });
    },
    resources: 3, // the two keys and the stack identity
    accountsAfterDestroy: 1,
  },
  {
    kind: "flexprice" as const,
    build: (project: Project) => (stack: TerraformStack) => {
      const ingest = new ServiceAccount(stack, "ingest", { api: project.api(), name: "event-ingest", roles: ["event_ingestor"] });
      new ApiKey(stack, "server", { serviceAccount: ingest, name: "ingest-server", expiresInDays: 30, store: project.store(), secretPath: "ingest/server" });
      new ApiKey(stack, "browser", { serviceAccount: ingest, name: "ingest-browser", type: "publishable_key", store: project.store(), secretPath: "ingest/browser" });
    },
    resources: 4, // the account, two keys and the stack identity
    accountsAfterDestroy: 0,
  },
])("end to end with terraform: $kind", ({ kind, build, resources, accountsAfterDestroy }) => {
  let project: Project;
  let stackDir: string;
  const values: [string, string][] = [];

  beforeAll(async () => {
    project = await Project.create(kind, kind);
    stackDir = project.synth(kind, build(project));
  });
  afterAll(async () => project?.close());

  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const active = () => project.emulator.inspect().apiKeys.filter((k) => k.status === "active");

  test("apply mints the keys; each stored secret decrypts and authenticates", async () => {
    const result = await project.apply(stackDir);
    expect(result.stdout).toMatch(new RegExp(`Apply complete! Resources: ${resources} added, 0 changed, 0 destroyed`));
    expect(active()).toHaveLength(2);
    const store = new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
    const records = await store.listKeyRecords();
    expect(records).toHaveLength(2);
    for (const { secretPath, record } of records) {
      const payload = await store.readSecret(secretPath);
      expect(payload.keyId).toBe(record.keyId);
      values.push([record.serviceAccountId, payload.value]);
      expect(await client().authenticates(payload.value, record.serviceAccountId)).toBe(true);
    }
  });

  test("a second plan shows no changes", async () => {
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect(plan.code).toBe(0);
  });

  test("destroy revokes every key and leaves the store empty", async () => {
    const result = await project.destroy(stackDir);
    expect(result.stdout).toMatch(new RegExp(`Destroy complete! Resources: ${resources} destroyed`));
    expect(active()).toHaveLength(0);
    expect(project.emulator.inspect().serviceAccounts.filter((a) => !a.deletedAt)).toHaveLength(accountsAfterDestroy);
    for (const [serviceAccountId, value] of values) expect(await client().authenticates(value, serviceAccountId)).toBe(false);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });

  test("no minted plaintext in state, cdktf.out or terraform's output", () => {
    const texts = [
      ...["terraform.tfstate", "terraform.tfstate.backup"].map((f) => fs.readFileSync(path.join(stackDir, f), "utf8")),
      ...Project.files(path.join(project.dir, "cdktf.out")).map((f) => fs.readFileSync(f, "latin1")),
      ...project.transcript,
    ];
    for (const [, value] of values) for (const text of texts) expect(text.includes(value)).toBe(false);
  });
});
