import { TerraformStack } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { RunningSecretsManagerEmulator, startSecretsManagerEmulator } from "../../src/emulator/secrets-manager-emulator";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { AwsSecretsManagerStore } from "../../src/stores/aws-secrets-manager-store";
import type { SecretStoreBackend } from "../../src/stores/types";
import { Project } from "./harness";

/** Static test credentials: the emulator checks that requests are signed, not by whom. */
const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000000", AWS_SECRET_ACCESS_KEY: "emulator-secret", AWS_REGION: "us-east-1" };

/**
 * One stack whose keys go to different stores, with the real terraform binary: the age file store
 * and AWS Secrets Manager (its emulator, driven by the real AWS SDK over HTTP).
 */
describe("end to end with terraform: every store", () => {
  let project: Project;
  let sm: RunningSecretsManagerEmulator;
  let stackDir: string;
  const values: string[] = [];

  const smStore = () => new AwsSecretsManagerStore({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0, credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY } });
  const ageStore = () => new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
  const stores = (): [string, SecretStoreBackend][] => [["age", ageStore()], ["secrets-manager", smStore()]];

  beforeAll(async () => {
    project = await Project.create("stores");
    sm = await startSecretsManagerEmulator();
    stackDir = project.synth("stores", (stack: TerraformStack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "multi-store" });
      new ApiKey(stack, "age", { serviceAccount: sa, name: "to-age", store: project.store(), secretPath: "team/age" });
      const aws = SecretStore.awsSecretsManager({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0 });
      new ApiKey(stack, "aws", { serviceAccount: sa, name: "to-aws", store: aws, secretPath: "team/aws" });
    });
  });
  afterAll(async () => {
    await sm?.close();
    await project?.close();
  });

  test("apply writes each key to its store; each value authenticates; a second plan is empty", async () => {
    await project.apply(stackDir, AWS_ENV);
    const client = createClient(project.api().toSpec(), project.emulator.adminToken);
    for (const [name, store] of stores()) {
      const secretPath = name === "age" ? "team/age" : "team/aws";
      const payload = await store.readSecret(secretPath);
      values.push(payload.value);
      expect(await client.authenticates(payload.value)).toBe(true);
      expect(await store.readKeyRecord(secretPath)).toMatchObject({ keyId: payload.keyId, address: `stores/${name === "age" ? "age" : "aws"}` });
    }
    expect((await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], AWS_ENV)).code).toBe(0);
  });

  test("a secret deleted from Secrets Manager behind Terraform's back shows in plan, and apply heals it", async () => {
    await smStore().deleteSecret("team/aws");
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], AWS_ENV);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/"secret_missing" -> "active"/);
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], AWS_ENV));
    values.push((await smStore().readSecret("team/aws")).value);
    expect((await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], AWS_ENV)).code).toBe(0);
  });

  test("destroy revokes every key and leaves every store empty; no value outside the stores", async () => {
    await project.destroy(stackDir, AWS_ENV);
    expect(project.emulator.inspect().apiKeys.filter((k) => k.status === "active")).toHaveLength(0);
    for (const [, store] of stores()) expect(await store.listKeyRecords()).toEqual([]);
    expect(sm.inspect().secrets.filter((s) => !(s as { deletedDate?: unknown }).deletedDate)).toEqual([]);
    expect(Project.files(project.secretsDir)).toEqual([]);
    project.expectNoSecretsOutsideStore(stackDir, values);
  });
});
