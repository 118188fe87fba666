import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanEnv, EMULATOR_AND_CLIENT_PACKAGES, filesUnder, mustRun, packagesLoadedBy, REPO, run } from "./support";

/**
 * The packed library installed from its tarball into fresh apps, as users get it, one app per kind
 * of app it must fit. Each app is type-checked and compiled by its own TypeScript (no `skipLibCheck`),
 * run with node to synthesize (no cdktf-cli), applied with the real terraform against an emulator
 * started from the package's `cdktf-api-keys/emulator`, its secret read back with the package's
 * `cdktf-api-keys get`, checked with `cdktf-api-keys/clients`, and destroyed.
 *
 * One `npm pack` serves every app (of the build `npm test` made: packing runs no script here, so
 * the other tests' dist/ is left alone); the apps run side by side.
 */

interface AppSpec {
  /** Directory name, and the test's name. */
  readonly name: string;
  readonly description: string;
  readonly core: "cdktf" | "cdktn";
  /** package.json `type`. */
  readonly type: "commonjs" | "module";
  /** What the app installs besides the tarball, TypeScript and Node's types. */
  readonly dependencies: readonly string[];
  /** A second account and key on the hooks engine: its program runs from the stack's assets. */
  readonly hooks?: boolean;
}

const APPS: readonly AppSpec[] = [
  { name: "cdktf-commonjs", description: "a cdktf 0.21 CommonJS app", core: "cdktf", type: "commonjs", dependencies: ["cdktf@^0.21.0", "constructs@^10.4.2"] },
  {
    name: "cdktf-esm",
    description: 'a cdktf 0.21 app with "type": "module" (the provider and the hook program still load as CommonJS)',
    core: "cdktf",
    type: "module",
    dependencies: ["cdktf@^0.21.0", "constructs@^10.4.2"],
    hooks: true,
  },
  {
    name: "cdktf-constructs-10.4.2",
    description: "a cdktf app on constructs 10.4.2 (what cdktf-cli 0.21 pins)",
    core: "cdktf",
    type: "commonjs",
    dependencies: ["cdktf@^0.21.0", "constructs@10.4.2"],
  },
  // cdktn 0.24 wants constructs >=10.6.0 <10.8.0.
  { name: "cdktn", description: "a CDK Terrain (cdktn 0.24) app without cdktf", core: "cdktn", type: "commonjs", dependencies: ["cdktn@^0.24.0", "constructs@>=10.6.0 <10.8.0"] },
];

/** Versions of the app's own tools. */
const TOOLS = ["typescript@~5.9.3", "@types/node@^20"];

/** The cdktf-cli TypeScript template's compiler options, with the library's declarations checked. */
const COMMONJS_COMPILER_OPTIONS = {
  alwaysStrict: true,
  declaration: true,
  experimentalDecorators: true,
  lib: ["es2018"],
  module: "CommonJS",
  noEmitOnError: true,
  noFallthroughCasesInSwitch: true,
  noImplicitAny: true,
  noImplicitReturns: true,
  noImplicitThis: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  strict: true,
  target: "ES2018",
  skipLibCheck: false,
};

const ESM_COMPILER_OPTIONS = {
  lib: ["es2022"],
  module: "NodeNext",
  moduleResolution: "NodeNext",
  noEmitOnError: true,
  noUnusedLocals: true,
  strict: true,
  target: "ES2022",
  skipLibCheck: false,
};

/**
 * The stack: an account and a key on the provider engine (and on the hooks engine), the key's id as an
 * output, and a resource of the core that depends on the key.
 */
function mainSource(app: AppSpec): string {
  return `import { App, DataResource, TerraformOutput, TerraformStack } from "${app.core}";
import { Api, ApiKey, SecretStore, ServiceAccount } from "cdktf-api-keys";

const baseUrl = process.env.FLOWNALLY_URL;
if (!baseUrl) throw new Error("set FLOWNALLY_URL");

const app = new App();
const stack = new TerraformStack(app, "keys");
const api = Api.flownally({ baseUrl, tokenEnv: "FLOWNALLY_TOKEN" });
const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });

const billing = new ServiceAccount(stack, "billing", { api, name: "billing-sync", description: "Nightly export" });
const key = new ApiKey(stack, "billing-prod", { serviceAccount: billing, name: "billing-sync-prod", expiresInDays: 90, store, secretPath: "billing/prod" });
new TerraformOutput(stack, "key-id", { value: key.keyId });
// The core's own resources can depend on the constructs.
new DataResource(stack, "after-key", { input: { prefix: key.prefix }, dependsOn: [key] });
${
  app.hooks
    ? `
const hooked = new ServiceAccount(stack, "hooked", { api, name: "hooked", engine: "hooks" });
new ApiKey(stack, "hooked-key", { serviceAccount: hooked, name: "hooked-key", store, secretPath: "hooked/key" });
`
    : ""
}
app.synth();
`;
}

