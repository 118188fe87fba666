import { execFile } from "child_process";
import { TerraformStack } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { RunningSecretsManagerEmulator, startSecretsManagerEmulator } from "../../src/emulator/secrets-manager-emulator";
import { startVaultEmulator, type RunningVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { MAIN } from "../cli/run-cli";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { AwsSecretsManagerStore } from "../../src/stores/aws-secrets-manager-store";
import type { SecretStoreBackend } from "../../src/stores/types";
import { Project } from "./harness";

/** Static test credentials: the emulator checks that requests are signed, not by whom. */
const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIAEMULATOR00000000", AWS_SECRET_ACCESS_KEY: "emulator-secret", AWS_REGION: "us-east-1" };

/**
 * One stack whose keys go to different stores, with the real terraform binary: the age file store,
 * AWS Secrets Manager (its emulator, driven by the real AWS SDK over HTTP) and Vault KV v2 (its
 * emulator, over Vault's HTTP API).
 */
describe("end to end with terraform: every store", () => {
  let project: Project;
  let sm: RunningSecretsManagerEmulator;
  let vault: RunningVaultEmulator;
  let stackDir: string;
  let env: Record<string, string>;
  const values: string[] = [];

  const smStore = () => new AwsSecretsManagerStore({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0, credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY } });
  const ageStore = () => new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
  const vaultStore = () => new VaultKv2Store({ address: vault.url, mount: "secret", pathPrefix: "ci/keys", tokenEnv: "VAULT_TOKEN", token: vault.token });
  const stores = (): [string, SecretStoreBackend, string][] => [
    ["age", ageStore(), "team/age"],
    ["aws", smStore(), "team/aws"],
    ["vault", vaultStore(), "team/vault"],
  ];
  /** The CLI, outside the project's transcript: `get` prints values on purpose, terraform never may. */
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile("node", [MAIN, ...args], { cwd: project.dir, env: project.env(env) }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });

  beforeAll(async () => {
    project = await Project.create("stores");
    sm = await startSecretsManagerEmulator();
    vault = await startVaultEmulator();
    env = { ...AWS_ENV, VAULT_TOKEN: vault.token };
    stackDir = project.synth("stores", (stack: TerraformStack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "multi-store" });
      new ApiKey(stack, "age", { serviceAccount: sa, name: "to-age", store: project.store(), secretPath: "team/age" });
      const aws = SecretStore.awsSecretsManager({ namePrefix: "ci/keys", endpoint: sm.url, region: "us-east-1", recoveryWindowDays: 0 });
      new ApiKey(stack, "aws", { serviceAccount: sa, name: "to-aws", store: aws, secretPath: "team/aws" });
      new ApiKey(stack, "vault", { serviceAccount: sa, name: "to-vault", store: SecretStore.vaultKv2({ address: vault.url, pathPrefix: "ci/keys" }), secretPath: "team/vault" });
    });
  });
  afterAll(async () => {
    await sm?.close();
    await vault?.close();
    await project?.close();
  });

  test("apply writes each key to its store; `get --stack` reads each back; each value authenticates; a second plan is empty", async () => {
    await project.apply(stackDir, env);
    const client = createClient(project.api().toSpec(), project.emulator.adminToken);
    for (const [name, store, secretPath] of stores()) {
      const payload = await store.readSecret(secretPath);
      values.push(payload.value);
      expect(await client.authenticates(payload.value)).toBe(true);
      expect(await store.readKeyRecord(secretPath)).toMatchObject({ keyId: payload.keyId, address: `stores/${name}` });
      const got = await cli(["get", secretPath, "--stack", stackDir, "--identity", project.identityFile]);
      expect(got).toMatchObject({ code: 0, stdout: `${payload.value}\n` });
    }
    const listed = await cli(["list", "--stack", stackDir, "--json"]);
    expect(JSON.parse(listed.stdout).map((k: { secretPath: string }) => k.secretPath)).toEqual(["team/age", "team/aws", "team/vault"]);
    expect(vault.inspect().entries.find((e) => e.path === "ci/keys/team/vault")?.customMetadata).toMatchObject({ "cdktf-api-keys": "key record", address: "stores/vault" });
    expect((await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env)).code).toBe(0);
  });

  test("plans with credentials that cannot write (a read-only Vault token, a read-only AWS key, a read-only API token) succeed, show drift, and change nothing", async () => {
    const readOnly = { ...env, VAULT_TOKEN: vault.readOnlyToken, AWS_ACCESS_KEY_ID: sm.readOnlyAccessKeyId, [project.tokenEnv]: project.emulator.readOnlyToken };
    // What each holds (their request logs grow with every read, as they should).
    const snapshot = async () => ({
      vault: JSON.stringify(vault.inspect().entries),
      sm: JSON.stringify(sm.inspect().secrets),
      api: JSON.stringify(project.emulator.inspect()),
      age: JSON.stringify(await ageStore().listKeyRecords()) + JSON.stringify(await ageStore().listPendingRevocations()),
    });
    const before = await snapshot();
    const clean = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], readOnly);
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await snapshot()).toEqual(before);

    // Drift: the Vault key revoked in the API behind Terraform's back. The read-only plan shows its replacement.
    const record = (await vaultStore().readKeyRecord("team/vault"))!;
    await createClient(project.api().toSpec(), project.emulator.adminToken).revokeApiKey(record.serviceAccountId, record.keyId);
    const drifted = await snapshot();
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], readOnly);
    expect(plan.code).toBe(2);
    expect(plan.stdout.replace(/\s+/g, " ")).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
    expect(await snapshot()).toEqual(drifted);
    // The apply, with credentials that write, heals it.
    await project.apply(stackDir, env);
    expect((await vaultStore().readKeyRecord("team/vault"))!.keyId).not.toBe(record.keyId);
    values.push((await vaultStore().readSecret("team/vault")).value);
  });

  test("a secret deleted from Secrets Manager behind Terraform's back shows in plan, and apply heals it", async () => {
    await smStore().deleteSecret("team/aws");
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/"secret_missing" -> "active"/);
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], env));
    values.push((await smStore().readSecret("team/aws")).value);
    expect((await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env)).code).toBe(0);
  });

  test("destroy revokes every key and leaves every store empty; no value outside the stores", async () => {
    await project.destroy(stackDir, env);
    expect(project.emulator.inspect().apiKeys.filter((k) => k.status === "active")).toHaveLength(0);
    for (const [, store] of stores()) {
      expect(await store.listKeyRecords()).toEqual([]);
      expect(await store.listPendingRevocations()).toEqual([]);
    }
    expect(sm.inspect().secrets.filter((s) => !(s as { deletedDate?: unknown }).deletedDate)).toEqual([]);
    expect(vault.inspect().entries).toEqual([]);
    expect(Project.files(project.secretsDir)).toEqual([]);
    project.expectNoSecretsOutsideStore(stackDir, values);
  });
});
