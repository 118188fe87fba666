import * as fs from "fs";
import * as path from "path";
import { TerraformOutput, TerraformStack } from "cdktf";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { createClient } from "../../src/clients/create-client";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity } from "../../src/stores/age-identity";
import { Project } from "./harness";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

type Layout = { accounts: Record<string, string[]>; keys?: Record<string, { account: string; path: string; name?: string }>; recipientFile?: string };

/**
 * The provider engine with the real terraform binary: what Terraform now owns. Each step changes the
 * app (or the world behind Terraform's back), applies, and checks the API and the store.
 */
describe("end to end with terraform: the provider owns the life cycle", () => {
  let project: Project;
  let stackDir: string;
  const values = new Map<string, string>(); // secretPath -> last value read

  const build = (layout: Layout) => (stack: TerraformStack) => {
    const api = project.api();
    const store = layout.recipientFile ? SecretStore.ageFile({ directory: "secrets", recipientFile: layout.recipientFile }) : project.store();
    const accounts = new Map<string, ServiceAccount>();
    for (const name of Object.keys(layout.accounts)) accounts.set(name, new ServiceAccount(stack, name, { api, name }));
    for (const [name, keys] of Object.entries(layout.accounts)) {
      for (const key of keys) {
        new ApiKey(stack, key, { serviceAccount: accounts.get(name)!, name: key, store, secretPath: `${name}/${key}` });
      }
    }
    for (const [id, key] of Object.entries(layout.keys ?? {})) {
      new ApiKey(stack, id, { serviceAccount: accounts.get(key.account)!, name: key.name ?? id, store, secretPath: key.path });
    }
    const first = stack.node.findAll().find((c): c is ApiKey => c instanceof ApiKey);
    if (first) new TerraformOutput(stack, "first_key", { value: { id: first.keyId, prefix: first.prefix, account: first.serviceAccountId, created: first.createdAt } });
  };

  const client = () => createClient(project.api().toSpec(), project.emulator.adminToken);
  const reader = () => new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
  const read = async (secretPath: string) => {
    const payload = await reader().readSecret(secretPath);
    values.set(secretPath, payload.value);
    return payload;
  };
  const active = () => project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active");
  const apply = async (layout: Layout) => {
    stackDir = project.synth("life", build(layout));
    return project.apply(stackDir);
  };
  const planExitCode = async () => (await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"])).code;

  beforeAll(async () => {
    project = await Project.create("lifecycle");
  });
  afterAll(async () => project?.close());

  test("apply creates accounts and keys; state holds ids, never a value; outputs read the key's attributes", async () => {
    const applied = await apply({ accounts: { billing: ["prod", "staging"], reporting: ["ro"] } });
    expect(applied.stdout).toMatch(/Apply complete! Resources: 6 added/);
    expect(active()).toHaveLength(3);
    for (const p of ["billing/prod", "billing/staging", "reporting/ro"]) {
      const payload = await read(p);
      expect(await client().authenticates(payload.value)).toBe(true);
    }
    const output = JSON.parse((await project.ok(project.terraform(stackDir, ["output", "-json"]))).stdout);
    const prod = await read("billing/prod");
    expect(output.first_key.value).toMatchObject({ id: prod.keyId, account: prod.serviceAccountId, created: prod.createdAt });
    expect(prod.value.startsWith(output.first_key.value.prefix)).toBe(true);
    expect(await planExitCode()).toBe(0);
  });

  test("removing a key from the app revokes it and deletes its secret", async () => {
    const gone = values.get("billing/staging")!;
    const applied = await apply({ accounts: { billing: ["prod"], reporting: ["ro"] } });
    expect(applied.stdout).toMatch(/Resources: 0 added, 0 changed, 1 destroyed/);
    expect(await client().authenticates(gone)).toBe(false);
    expect(fs.existsSync(path.join(project.secretsDir, "billing/staging.age"))).toBe(false);
    expect(await client().authenticates(values.get("billing/prod")!)).toBe(true);
  });

  test("removing a whole account revokes its keys and deletes the account", async () => {
    const gone = values.get("reporting/ro")!;
    await apply({ accounts: { billing: ["prod"] } });
    expect(await client().authenticates(gone)).toBe(false);
    expect(fs.existsSync(path.join(project.secretsDir, "reporting"))).toBe(false);
    const accounts = project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt);
    expect(accounts.map((a: { name: string }) => a.name)).toEqual(["billing"]);
  });

  test("renaming a construct id while keeping its secret path: the same resource, updated in place; the key stays", async () => {
    const old = await read("billing/prod");
    const applied = await apply({ accounts: { billing: [] }, keys: { "prod-renamed": { account: "billing", path: "billing/prod", name: "prod" } } });
    expect(applied.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
    const now = await read("billing/prod");
    expect(now.keyId).toBe(old.keyId);
    expect(await client().authenticates(now.value)).toBe(true);
    expect(await reader().readKeyRecord("billing/prod")).toMatchObject({ address: "life/prod-renamed" });
    expect(active()).toHaveLength(1);
    expect(await planExitCode()).toBe(0);
  });

  test("a key revoked out of band shows in plan (exit 2) and apply heals it", async () => {
    const layout: Layout = { accounts: { billing: [] }, keys: { "prod-renamed": { account: "billing", path: "billing/prod", name: "prod" } } };
    const before = await read("billing/prod");
    const res = await fetch(`${project.emulator.url}/api-keys/${before.keyId}`, { method: "DELETE", headers: { authorization: `Bearer ${project.emulator.adminToken}` } });
    expect(res.status).toBe(204);
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect(plan.code).toBe(2);
    expect(flat(plan.stdout)).toMatch(/~ status\s+= "revoked" -> "active" # forces replacement/);
    await apply(layout);
    const healed = await read("billing/prod");
    expect(healed.keyId).not.toBe(before.keyId);
    expect(await client().authenticates(healed.value)).toBe(true);
    expect(await planExitCode()).toBe(0);
  });

  test("a deleted secret shows in plan (exit 2); apply revokes the key whose value is lost and stores a new one", async () => {
    const layout: Layout = { accounts: { billing: [] }, keys: { "prod-renamed": { account: "billing", path: "billing/prod", name: "prod" } } };
    const before = await read("billing/prod");
    fs.rmSync(path.join(project.secretsDir, "billing/prod.age"));
    const plan = await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"]);
    expect(plan.code).toBe(2);
    expect(flat(plan.stdout)).toMatch(/"secret_missing" -> "active" # forces replacement/);
    await apply(layout);
    const healed = await read("billing/prod");
    expect(healed.keyId).not.toBe(before.keyId);
    expect(await client().authenticates(before.value)).toBe(false);
    expect(active()).toHaveLength(1);
  });

  test("a half-failed delete keeps the key in state as revoked, and the next apply finishes it", async () => {
    const victim = await read("billing/prod");
    // A directory where the secret's record sits makes deleting the secret fail after the revoke.
    const recordFile = path.join(project.secretsDir, "billing/prod.json");
    const record = fs.readFileSync(recordFile, "utf8");
    const secretFile = path.join(project.secretsDir, "billing/prod.age");
    const secret = fs.readFileSync(secretFile);
    fs.rmSync(secretFile);
    fs.mkdirSync(path.join(secretFile, "in-the-way"), { recursive: true });
    stackDir = project.synth("life", build({ accounts: { billing: [] } }));
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(failed.code).not.toBe(0);
    expect(flat(failed.stderr)).toMatch(/revoked key key_\S+, but could not remove its secret at billing\/prod/);
    expect(await client().authenticates(victim.value)).toBe(false);
    const state = (await project.ok(project.terraform(stackDir, ["state", "list"]))).stdout;
    expect(state).toMatch(/apikeys_api_key\.key_billing_prod_[0-9a-f]{8}/);
    const shown = flat((await project.ok(project.terraform(stackDir, ["show"]))).stdout);
    expect(shown).toMatch(/status\s*= "revoked"/);

    fs.rmSync(secretFile, { recursive: true });
    fs.writeFileSync(secretFile, secret);
    fs.writeFileSync(recordFile, record);
    const finished = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    expect(finished.stdout).toMatch(/1 destroyed/);
    expect(fs.existsSync(secretFile)).toBe(false);
  });

  test("terraform import adopts an existing service account; the next plan is empty", async () => {
    const created = await client().createServiceAccount({ name: "imported" });
    stackDir = project.synth("life", build({ accounts: { billing: [], imported: [] } }));
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const address = (await project.terraformAddress("imported"))!;
    const imported = await project.ok(project.terraform(stackDir, ["import", "-input=false", address, created.id]));
    expect(imported.stdout).toMatch(/Import successful/);
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    expect(await planExitCode()).toBe(0);
    const accounts = project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null; name: string }) => !a.deletedAt && a.name === "imported");
    expect(accounts.map((a: { id: string }) => a.id)).toEqual([created.id]);
  });

  test("importing a key explains why it cannot be done and what to do instead", async () => {
    stackDir = project.synth("life", build({ accounts: { billing: ["fresh"] } }));
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const address = (await project.terraformAddress("fresh"))!;
    const result = await project.terraform(stackDir, ["import", "-input=false", address, "key_does_not_matter"]);
    expect(result.code).not.toBe(0);
    expect(flat(result.stderr)).toMatch(/cannot be imported.*shows a key's value only once.*mints a new key/);
  });

  test("a new recipient re-encrypts the stored secret in place: an update, not a new key", async () => {
    await apply({ accounts: { billing: ["fresh"], imported: [] } });
    const before = await read("billing/fresh");
    await generateIdentityFiles(path.join(project.dir, ".keys/next-identity.txt"), path.join(project.dir, ".keys/next-recipient.txt"));
    stackDir = project.synth("life", build({ accounts: { billing: ["fresh"], imported: [] }, recipientFile: ".keys/next-recipient.txt" }));
    const plan = await project.ok(project.terraform(stackDir, ["plan", "-input=false"]));
    expect(plan.stdout).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy/); // the key, and the account whose pending records use the same store
    const refused = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(flat(refused.stderr)).toMatch(/needs the current identity: set CDKTF_API_KEYS_IDENTITY/);
    await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], { CDKTF_API_KEYS_IDENTITY: ".keys/identity.txt" }));
    const next = new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(path.join(project.dir, ".keys/next-identity.txt")) });
    const after = await next.readSecret("billing/fresh");
    expect(after.keyId).toBe(before.keyId);
    expect(after.value).toBe(before.value);
    await expect(reader().readSecret("billing/fresh")).rejects.toThrow();
    expect(await planExitCode()).toBe(0);
  });

  test("destroy leaves nothing: no active key, no account, an empty store; no value anywhere but the store", async () => {
    await project.destroy(stackDir);
    expect(active()).toHaveLength(0);
    expect(project.emulator.inspect().serviceAccounts.filter((a: { deletedAt?: string | null }) => !a.deletedAt)).toHaveLength(0);
    expect(Project.files(project.secretsDir)).toEqual([]);
    project.expectNoSecretsOutsideStore(stackDir, [...values.values()]);
  });
});
