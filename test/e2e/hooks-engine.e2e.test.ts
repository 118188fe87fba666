import * as fs from "fs";
import * as path from "path";
import { ApiKey, SecretStore, ServiceAccount } from "../../src";
import { startVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { Project } from "./harness";

/** Terraform wraps long error lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * The fallback hooks engine (`engine: "hooks"`): local-exec provisioners on terraform_data. What a failed
 * apply leaves behind there: nothing the user has to clean up by hand.
 */
describe("end to end with terraform: the hooks engine", () => {
  let project: Project;
  beforeAll(async () => {
    project = await Project.create("hooks");
  });
  afterAll(async () => project?.close());

  test("a missing token variable fails the apply naming the variable, and creates nothing", async () => {
    const stackDir = project.synth("notoken", (stack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "no-token", engine: "hooks" });
      new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store: project.store(), secretPath: "no-token" });
    });
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const result = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], { FLOWNALLY_TOKEN: "" });
    expect(result.code).not.toBe(0);
    expect(flat(result.stderr)).toMatch(/notoken\/sa: error: the environment variable FLOWNALLY_TOKEN is not set: export the admin token/);
    expect(project.emulator.inspect().serviceAccounts).toHaveLength(0);
  });

  test("a key that cannot be stored is revoked again; fixing the cause and applying again recovers", async () => {
    // A directory where the secret file should go makes the write fail after the key is minted.
    const obstacle = path.join(project.secretsDir, "blocked/key.age");
    fs.mkdirSync(obstacle, { recursive: true });
    fs.writeFileSync(path.join(obstacle, "in-the-way"), "");
    const stackDir = project.synth("blocked", (stack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "blocked-owner", engine: "hooks" });
      new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store: project.store(), secretPath: "blocked/key" });
    });
    await project.ok(project.terraform(stackDir, ["init", "-input=false"]));
    const failed = await project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]);
    expect(failed.code).not.toBe(0);
    expect(flat(failed.stderr)).toMatch(/could not store the new key at blocked\/key .*, so key key_\S+ was revoked again/);
    const keys = project.emulator.inspect().apiKeys;
    expect(keys).toHaveLength(1);
    expect(keys[0].status).toBe("revoked");

    fs.rmSync(obstacle, { recursive: true });
    const recovered = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"]));
    expect(recovered.stdout).toMatch(/Apply complete!/);
    expect(project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active")).toHaveLength(1);

    await project.destroy(stackDir);
    expect(project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active")).toHaveLength(0);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });

  test("destroy is idempotent: a destroy retried after the key was revoked elsewhere still succeeds", async () => {
    const stackDir = project.synth("retry", (stack) => {
      const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "retry-owner", engine: "hooks" });
      new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store: project.store(), secretPath: "retry/key" });
    });
    await project.apply(stackDir);
    const record = JSON.parse(fs.readFileSync(path.join(project.secretsDir, "retry/key.json"), "utf8"));
    // Someone revokes the key out of band (or an earlier destroy got this far and then failed).
    const res = await fetch(`${project.emulator.url}/api-keys/${record.keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${project.emulator.adminToken}` },
    });
    expect(res.status).toBe(204);
    const destroyed = await project.destroy(stackDir);
    expect(destroyed.stdout).toMatch(/(revoked|found already revoked) key key_\S+; deleted the secret at retry\/key/);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });

  test("the hooks engine writes to the same stores: a key in Vault, destroyed with the stack", async () => {
    const vault = await startVaultEmulator();
    try {
      const stackDir = project.synth("hooks-vault", (stack) => {
        const sa = new ServiceAccount(stack, "sa", { api: project.api(), name: "hooks-vault", engine: "hooks" });
        new ApiKey(stack, "key", { serviceAccount: sa, name: "k", store: SecretStore.vaultKv2({ address: vault.url, pathPrefix: "hooks" }), secretPath: "team/key" });
      });
      const env = { VAULT_TOKEN: vault.token };
      await project.apply(stackDir, env);
      const store = new VaultKv2Store({ address: vault.url, mount: "secret", pathPrefix: "hooks", tokenEnv: "VAULT_TOKEN", token: vault.token });
      const payload = await store.readSecret("team/key");
      expect(await store.readKeyRecord("team/key")).toMatchObject({ keyId: payload.keyId, address: "hooks-vault/key" });
      expect(project.emulator.inspect().apiKeys.find((k) => k.id === payload.keyId)?.status).toBe("active");
      await project.destroy(stackDir, env);
      expect(project.emulator.inspect().apiKeys.find((k) => k.id === payload.keyId)?.status).toBe("revoked");
      expect(vault.inspect().entries).toEqual([]);
    } finally {
      await vault.close();
    }
  });
});