/** Starts the emulator from the package's subpath and prints `{ url, adminToken }` as one line. */
const EMULATOR_SOURCE = `import { startEmulator } from "cdktf-api-keys/emulator";

startEmulator({ api: "flownally" }).then((emulator) => {
  process.stdout.write(JSON.stringify({ url: emulator.url, adminToken: emulator.adminToken }) + "\\n");
  process.once("SIGTERM", () => void emulator.close().then(() => process.exit(0)));
});
`;

/** Prints whether the key in KEY_VALUE authenticates, with the package's client. */
const CHECK_KEY_SOURCE = `import { createClient } from "cdktf-api-keys/clients";

const client = createClient({ kind: "flownally", baseUrl: process.env.FLOWNALLY_URL ?? "", tokenEnv: "FLOWNALLY_TOKEN" }, process.env.FLOWNALLY_TOKEN ?? "");
client.authenticates(process.env.KEY_VALUE ?? "").then((ok) => process.stdout.write(ok ? "authenticates\\n" : "rejected\\n"));
`;

/** Every directory of a package named `name` in the app's dependency tree. */
function copiesOf(appDir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string): void => {
    if (!fs.existsSync(nodeModules)) return;
    for (const entry of fs.readdirSync(nodeModules)) {
      if (entry.startsWith(".")) continue;
      const dirs = entry.startsWith("@") ? fs.readdirSync(path.join(nodeModules, entry)).map((e) => path.join(nodeModules, entry, e)) : [path.join(nodeModules, entry)];
      for (const dir of dirs) {
        if (path.relative(nodeModules, dir).split(path.sep).join("/") === name) found.push(path.relative(appDir, dir));
        visit(path.join(dir, "node_modules"));
      }
    }
  };
  visit(path.join(appDir, "node_modules"));
  return found;
}

/** What one app went through, step by step. */
interface AppOutcome {
  readonly timings: [step: string, ms: number][];
  readonly copies: Record<string, string[]>;
  readonly loaded: string[];
  readonly keyIdOutput: string;
  readonly stored: Record<string, { keyId: string; authenticates: string }>;
  readonly afterDestroy: Record<string, { getExitCode: number; authenticates: string }>;
}

let workspace: string;
const emulators = new Set<ChildProcessWithoutNullStreams>();
let tarball: Promise<string>;
const outcomes = new Map<string, Promise<{ ok: true; value: AppOutcome } | { ok: false; error: unknown }>>();

/** `npm pack` of the build in dist/, into the workspace. */
async function pack(): Promise<string> {
  for (const built of ["dist/src/index.js", "dist/provider.cjs", "dist/hook.cjs"]) {
    if (!fs.existsSync(path.join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  }
  const { stdout } = await mustRun("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", workspace], { cwd: REPO });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return path.join(workspace, filename);
}

/** Starts the app's emulator and waits for its first line. */
function startEmulator(appDir: string): Promise<{ url: string; adminToken: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, ["dist/emulator.js"], { cwd: appDir, env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
  emulators.add(child);
  child.on("exit", () => emulators.delete(child));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve({ ...(JSON.parse(out.slice(0, newline)) as { url: string; adminToken: string }), child });
    });
    child.on("exit", (code) => reject(new Error(`the emulator exited (${code}) before it started:\n${err}`)));
  });
}

