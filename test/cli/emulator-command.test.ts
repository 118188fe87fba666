import * as fs from "fs";
import * as path from "path";
import { emulatorCommand } from "../../src/cli/emulator-command";
import { startEmulator } from "../../src/emulator/start-emulator";
import { makeTempDir, removeTempDirs } from "../stores/age-test-kit";

afterEach(() => removeTempDirs());

/** Runs the command in-process, collecting what it writes. */
function run(argv: string[], signal?: AbortSignal) {
  let stdout = "";
  let stderr = "";
  const exit = emulatorCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    signal,
  });
  return { exit, stdout: () => stdout, stderr: () => stderr };
}

/** Waits until the command has printed its URL and token. */
async function listening(output: () => string, api = "Flownally"): Promise<{ url: string; token: string }> {
  for (let i = 0; i < 200; i++) {
    const url = new RegExp(`^${api} emulator listening on (http://\\S+)$`, "m").exec(output());
    const token = /^Admin token: (\S+)$/m.exec(output());
    if (url && token) return { url: url[1], token: token[1] };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the emulator did not start; it printed: ${output()}`);
}

test("prints the URL and admin token, serves requests, and exits 0 on SIGTERM", async () => {
  // GIVEN
  const command = run([]);
  const { url, token } = await listening(command.stdout);

  // WHEN
  const response = await fetch(`${url}/service-accounts`, { headers: { authorization: `Bearer ${token}` } });

  // THEN
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ serviceAccounts: [], nextCursor: null });

  // WHEN stopped
  process.emit("SIGTERM");
  await expect(command.exit).resolves.toBe(0);
  await expect(fetch(`${url}/service-accounts`)).rejects.toThrow();
  expect(process.listenerCount("SIGTERM")).toBe(0);
  expect(process.listenerCount("SIGINT")).toBe(0);
});

test("prints a read-only token: it lists, and a write with it is 403", async () => {
  // GIVEN
  const controller = new AbortController();
  const command = run([], controller.signal);
  const { url } = await listening(command.stdout);
  const readOnly = /^Read-only token: (\S+)$/m.exec(command.stdout())?.[1];

  // WHEN
  const headers = { authorization: `Bearer ${readOnly}`, "content-type": "application/json" };
  const listed = await fetch(`${url}/service-accounts`, { headers });
  const created = await fetch(`${url}/service-accounts`, { method: "POST", headers, body: JSON.stringify({ name: "nope" }) });

  // THEN
  expect(readOnly).toMatch(/^ro_/);
  expect([listed.status, created.status]).toEqual([200, 403]);
  expect(((await created.json()) as { code: string }).code).toBe("permission_denied");
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test("--json carries readOnlyToken, and --write-env writes <API>_READ_ONLY_TOKEN", async () => {
  // GIVEN
  const dir = makeTempDir();
  const file = path.join(dir, "emulator.env");
  const controller = new AbortController();
  const command = run(["--api", "flexprice", "--json", "--write-env", file], controller.signal);
  for (let i = 0; i < 200 && !command.stdout().includes("\n"); i++) await new Promise((resolve) => setTimeout(resolve, 10));

  // WHEN
  const facts = JSON.parse(command.stdout()) as { url: string; adminToken: string; readOnlyToken: string };
  const env = fs.readFileSync(file, "utf8");
  const search = await fetch(`${facts.url}/users/search`, { method: "POST", headers: { "x-api-key": facts.readOnlyToken, "content-type": "application/json" }, body: "{}" });

  // THEN
  expect(Object.keys(facts)).toEqual(["api", "url", "adminToken", "readOnlyToken", "serviceAccounts"]);
  expect(env).toContain(`\nFLEXPRICE_TOKEN=${facts.adminToken}\nFLEXPRICE_READ_ONLY_TOKEN=${facts.readOnlyToken}\n`);
  expect(search.status).toBe(200);
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test.each([
  ["vault", "readOnlyToken", "VAULT_READ_ONLY_TOKEN"],
  ["secrets-manager", "readOnlyAccessKeyId", "SECRETS_MANAGER_READ_ONLY_ACCESS_KEY_ID"],
])("--store %s: --json carries %s and --write-env writes %s", async (store, field, variable) => {
  // GIVEN
  const file = path.join(makeTempDir(), "store.env");
  const controller = new AbortController();
  const command = run(["--store", store, "--json", "--write-env", file], controller.signal);
  for (let i = 0; i < 200 && !command.stdout().includes("\n"); i++) await new Promise((resolve) => setTimeout(resolve, 10));

  // WHEN
  const facts = JSON.parse(command.stdout()) as Record<string, string>;

  // THEN
  expect(facts[field]).toMatch(store === "vault" ? /^hvs\./ : /^AKIA[A-Z2-7]{16}$/);
  expect(fs.readFileSync(file, "utf8")).toContain(`\n${variable}=${facts[field]}\n`);
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test("SIGINT stops it too", async () => {
  const command = run(["--api", "flownally"]);
  await listening(command.stdout);
  process.emit("SIGINT");
  await expect(command.exit).resolves.toBe(0);
});

test("--api factory serves Factory and prints the id of its seeded service account", async () => {
  // GIVEN
  const controller = new AbortController();
  const command = run(["--api", "factory"], controller.signal);
  const { url, token } = await listening(command.stdout, "Factory");
  const account = /^Service account (\S+): (\S+)$/m.exec(command.stdout());

  // WHEN
  const response = await fetch(`${url}/api/v0/service-accounts/${account?.[2]}/api-keys`, {
    headers: { authorization: `Bearer ${token}` },
  });

  // THEN
  expect(account).not.toBeNull();
  expect(response.status).toBe(200);
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test("--api flexprice serves Flexprice with x-api-key auth", async () => {
  // GIVEN
  const controller = new AbortController();
  const command = run(["--api=flexprice"], controller.signal);
  const { url, token } = await listening(command.stdout, "Flexprice");

  // WHEN
  const ok = await fetch(`${url}/secrets/api/keys`, { headers: { "x-api-key": token } });
  const bearer = await fetch(`${url}/secrets/api/keys`, { headers: { authorization: `Bearer ${token}` } });

  // THEN
  expect([ok.status, bearer.status]).toEqual([200, 401]);
  expect(command.stdout()).not.toMatch(/^Service account/m);
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test("takes --admin-token, --host and --port, also as --flag=value, and stops on an abort signal", async () => {
  // GIVEN
  const controller = new AbortController();
  const command = run(["--admin-token=T0ken", "--host", "127.0.0.1", "--port=0"], controller.signal);

  // WHEN
  const { url, token } = await listening(command.stdout);
  const ok = await fetch(`${url}/service-accounts`, { headers: { authorization: "Bearer T0ken" } });
  const wrong = await fetch(`${url}/service-accounts`, { headers: { authorization: "Bearer other" } });

  // THEN
  expect(token).toBe("T0ken");
  expect([ok.status, wrong.status]).toEqual([200, 401]);
  controller.abort();
  await expect(command.exit).resolves.toBe(0);
});

test.each([
  [["--verbose"], /unknown flag `--verbose`/],
  [["--api", "stripe"], /`--api` must be one of flownally, factory, flexprice \(got "stripe"\)/],
  [["--api"], /`--api` needs a value/],
  [["--port", "http"], /`--port` must be an integer between 0 and 65535 \(got "http"\)/],
  [["--port", "65536"], /`--port` must be an integer/],
  [["--admin-token="], /`--admin-token` needs a value/],
  [["serve"], /unexpected argument "serve"/],
])("%p exits 2 with a message naming the flag", async (argv, message) => {
  const command = run(argv);
  await expect(command.exit).resolves.toBe(2);
  expect(command.stderr()).toMatch(message);
  expect(command.stderr()).toContain("usage: cdktf-api-keys emulator");
  expect(command.stdout()).toBe("");
});

test("--help prints the usage and exits 0", async () => {
  const command = run(["--help"]);
  await expect(command.exit).resolves.toBe(0);
  expect(command.stdout()).toContain("--admin-token");
});

test("a port that is taken exits 1", async () => {
  // GIVEN
  const other = await startEmulator();
  try {
    // WHEN
    const command = run(["--port", new URL(other.url).port]);

    // THEN
    await expect(command.exit).resolves.toBe(1);
    expect(command.stderr()).toMatch(/cannot start: .*EADDRINUSE/);
  } finally {
    await other.close();
  }
});
