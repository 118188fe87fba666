import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { Project } from "./harness";

/**
 * The whole lifecycle with the real terraform binary, the provider plugin shipped in the package (dist/provider.cjs), the
 * emulator over HTTP and the encrypted file store on disk.
 */
describe("end to end with terraform: Flownally", () => {
  let project: Project;
  let stackDir: string;
  const minted = new Set<string>();

  const build = (prodKeyName: string) => (stack: TerraformStack) => {
    const api = project.api();
    const store = project.store();
    const billing = new ServiceAccount(stack, "billing", { api, name: "billing-sync", description: "Nightly export" });
    new ApiKey(stack, "billing-prod", { serviceAccount: billing, name: prodKeyName, expiresInDays: 90, scopes: ["invoices:read"], store, secretPath: "billing/prod" });
    new ApiKey(stack, "billing-staging", { serviceAccount: billing, name: "billing-sync-staging", store, secretPath: "billing/staging" });
    const reporting = new ServiceAccount(stack, "reporting", { api, name: "reporting" });
    new ApiKey(stack, "reporting-ro", { serviceAccount: reporting, name: "reporting-ro", scopes: ["reports:read"], store, secretPath: "reporting/ro" });
  };

  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const reader = () => new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
  const readSecret = async (secretPath: string) => {
    const payload = await reader().readSecret(secretPath);
    minted.add(payload.value);
    return payload;
  };

  beforeAll(async () => {
    project = await Project.create("flownally");
    stackDir = project.synth("keys", build("billing-sync-prod"));
  });
  afterAll(async () => project?.close());

  test("apply creates the accounts and keys, and each stored secret decrypts and authenticates", async () => {
    const result = await project.apply(stackDir);
    expect(result.stdout).toMatch(/Apply complete! Resources: 6 added, 0 changed, 0 destroyed/);
    expect(result.stdout).toMatch(/apikeys_api_key\.key_billing_prod_[0-9a-f]{8}: Creation complete after \S+ \[id=key_\S+\]/);

    const { serviceAccounts, apiKeys } = project.emulator.inspect();
    expect(serviceAccounts.map((a: { name: string }) => a.name).sort()).toEqual(["billing-sync", "reporting"]);
    expect(apiKeys.filter((k: { status: string }) => k.status === "active")).toHaveLength(3);

    for (const secretPath of ["billing/prod", "billing/staging", "reporting/ro"]) {
      const payload = await readSecret(secretPath);
      const record = await reader().readKeyRecord(secretPath);
      expect(record).toMatchObject({ address: `keys/${secretPath === "reporting/ro" ? "reporting-ro" : secretPath.replace("/", "-")}`, keyId: payload.keyId });
      expect(payload.value.startsWith(record!.prefix)).toBe(true);
      expect(await client().authenticates(payload.value)).toBe(true);
    }
    const prod = await readSecret("billing/prod");
    const days = (Date.parse(prod.expiresAt!) - Date.parse(prod.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(90);
  });

  test("the age CLI decrypts a stored secret (the file format is standard age)", async () => {
    const out = execFileSync("age", ["--decrypt", "-i", project.identityFile, path.join(project.secretsDir, "billing/prod.age")], { encoding: "utf8" });
    const payload = JSON.parse(out);
    expect(payload).toMatchObject({ name: "billing-sync-prod", keyId: expect.stringMatching(/^key_/) });
    expect(minted.has(payload.value)).toBe(true);
  });

  test("files are private: secrets 0600, directories 0700", () => {
    expect(fs.statSync(path.join(project.secretsDir, "billing/prod.age")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(project.secretsDir, "billing")).mode & 0o777).toBe(0o700);
  });

  test("a second plan and apply change nothing", async () => {
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
    const again = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    expect(again.stdout).toMatch(/Resources: 0 added, 0 changed, 0 destroyed/);
  });

  test("renaming a key replaces it: the plan shows it, the old key stops authenticating, the new one works", async () => {
    const before = await readSecret("billing/prod");
    stackDir = project.synth("keys", build("billing-sync-prod-v2"));

    const plan = await project.terraform(stackDir, ["plan", "-input=false"]);
    expect(plan.stdout).toMatch(/must be replaced/);
    expect(plan.stdout).toMatch(/"billing-sync-prod" -> "billing-sync-prod-v2"/);
    expect(plan.stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);

    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    const after = await readSecret("billing/prod");
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.name).toBe("billing-sync-prod-v2");
    expect(await client().authenticates(before.value)).toBe(false);
    expect(await client().authenticates(after.value)).toBe(true);
  });

  test("destroy revokes every key, deletes every account and leaves the store empty", async () => {
    const values = [...minted];
    const result = await project.destroy(stackDir);
    expect(result.stdout).toMatch(/Destroy complete! Resources: 6 destroyed/);

    const { serviceAccounts, apiKeys } = project.emulator.inspect();
    expect(serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt)).toHaveLength(0);
    expect(apiKeys.filter((k: { status: string }) => k.status === "active")).toHaveLength(0);
    for (const value of values) expect(await client().authenticates(value)).toBe(false);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });

  test("secret canary: no minted plaintext or token in state, cdktf.out or terraform's output", () => {
    expect(minted.size).toBe(4);
    project.expectNoSecretsOutsideStore(stackDir, [...minted]);
  });

});