function stopEmulator(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Installs, type-checks, synthesizes, applies, reads back and destroys one app. */
async function exercise(app: AppSpec, tarballPath: string): Promise<AppOutcome> {
  const timings: [string, number][] = [];
  const timed = async <T extends { ms: number }>(step: string, pending: Promise<T>): Promise<T> => {
    const result = await pending;
    timings.push([step, result.ms]);
    return result;
  };
  const dir = path.join(workspace, app.name);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: `packaging-${app.name}`, version: "1.0.0", private: true, type: app.type }, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    `${JSON.stringify({ compilerOptions: { ...(app.type === "module" ? ESM_COMPILER_OPTIONS : COMMONJS_COMPILER_OPTIONS), rootDir: "src", outDir: "dist" }, include: ["src/**/*.ts"] }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(dir, "src/main.ts"), mainSource(app));
  fs.writeFileSync(path.join(dir, "src/emulator.ts"), EMULATOR_SOURCE);
  fs.writeFileSync(path.join(dir, "src/check-key.ts"), CHECK_KEY_SOURCE);
  const cliConfig = path.join(dir, "terraformrc");
  fs.writeFileSync(cliConfig, "");

  await timed("npm install", mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarballPath, ...app.dependencies, ...TOOLS], { cwd: dir }));
  const copies = Object.fromEntries(["cdktf", "cdktn", "constructs"].map((name) => [name, copiesOf(dir, name)]));
  const loaded = await packagesLoadedBy("cdktf-api-keys", dir);
  await timed("tsc", mustRun(path.join(dir, "node_modules/.bin/tsc"), ["-p", "."], { cwd: dir }));
  const cli = path.join(dir, "node_modules/.bin/cdktf-api-keys");
  await timed("keygen", mustRun(cli, ["keygen"], { cwd: dir }));

  const emulatorStarted = Date.now();
  const emulator = await startEmulator(dir);
  timings.push(["emulator", Date.now() - emulatorStarted]);
  try {
    const env = { FLOWNALLY_URL: emulator.url, FLOWNALLY_TOKEN: emulator.adminToken };
    const tfEnv = { ...env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    await timed("synth", mustRun(process.execPath, ["dist/main.js"], { cwd: dir, env }));
    const stackDir = path.join(dir, "cdktf.out/stacks/keys");
    // The provider as the stack's mirror holds it (named as Terraform wants: no `.cjs`), started by hand:
    // it must load as CommonJS and say it is a plugin, whatever the app's package.json says.
    const provider = filesUnder(path.join(stackDir, "terraform.d")).find((f) => path.basename(f).startsWith("terraform-provider-apikeys_v"));
    const alone = await run(process.execPath, [provider!], { cwd: stackDir });
    if (!/is a Terraform provider plugin/.test(alone.stderr)) throw new Error(`the provider in the stack's mirror does not start (${app.type} app):\n${alone.stderr}`);
    await timed("terraform init", mustRun("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir, env: tfEnv }));
    await timed("terraform apply", mustRun("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env: tfEnv }));
    const keyIdOutput = (await mustRun("terraform", ["output", "-raw", "key-id"], { cwd: stackDir, env: tfEnv })).stdout;

    const secretPaths = app.hooks ? ["billing/prod", "hooked/key"] : ["billing/prod"];
    const authenticates = async (value: string): Promise<string> => (await mustRun(process.execPath, ["dist/check-key.js"], { cwd: dir, env: { ...env, KEY_VALUE: value } })).stdout.trim();
    const stored: AppOutcome["stored"] = {};
    const values: Record<string, string> = {};
    for (const secretPath of secretPaths) {
      const value = (await timed(`get ${secretPath}`, mustRun(cli, ["get", secretPath], { cwd: dir }))).stdout.trimEnd();
      values[secretPath] = value;
      const keyId = (await mustRun(cli, ["get", secretPath, "--field", "keyId"], { cwd: dir })).stdout.trim();
      stored[secretPath] = { keyId, authenticates: await authenticates(value) };
    }

    await timed("terraform destroy", mustRun("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env: tfEnv }));
    const afterDestroy: AppOutcome["afterDestroy"] = {};
    for (const secretPath of secretPaths) {
      afterDestroy[secretPath] = { getExitCode: (await run(cli, ["get", secretPath], { cwd: dir })).code, authenticates: await authenticates(values[secretPath]) };
    }
    return { timings, copies, loaded, keyIdOutput, stored, afterDestroy };
  } finally {
    await stopEmulator(emulator.child);
  }
}

beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-packaging-"));
  tarball = pack();
  // Started here, side by side; each app's test waits for its own. A failure is kept for the test.
  for (const app of APPS) {
    outcomes.set(
      app.name,
      tarball.then((file) => exercise(app, file)).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
  }
});

afterAll(async () => {
  await Promise.all([...outcomes.values()]);
  await Promise.all([...emulators].map(stopEmulator));
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  if (process.env.PACKAGING_TIMINGS) {
    const lines: string[] = [];
    for (const [name, outcome] of outcomes) {
      const settled = await outcome;
      if (settled.ok) lines.push(`${name}: ${settled.value.timings.map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}s`).join(", ")}`);
    }
    process.stderr.write(`\npackaging timings:\n${lines.join("\n")}\n`);
  }
}, 600_000);

describe("the packed library installed into an app", () => {
  test.each(APPS.map((app) => [app.description, app] as const))("%s: type-checks, synthesizes, applies, reads back and destroys", async (_, app) => {
    // GIVEN / WHEN
    const settled = await outcomes.get(app.name)!;
    if (!settled.ok) throw settled.error;
    const outcome = settled.value;

    // THEN one copy of the core and of constructs, the app's: the library brings none of its own
    const other = app.core === "cdktf" ? "cdktn" : "cdktf";
    expect(outcome.copies).toEqual({ [app.core]: [`node_modules/${app.core}`], [other]: [], constructs: ["node_modules/constructs"] });
    // the main entry loads the app's core, and none of the emulators' or clients' packages
    expect(outcome.loaded).toContain(app.core);
    expect(outcome.loaded).not.toContain(other);
    expect(outcome.loaded.filter((name) => EMULATOR_AND_CLIENT_PACKAGES.includes(name))).toEqual([]);
    // the stored key is the one in state, and it works until destroyed
    expect(outcome.stored["billing/prod"].keyId).toBe(outcome.keyIdOutput);
    for (const [secretPath, { keyId, authenticates }] of Object.entries(outcome.stored)) {
      expect({ secretPath, keyId, authenticates }).toEqual({ secretPath, keyId: expect.stringMatching(/^key_/), authenticates: "authenticates" });
    }
    for (const [secretPath, after] of Object.entries(outcome.afterDestroy)) {
      expect({ secretPath, ...after }).toEqual({ secretPath, getExitCode: 1, authenticates: "rejected" });
    }
  }, 600_000);
});
