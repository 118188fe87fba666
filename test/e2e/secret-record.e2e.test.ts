import * as fs from "fs";
import * as path from "path";
import axios from "axios";
import { TerraformStack } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { startVaultEmulator, type RunningVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readRecipient } from "../../src/stores/age-identity";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { MAIN } from "../cli/run-cli";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { Project } from "./harness";
import { auditKeys } from "./key-audit";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * A secret and its record change together, and every refresh checks which key the secret holds
 * (issue 15), with the real terraform binary: a value someone else wrote, an old secret file put
 * back, and a secret deleted out of band followed by an apply whose record write fails. Each shows in
 * `terraform plan -detailed-exitcode` (exit 2) and `cdktf-api-keys status` (exit 2) until an apply
 * stores a live key, and that apply leaves 0 orphans, 0 lost, 0 duplicates.
 */
describe("end to end with terraform: a secret and its record", () => {
  let project: Project;
  let vault: RunningVaultEmulator;
  let proxy: FaultProxy;
  let stackDir: string;
  let env: Record<string, string>;
  const agePaths = ["record/team/age"];

  const status = async () => {
    const result = await project.run("node", [MAIN, "status", stackDir, "--json"], project.dir, project.env(env));
    if (result.code !== 0 && result.code !== 2) throw new Error(`status failed (${result.code}): ${result.stderr}`);
    return { code: result.code, keys: (JSON.parse(result.stdout) as { keys: { address: string; secret: string; problems: string[] }[] }).keys };
  };
  const plan = () => project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"], env);
  const direct = () => new VaultKv2Store({ address: vault.url, mount: "secret", pathPrefix: "ci", tokenEnv: "VAULT_TOKEN", token: vault.token });
  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const ageFile = () => path.join(project.secretsDir, "record/team/age.age");

  /** Exactly the state's keys active, each path's value that key's and authenticating, plan and status clean. */
  async function expectHealthy(): Promise<void> {
    const inVault = await direct().readSecret("record/team/vault");
    expect(await client().authenticates(inVault.value)).toBe(true);
    expect((await direct().readKeyRecord("record/team/vault"))?.keyId).toBe(inVault.keyId);
    // The audit knows the age store: the Vault key is the one active key it cannot place.
    const audit = await auditKeys(project, agePaths, { checkValues: true });
    expect(audit).toEqual(expect.objectContaining({ orphaned: [expect.stringMatching(new RegExp(`^${inVault.keyId} \\(vault #[0-9a-f]{12}\\)$`))], lost: [], duplicated: [], active: 2 }));
    const stateIds = await project.stateKeyIds(stackDir);
    expect(project.activeKeyIds()).toEqual([...stateIds].sort());
    expect(stateIds).toContain(inVault.keyId);
    expect((await plan()).code).toBe(0);
    expect((await status()).code).toBe(0);
  }

  beforeAll(async () => {
    project = await Project.create("secret-record");
    vault = await startVaultEmulator();
    proxy = await startFaultProxy(vault.url);
    env = { VAULT_TOKEN: vault.token };
    stackDir = project.synth("record", (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc-record" });
      new ApiKey(stack, "age", { serviceAccount: account, name: "age", store: project.store(), secretPath: "record/team/age" });
      new ApiKey(stack, "vault", { serviceAccount: account, name: "vault", store: SecretStore.vaultKv2({ address: proxy.url, pathPrefix: "ci" }), secretPath: "record/team/vault" });
    });
    await project.apply(stackDir, env);
  });
  afterAll(async () => {
    proxy?.clearRules();
    if (project && stackDir) await project.destroy(stackDir, env).catch(() => undefined);
    await proxy?.close();
    await vault?.close();
    await project?.close();
  });

  test("a value someone else wrote into the secret (encrypted to the right recipient, naming the right key): plan and status show it, the apply replaces the key", async () => {
    const writer = new AgeFileStore({ directory: project.secretsDir, recipient: readRecipient(path.join(project.dir, ".keys/recipient.txt")) });
    const record = await project.reader().readKeyRecord("record/team/age");
    const stored = await project.reader().readSecret("record/team/age");
    await writer.writeSecret("record/team/age", { ...stored, value: "fln_written-by-someone-else-0000" });
    expect(record?.keyId).toBe(stored.keyId);

    const planned = await plan();
    expect(planned.code).toBe(2);
    expect(flat(planned.stdout)).toMatch(/"secret_changed" -> "active" # forces replacement/);
    const report = await status();
    expect(report.code).toBe(2);
    expect(report.keys.find((k) => k.address === "record/age")).toEqual(
      expect.objectContaining({ secret: "changed", problems: [expect.stringMatching(/the secret at record\/team\/age is not the one written with this key/)] }),
    );
    await project.apply(stackDir, env);
    await expectHealthy();
  });

  test("an old secret file put back (a backup of a key since replaced and revoked): plan and status show it, the apply replaces the key", async () => {
    const backup = fs.readFileSync(ageFile());
    project.synth("record", (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc-record" });
      new ApiKey(stack, "age", { serviceAccount: account, name: "age-v2", store: project.store(), secretPath: "record/team/age" });
      new ApiKey(stack, "vault", { serviceAccount: account, name: "vault", store: SecretStore.vaultKv2({ address: proxy.url, pathPrefix: "ci" }), secretPath: "record/team/vault" });
    });
    await project.apply(stackDir, env); // the name changed: replaced, the old key revoked
    fs.writeFileSync(ageFile(), backup);
    expect(await client().authenticates((await project.reader().readSecret("record/team/age")).value)).toBe(false);

    expect((await plan()).code).toBe(2);
    expect((await status()).code).toBe(2);
    await project.apply(stackDir, env);
    await expectHealthy();
  });

  test("a secret deleted out of band, then an apply whose record write fails: not 'No changes', and the next apply stores a live key", async () => {
    // `vault kv delete`: the current version is deleted, the metadata (the record) stays.
    await axios.delete(`${vault.url}/v1/secret/data/ci/record/team/vault`, { headers: { "X-Vault-Token": vault.token }, proxy: false });
    expect((await plan()).code).toBe(2);

    proxy.when({ method: "POST", path: /\/metadata\/ci\/record\/team\/vault$/, times: "always" }).failBeforeForward(503, { body: { errors: ["injected: Vault is unavailable"] } });
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], env);
    proxy.clearRules();
    expect(failed.code).toBe(1);
    expect(flat(failed.stdout + failed.stderr)).toMatch(/could not store the new key at record\/team\/vault .* so key \S+ was revoked again/);

    const planned = await plan();
    expect(planned.code).toBe(2);
    expect(flat(planned.stdout)).toMatch(/"secret_missing" -> "active" # forces replacement/);
    expect((await status()).code).toBe(2);
    await project.apply(stackDir, env);
    await expectHealthy();
  });
});
