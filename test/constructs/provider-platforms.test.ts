import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Api, ApiKey, ProviderPlatforms, ProviderPlatformsProps, SecretStore, ServiceAccount } from "../../src";
import { packageHash, PROVIDER_SIDE_FILES } from "../../src/constructs/provider-resources";
import { RECIPIENT, tempDir } from "./fixtures";

/**
 * Which platform folders synth writes, and what each holds. The app's platform packages are real
 * packages in the project's node_modules, each with a small file in the executable's place (the real
 * executables, 125 MB each, are in test/e2e/self-contained-provider.e2e.test.ts).
 */
const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")) as { version: string }).version;
const MIRROR = `cdktf.out/stacks/keys/terraform.d/plugins/cdktf-api-keys.local/cdktf-api-keys/apikeys/${version}`;
const EXECUTABLE = `terraform-provider-apikeys_v${version}`;
const SCRIPT_FOLDER = [...PROVIDER_SIDE_FILES, EXECUTABLE].sort();
const dist = path.resolve(__dirname, "../../dist");

/** A project directory with `packages` installed in its node_modules: name -> [version, executable's content]. */
function project(packages: Record<string, [string, string]> = {}): string {
  const dir = tempDir("platforms");
  fs.writeFileSync(path.join(dir, "recipient.txt"), RECIPIENT);
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "app", "private": true }\n');
  for (const [name, [packageVersion, content]] of Object.entries(packages)) {
    const pkg = path.join(dir, "node_modules", name);
    fs.mkdirSync(path.join(pkg, "bin"), { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name, version: packageVersion }));
    fs.writeFileSync(path.join(pkg, "bin/terraform-provider-apikeys"), content, { mode: 0o755 });
  }
  return dir;
}

/** Synthesizes a stack of one key in `dir` (as `cdktf synth` there would), with `props` if given. */
function synthIn(dir: string, props?: ProviderPlatformsProps): void {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    const app = new App({ outdir: "cdktf.out" });
    const stack = new TerraformStack(app, "keys");
    if (props) ProviderPlatforms.configure(stack, props);
    const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: "recipient.txt" });
    new ApiKey(stack, "key", { serviceAccount: new ServiceAccount(stack, "sa", { api, name: "sa" }), name: "k", store, secretPath: "k" });
    app.synth();
  } finally {
    process.chdir(previous);
  }
}

