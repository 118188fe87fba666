import * as fs from "fs";
import * as path from "path";
import { makeTempDir, modeOf, removeTempDirs } from "../stores/age-test-kit";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import { assertBuilt, isAlive, killStarted, startCli, type RunningCli } from "./run-cli";

/**
 * `cdktf-api-keys emulator` as a script starts it: a child process whose first line (or env file) gives
 * the URL and the token, stopped with a signal, leaving no process behind.
 */
beforeAll(assertBuilt);
afterEach(async () => {
  await killStarted();
  removeTempDirs();
});

/** Stops the command with `signal`, expects a clean exit 0, and that the process is gone. */
async function stop(command: RunningCli, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  command.child.kill(signal);
  await expect(command.exit).resolves.toBe(0);
  expect(isAlive(command.child.pid!)).toBe(false);
}

test("--json prints one JSON line with api, url, adminToken and readOnlyToken, keeps serving, and exits 0 on SIGTERM", async () => {
  // GIVEN
  const command = startCli(["emulator", "--json"]);

  // WHEN
  const facts = JSON.parse(await command.firstLine) as { api: string; url: string; adminToken: string; readOnlyToken: string; serviceAccounts: unknown[] };
  const response = await fetch(`${facts.url}/service-accounts`, { headers: { authorization: `Bearer ${facts.adminToken}` } });

  // THEN
  expect(facts).toEqual({
    api: "flownally",
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    adminToken: expect.stringMatching(/^adm_/),
    readOnlyToken: expect.stringMatching(/^ro_/),
    serviceAccounts: [],
  });
  expect(response.status).toBe(200);
  await stop(command);
  expect(command.stdout()).toBe(`${JSON.stringify(facts)}\n`);
  expect(command.stderr()).toBe("");
  await expect(fetch(`${facts.url}/service-accounts`)).rejects.toThrow();
});

test("--json --api factory includes the seeded service account, whose keys the API serves", async () => {
  const command = startCli(["emulator", "--api", "factory", "--json", "--admin-token", "T0ken"]);
  const facts = JSON.parse(await command.firstLine) as { api: string; url: string; adminToken: string; serviceAccounts: { name: string; id: string }[] };
  expect(facts).toMatchObject({ api: "factory", adminToken: "T0ken", serviceAccounts: [{ name: "ci-bot", id: expect.stringMatching(/^sa_/) }] });
  const response = await fetch(`${facts.url}/api/v0/service-accounts/${facts.serviceAccounts[0].id}/api-keys`, { headers: { authorization: "Bearer T0ken" } });
  expect(response.status).toBe(200);
  await stop(command, "SIGINT");
});

