import * as fs from "fs";
import * as path from "path";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { makeTempDir, newKeyPair, removeTempDirs, sampleKeyRecord, samplePayload } from "../stores/age-test-kit";
import { assertBuilt, runCli } from "./run-cli";

beforeAll(assertBuilt);
afterEach(removeTempDirs);

/** A project whose `secrets` store holds three keys (secrets and records) and an account record; no identity anywhere. */
async function project(): Promise<string> {
  const dir = makeTempDir();
  const store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient: (await newKeyPair()).recipient });
  const keys = [
    { secretPath: "payments/stripe", keyId: "key_stripe", prefix: "", expiresAt: null },
    { secretPath: "billing/prod", keyId: "key_billing", prefix: "fk_live_bi", expiresAt: "2099-01-01T00:00:00.000Z" },
    { secretPath: "billing/old", keyId: "key_old", prefix: "fk_live_ol", expiresAt: "2020-01-01T00:00:00.000Z" },
  ];
  for (const { secretPath, ...record } of keys) {
    await store.writeSecret(secretPath, samplePayload(`value-of-${record.keyId}`));
    await store.writeKeyRecord(secretPath, sampleKeyRecord(record));
  }
  await store.writeAccountRecord({ address: "stack/billing", instanceId: "i", serviceAccountId: "sa_1", name: "billing", createdAt: "2025-01-01T00:00:00Z" });
  return dir;
}

test("prints a table of secret paths, key ids, prefixes and expiry, sorted by path; no value, no identity needed", async () => {
  // GIVEN
  const dir = await project();

  // WHEN
  const result = runCli(["list"], { cwd: dir });

  // THEN
  expect(result).toEqual({
    code: 0,
    stderr: "",
    stdout:
      "SECRET PATH      KEY ID       PREFIX      EXPIRES\n" +
      "billing/old      key_old      fk_live_ol  2020-01-01T00:00:00.000Z (expired)\n" +
      "billing/prod     key_billing  fk_live_bi  2099-01-01T00:00:00.000Z\n" +
      "payments/stripe  key_stripe   (none)      never\n",
  });
  expect(result.stdout).not.toContain("value-of-");
});

test("--json prints the keys' public facts for scripts", async () => {
  const dir = await project();
  const result = runCli(["list", "--json"], { cwd: dir });
  expect(result.code).toBe(0);
  const keys = JSON.parse(result.stdout) as Record<string, unknown>[];
  expect(keys.map((k) => k.secretPath)).toEqual(["billing/old", "billing/prod", "payments/stripe"]);
  expect(keys[2]).toEqual({
    secretPath: "payments/stripe",
    keyId: "key_stripe",
    name: "stripe-webhook",
    serviceAccountId: "sa_456",
    prefix: "",
    createdAt: "2025-01-02T03:04:05.000Z",
    expiresAt: null,
  });
  expect(result.stdout).not.toContain("value-of-");
});

test("--dir and CDKTF_API_KEYS_DIR choose the store; the flag wins", async () => {
  const dir = await project();
  fs.renameSync(path.join(dir, "secrets"), path.join(dir, "vault"));
  for (const options of [{ args: ["list", "--dir", "vault"] }, { args: ["list", "--dir=vault"] }, { args: ["list"], env: { CDKTF_API_KEYS_DIR: "vault" } }]) {
    expect(runCli(options.args, { cwd: dir, env: options.env }).stdout).toMatch(/^billing\/prod {5}key_billing/m);
  }
  const flagWins = runCli(["list", "--dir", "secrets"], { cwd: dir, env: { CDKTF_API_KEYS_DIR: "vault" } });
  expect(flagWins.code).toBe(1);
});

test("an empty store says so and exits 0; --json prints []", () => {
  const dir = makeTempDir();
  fs.mkdirSync(path.join(dir, "secrets"));
  expect(runCli(["list"], { cwd: dir })).toEqual({
    code: 0,
    stdout: `No keys in the store ${path.join(dir, "secrets")} yet: apply a stack whose ApiKeys use it.\n`,
    stderr: "",
  });
  expect(runCli(["list", "--json"], { cwd: dir })).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
});

test("a missing store directory exits 1, saying where it looked and how to point elsewhere", () => {
  const dir = makeTempDir();
  expect(runCli(["list"], { cwd: dir })).toEqual({
    code: 1,
    stdout: "",
    stderr:
      `cdktf-api-keys list: the store directory ${path.join(dir, "secrets")} (the default "secrets") does not exist or is not a ` +
      "directory. Run the command from the project directory, or point --dir (or CDKTF_API_KEYS_DIR) at the store's `directory`.\n",
  });
});

test("a record that is not one exits 1 naming the file", async () => {
  const dir = await project();
  fs.writeFileSync(path.join(dir, "secrets", "billing", "prod.json"), "{ not json");
  const result = runCli(["list"], { cwd: dir });
  expect(result).toMatchObject({ code: 1, stdout: "" });
  expect(result.stderr).toContain(`cdktf-api-keys list: ${path.join(dir, "secrets", "billing", "prod.json")} is not a cdktf-api-keys record`);
});

test.each([
  [["list", "billing"], 'unexpected argument "billing": `list` takes no arguments; name the store with `--dir` or `--stack`.'],
  [["list", "--dir"], "`--dir` needs a value, e.g. `--dir secrets`."],
  [["list", "--json=true"], "`--json` takes no value"],
])("%j exits 2 with the usage", (args, message) => {
  const result = runCli(args, { cwd: makeTempDir() });
  expect(result).toMatchObject({ code: 2, stdout: "" });
  expect(result.stderr).toContain(`cdktf-api-keys list: ${message}`);
  expect(result.stderr).toContain("\n\nusage: cdktf-api-keys list");
});