const folders = (dir: string) => fs.readdirSync(path.join(dir, MIRROR)).sort();
const filesIn = (dir: string, platform: string) => fs.readdirSync(path.join(dir, MIRROR, platform)).sort();
const lockHashes = (dir: string) => fs.readFileSync(path.join(dir, "cdktf.out/stacks/keys/.terraform.lock.hcl"), "utf8").match(/h1:[^"]+/g);
const scriptHash = () => packageHash([EXECUTABLE, ...PROVIDER_SIDE_FILES].map((name) => ({ name, content: fs.readFileSync(path.join(dist, name === EXECUTABLE ? "provider.cjs" : name)) })));

describe("ProviderPlatforms", () => {
  test("without platform packages, every folder holds the Node.js script, under one h1:", () => {
    // GIVEN / WHEN
    const dir = project();
    synthIn(dir);
    // THEN
    expect(folders(dir)).toEqual(["darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64"]);
    for (const platform of folders(dir)) expect(filesIn(dir, platform)).toEqual(SCRIPT_FOLDER);
    expect(lockHashes(dir)).toEqual([scriptHash()]);
  });

  test("an installed platform package puts its executable, alone, into its folder; the lock file has one h1: per distinct folder", () => {
    // GIVEN
    const dir = project({ "cdktf-api-keys-provider-linux-x64": [version, "x64 executable"] });
    // WHEN
    synthIn(dir);
    // THEN
    expect(filesIn(dir, "linux_amd64")).toEqual([EXECUTABLE]);
    const placed = path.join(dir, MIRROR, "linux_amd64", EXECUTABLE);
    expect(fs.readFileSync(placed, "utf8")).toBe("x64 executable");
    expect(fs.statSync(placed).mode & 0o777).toBe(0o755);
    for (const platform of ["linux_arm64", "darwin_amd64", "darwin_arm64"]) expect(filesIn(dir, platform)).toEqual(SCRIPT_FOLDER);
    const executableHash = packageHash([{ name: EXECUTABLE, content: Buffer.from("x64 executable") }]);
    expect(lockHashes(dir)).toEqual([executableHash, scriptHash()].sort());
  });

  test("`platforms` carries only the folders named; a synth again removes the ones no longer carried", () => {
    // GIVEN a first synth with all four
    const dir = project({ "cdktf-api-keys-provider-linux-x64": [version, "x64"], "cdktf-api-keys-provider-linux-arm64": [version, "arm64"] });
    synthIn(dir);
    expect(lockHashes(dir)).toHaveLength(3);
    // WHEN
    synthIn(dir, { platforms: ["linux_amd64"] });
    // THEN
    expect(folders(dir)).toEqual(["linux_amd64"]);
    expect(lockHashes(dir)).toEqual([packageHash([{ name: EXECUTABLE, content: Buffer.from("x64") }])]);
  });

  test("`selfContained: []` puts the script everywhere, even where a package is installed", () => {
    const dir = project({ "cdktf-api-keys-provider-linux-x64": [version, "x64"] });
    synthIn(dir, { selfContained: [] });
    for (const platform of folders(dir)) expect(filesIn(dir, platform)).toEqual(SCRIPT_FOLDER);
    expect(lockHashes(dir)).toEqual([scriptHash()]);
  });

  test("`selfContained` naming a platform whose package is missing fails synth, naming the package and version to install", () => {
    const dir = project({ "cdktf-api-keys-provider-linux-x64": [version, "x64"] });
    expect(() => synthIn(dir, { selfContained: ["linux_amd64", "linux_arm64"] })).toThrow(
      new RegExp(
        `ProviderPlatforms of stack keys: \`selfContained\` names linux_arm64, but the package that holds its executable, cdktf-api-keys-provider-linux-arm64, ` +
          `is not installed in the app .*Install it with \`npm install --save-dev cdktf-api-keys-provider-linux-arm64@${version.replace(/\./g, "\\.")}\``,
      ),
    );
  });

  test("a platform package of another version fails synth, naming both versions", () => {
    const dir = project({ "cdktf-api-keys-provider-linux-arm64": ["0.0.1", "arm64"] });
    expect(() => synthIn(dir)).toThrow(
      new RegExp(`cdktf-api-keys-provider-linux-arm64 \\(.*\\) is at version "0\\.0\\.1", but cdktf-api-keys is at ${version.replace(/\./g, "\\.")}.*npm install --save-dev cdktf-api-keys-provider-linux-arm64@`),
    );
  });

  test("a platform package without its executable fails synth, saying how to get it", () => {
    const dir = project({ "cdktf-api-keys-provider-linux-x64": [version, "x64"] });
    fs.rmSync(path.join(dir, "node_modules/cdktf-api-keys-provider-linux-x64/bin"), { recursive: true });
    expect(() => synthIn(dir)).toThrow(/cdktf-api-keys-provider-linux-x64 has no executable at .*Reinstall it/);
  });

  test.each([
    [{ platforms: [] }, /`platforms` must list one or more of linux_amd64, linux_arm64, darwin_amd64, darwin_arm64 \(got \[\]\)/],
    [{ platforms: ["windows_amd64"] }, /`platforms` must list only linux_amd64, .* \(got "windows_amd64"\)/],
    [{ platforms: ["linux_amd64", "linux_amd64"] }, /`platforms` must name each platform once/],
    [{ selfContained: ["darwin_arm64"] }, /`selfContained` must list only linux_amd64, linux_arm64 \(the platforms with a self-contained executable\) \(got "darwin_arm64"\)/],
    [{ platforms: ["linux_amd64"], selfContained: ["linux_arm64"] }, /`selfContained` must list only platforms that `platforms` carries; add it there too \(got "linux_arm64"\)/],
  ])("refuses %j, naming the prop and the fix", (props, message) => {
    const stack = new TerraformStack(new App({ outdir: path.join(tempDir("outdir"), "cdktf.out") }), "keys");
    expect(() => ProviderPlatforms.configure(stack, props as unknown as ProviderPlatformsProps)).toThrow(message);
  });

  test("configure is called once per stack", () => {
    const stack = new TerraformStack(new App({ outdir: path.join(tempDir("outdir"), "cdktf.out") }), "keys");
    ProviderPlatforms.configure(stack, { platforms: ["linux_amd64"] });
    expect(() => ProviderPlatforms.configure(stack, { selfContained: [] })).toThrow(/ProviderPlatforms of stack keys: configure is called once per stack; pass every setting in one call/);
  });
});
