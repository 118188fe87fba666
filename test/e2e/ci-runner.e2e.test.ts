import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PgBackend, TerraformStack } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { startVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { RunningPostgres, startPostgres } from "../support/postgres";
import { Project } from "./harness";
import { auditKeys } from "./key-audit";

/**
 * CI on ephemeral runners: state in a shared backend (Terraform's `pg` backend on a real PostgreSQL
 * server on loopback), the stack directory copied afresh for every job, no local leftovers.
 */
describe("end to end with terraform: CI runners with a shared pg backend", () => {
  let project: Project;
  let postgres: RunningPostgres;
  const runners: string[] = [];
  const secretPaths = ["ci/a", "ci/b", "ci/c"];

  /** A fresh runner: a copy of the synthesized stack directory, without anything terraform left in it. */
  const freshRunner = (stackDir: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-runner-"));
    runners.push(dir);
    const copy = path.join(dir, "stack");
    fs.cpSync(stackDir, copy, { recursive: true, filter: (src) => !/(\.terraform|terraform\.tfstate)/.test(path.basename(src)) });
    return copy;
  };

  beforeAll(async () => {
    project = await Project.create("ci");
    postgres = await startPostgres();
  });
  afterAll(async () => {
    for (const dir of runners) fs.rmSync(dir, { recursive: true, force: true });
    await postgres?.stop();
    await project?.close();
  });

  test("apply on one runner, lose every local record, destroy from another: every key is revoked", async () => {
    const stackDir = project.synth("ci", (stack: TerraformStack) => {
      new PgBackend(stack, { connStr: postgres.connectionString });
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "ci-owner" });
      for (const p of secretPaths) new ApiKey(stack, p.replace("/", "-"), { serviceAccount: sa, name: p.replace("/", "-"), store: project.store(), secretPath: p });
    });
    const first = freshRunner(stackDir);
    await project.apply(first, { CDKTF_API_KEYS_PROJECT_DIR: project.dir });
    expect(await auditKeys(project, secretPaths)).toMatchObject({ orphaned: [], lost: [], duplicated: [], active: 3 });

    // The records beside the secrets are gone (another machine's store, say): state alone must be enough.
    for (const p of secretPaths) fs.rmSync(path.join(project.secretsDir, `${p}.json`));
    const second = freshRunner(stackDir);
    await project.ok(project.terraform(second, ["init", "-input=false"], { CDKTF_API_KEYS_PROJECT_DIR: project.dir }));
    await project.destroy(second, { CDKTF_API_KEYS_PROJECT_DIR: project.dir });
    expect(project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active")).toHaveLength(0);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });

  test("two runners apply at once: the state lock holds, and no key is minted twice", async () => {
    const stackDir = project.synth("ci", (stack: TerraformStack) => {
      new PgBackend(stack, { connStr: postgres.connectionString });
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "ci-owner" });
      for (const p of secretPaths) new ApiKey(stack, p.replace("/", "-"), { serviceAccount: sa, name: p.replace("/", "-"), store: project.store(), secretPath: p });
    });
    const env = { CDKTF_API_KEYS_PROJECT_DIR: project.dir };
    const [a, b] = [freshRunner(stackDir), freshRunner(stackDir)];
    await project.ok(project.terraform(a, ["init", "-input=false"], env));
    await project.ok(project.terraform(b, ["init", "-input=false"], env));
    const results = await Promise.all([a, b].map((dir) => project.terraform(dir, ["apply", "-auto-approve", "-input=false", "-lock-timeout=0s"], env)));
    const winners = results.filter((r) => r.code === 0);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const loser of results.filter((r) => r.code !== 0)) expect(loser.stderr).toMatch(/Error acquiring the state lock/);
    // Whoever lost applies again once the lock is free: nothing new is minted.
    await project.ok(project.terraform(b, ["apply", "-auto-approve", "-input=false"], env));
    expect(await auditKeys(project, secretPaths)).toMatchObject({ orphaned: [], lost: [], duplicated: [], active: 3 });
    await project.destroy(a, env);
  });

  test("Vault store, pg state: apply in one temporary directory, destroy from a fresh copy of the stack directory; nothing is left", async () => {
    const vault = await startVaultEmulator();
    try {
      const paths = ["ci/vault-a", "ci/vault-b"];
      const stackDir = project.synth("ci-vault", (stack: TerraformStack) => {
        new PgBackend(stack, { connStr: postgres.connectionString, schemaName: "ci_vault" });
        const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "ci-vault-owner" });
        const store = SecretStore.vaultKv2({ address: vault.url, pathPrefix: "pipelines/keys" });
        for (const p of paths) new ApiKey(stack, p.replace("/", "-"), { serviceAccount: sa, name: p.replace("/", "-"), store, secretPath: p, overlapMinutes: 30 });
      });
      // The job's environment: the tokens from the CI's secrets, nothing on disk.
      const env = { VAULT_TOKEN: vault.token };
      const first = freshRunner(stackDir);
      await project.apply(first, env);
      const store = new VaultKv2Store({ address: vault.url, mount: "secret", pathPrefix: "pipelines/keys", tokenEnv: "VAULT_TOKEN", token: vault.token });
      expect((await store.listKeyRecords()).map((r) => r.secretPath)).toEqual(paths);
      const active = () => project.emulator.inspect().apiKeys.filter((k: { status: string; name: string }) => k.status === "active" && k.name.startsWith("ci-vault"));
      expect(active()).toHaveLength(2);
      fs.rmSync(path.dirname(first), { recursive: true, force: true }); // the runner is gone

      const second = freshRunner(stackDir);
      await project.ok(project.terraform(second, ["init", "-input=false"], env));
      expect((await project.terraform(second, ["plan", "-detailed-exitcode", "-input=false"], env)).code).toBe(0);
      await project.destroy(second, env);
      expect(active()).toHaveLength(0);
      expect(vault.inspect().entries).toEqual([]);
      expect(Project.files(project.secretsDir)).toEqual([]); // nothing of this stack on any disk
    } finally {
      await vault.close();
    }
  });
});