test.each([
  ["flownally", ["FLOWNALLY_URL", "FLOWNALLY_TOKEN", "FLOWNALLY_READ_ONLY_TOKEN"], "authorization"],
  ["factory", ["FACTORY_URL", "FACTORY_TOKEN", "FACTORY_READ_ONLY_TOKEN", "FACTORY_SERVICE_ACCOUNT_ID"], "authorization"],
  ["flexprice", ["FLEXPRICE_URL", "FLEXPRICE_TOKEN", "FLEXPRICE_READ_ONLY_TOKEN"], "x-api-key"],
])("--write-env for %s writes %j (mode 0600) before the first line", async (api, names, header) => {
  // GIVEN
  const dir = makeTempDir();
  const command = startCli(["emulator", "--api", api, "--write-env", "emulator.env"], { cwd: dir });

  // WHEN the first line is out, the file is complete
  const firstLine = await command.firstLine;
  const file = path.join(dir, "emulator.env");
  const text = fs.readFileSync(file, "utf8");
  const vars = Object.fromEntries(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split(/=(.*)/s).slice(0, 2)));

  // THEN
  expect(firstLine).toMatch(/emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
  expect(text).toMatch(/^# cdktf-api-keys emulator: holds the admin token, keep it secret\n/);
  expect(Object.keys(vars)).toEqual(names);
  expect(modeOf(file)).toBe(0o600);
  const prefix = api.toUpperCase();
  const token = vars[`${prefix}_TOKEN`];
  const probe = { flownally: "/service-accounts", factory: `/api/v0/service-accounts/${vars.FACTORY_SERVICE_ACCOUNT_ID}/api-keys`, flexprice: "/secrets/api/keys" }[api]!;
  const response = await fetch(`${vars[`${prefix}_URL`]}${probe}`, { headers: { [header]: header === "authorization" ? `Bearer ${token}` : token } });
  expect(response.status).toBe(200);
  await stop(command);
  expect(command.stdout()).toContain(`Wrote ${names.join(", ")} to emulator.env (mode 0600: it holds the admin token)\n`);
});

test("--json and --write-env together: stdout is the JSON line only; an existing file is replaced", async () => {
  // GIVEN a file from an earlier run, readable by others
  const dir = makeTempDir();
  const file = path.join(dir, "emulator.env");
  fs.writeFileSync(file, "FLOWNALLY_URL=http://stale\n", { mode: 0o644 });

  // WHEN
  const command = startCli(["emulator", "--json", "--write-env", file, "--admin-token", "T0ken"]);
  const facts = JSON.parse(await command.firstLine) as { url: string; readOnlyToken: string };

  // THEN
  expect(fs.readFileSync(file, "utf8")).toBe(
    `# cdktf-api-keys emulator: holds the admin token, keep it secret\nFLOWNALLY_URL=${facts.url}\nFLOWNALLY_TOKEN=T0ken\nFLOWNALLY_READ_ONLY_TOKEN=${facts.readOnlyToken}\n`,
  );
  expect(modeOf(file)).toBe(0o600);
  await stop(command);
  expect(command.stdout().split("\n")).toHaveLength(2);
});

test("an admin token that a shell would split is quoted in the env file", async () => {
  const dir = makeTempDir();
  const command = startCli(["emulator", "--write-env", "e.env", "--admin-token", "a$b'c"], { cwd: dir });
  await command.firstLine;
  expect(fs.readFileSync(path.join(dir, "e.env"), "utf8")).toContain("FLOWNALLY_TOKEN='a$b'\\''c'\n");
  await stop(command);
});

test("an env file in a missing directory exits 1 naming it, and the emulator does not keep running", async () => {
  const dir = makeTempDir();
  const command = startCli(["emulator", "--write-env", "nope/emulator.env"], { cwd: dir });
  await expect(command.exit).resolves.toBe(1);
  expect(isAlive(command.child.pid!)).toBe(false);
  expect(command.stdout()).toBe("");
  expect(command.stderr()).toBe(
    `cdktf-api-keys emulator: cannot write ${path.join(dir, "nope", "emulator.env")}: its directory ${path.join(dir, "nope")} does not exist or is not a directory; create it first or pick another --write-env file.\n`,
  );
  expect(fs.readdirSync(dir)).toEqual([]);
});

test("a port that is taken exits 1", async () => {
  const first = startCli(["emulator", "--json"]);
  const { url } = JSON.parse(await first.firstLine) as { url: string };
  const second = startCli(["emulator", "--port", new URL(url).port]);
  await expect(second.exit).resolves.toBe(1);
  expect(second.stderr()).toMatch(/^cdktf-api-keys emulator: cannot start: .*EADDRINUSE/);
  await stop(first);
});

test("`--env-file` (node's own flag, which node takes even after the script) exits 2 pointing at --write-env", async () => {
  // GIVEN a file that exists: for a missing one node itself stops first ("node: <file>: not found", exit 9)
  const dir = makeTempDir();
  fs.writeFileSync(path.join(dir, "old.env"), "");
  const command = startCli(["emulator", "--env-file", "old.env"], { cwd: dir });
  await expect(command.exit).resolves.toBe(2);
  expect(command.stderr()).toContain("cdktf-api-keys emulator: `--env-file` is node's own flag");
  expect(command.stderr()).toContain("write the emulator's env file with `--write-env <file>`.");
});

test.each([
  [["emulator", "--write-env"], "`--write-env` needs a value, e.g. `--write-env .emulator.env`."],
  [["emulator", "--json=1"], "`--json` takes no value"],
  [["emulator", "--port", "-1"], '`--port` must be an integer between 0 and 65535 (got "-1")'],
  [["emulator", "--port", "http"], '`--port` must be an integer between 0 and 65535 (got "http"); 0 picks a free port.'],
])("%j exits 2 before starting", async (args, message) => {
  const command = startCli(args);
  await expect(command.exit).resolves.toBe(2);
  expect(command.stdout()).toBe("");
  expect(command.stderr()).toContain(`cdktf-api-keys emulator: ${message}`);
  expect(command.stderr()).toContain("\n\nusage: cdktf-api-keys emulator");
});

test("--store vault: a Vault KV v2 emulator; --write-env writes VAULT_ADDR, VAULT_TOKEN and VAULT_READ_ONLY_TOKEN; the Vault store works against it", async () => {
  const dir = makeTempDir();
  const command = startCli(["emulator", "--store", "vault", "--json", "--write-env", "vault.env"], { cwd: dir });
  const facts = JSON.parse(await command.firstLine) as { store: string; url: string; token: string; readOnlyToken: string; mount: string };
  expect(facts).toEqual({
    store: "vault",
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    token: expect.stringMatching(/^hvs\./),
    readOnlyToken: expect.stringMatching(/^hvs\./),
    mount: "secret",
  });
  expect(fs.readFileSync(path.join(dir, "vault.env"), "utf8")).toBe(
    `# cdktf-api-keys emulator --store vault\nVAULT_ADDR=${facts.url}\nVAULT_TOKEN=${facts.token}\nVAULT_READ_ONLY_TOKEN=${facts.readOnlyToken}\n`,
  );
  expect(modeOf(path.join(dir, "vault.env"))).toBe(0o600);
  const store = new VaultKv2Store({ address: facts.url, mount: facts.mount, pathPrefix: "cli", tokenEnv: "VAULT_TOKEN", token: facts.token });
  await store.writeSecret("probe", { value: "probe-value-123456", keyId: "k", serviceAccountId: "s", name: "n", createdAt: "2025-01-01T00:00:00.000Z", expiresAt: null });
  expect((await store.readSecret("probe")).value).toBe("probe-value-123456");
  await stop(command);
});

test("--store secrets-manager: its endpoint and region; --api with --store, or an admin token for it, is a usage error", async () => {
  const command = startCli(["emulator", "--store", "secrets-manager"]);
  expect(await command.firstLine).toMatch(/^AWS Secrets Manager emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
  await stop(command);
  expect(command.stdout()).toMatch(/Region: us-east-1 \(any access key signs; pass the URL as the store's `endpoint`\)/);
  expect(command.stdout()).toMatch(/^Read-only access key id: AKIA[A-Z2-7]{16} \(may only get, describe and list\)$/m);
  for (const [args, message] of [
    [["emulator", "--store", "vault", "--api", "factory"], "`--api` and `--store` cannot be combined"],
    [["emulator", "--store", "secrets-manager", "--admin-token", "x"], "`--admin-token` does not apply to `--store secrets-manager`"],
    [["emulator", "--store", "consul"], '`--store` must be one of vault, secrets-manager (got "consul")'],
  ] as [string[], string][]) {
    const wrong = startCli(args);
    await expect(wrong.exit).resolves.toBe(2);
    expect(wrong.stderr()).toContain(message);
  }
});
