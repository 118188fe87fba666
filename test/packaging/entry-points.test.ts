import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EMULATOR_AND_CLIENT_PACKAGES, mustRun, packagesLoadedBy, REPO } from "./support";

/**
 * The built entry points, reached by the package's own name (Node resolves a package's `exports` from
 * inside it): what synth loads, and where the emulator and the clients went.
 */
describe("entry points", () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(REPO, "dist/src/index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  });

  test("require(\"cdktf-api-keys\") loads the core and constructs, and none of the emulators' or clients' packages", async () => {
    // WHEN
    const loaded = await packagesLoadedBy("cdktf-api-keys", REPO);

    // THEN
    expect(loaded).toEqual(expect.arrayContaining(["cdktf", "constructs"]));
    expect(loaded.filter((name) => EMULATOR_AND_CLIENT_PACKAGES.includes(name))).toEqual([]);
  });

  test("require(\"cdktf-api-keys\") loads none of the package's own dependencies: synth needs only the core", async () => {
    // GIVEN
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };

    // WHEN
    const loaded = await packagesLoadedBy("cdktf-api-keys", REPO);

    // THEN
    expect(loaded.filter((name) => name in dependencies)).toEqual([]);
  });

  test("the emulator is cdktf-api-keys/emulator, the clients cdktf-api-keys/clients, and neither is in the main entry", async () => {
    // WHEN
    const script = `
      const main = require("cdktf-api-keys");
      const emulator = require("cdktf-api-keys/emulator");
      const clients = require("cdktf-api-keys/clients");
      process.stdout.write(JSON.stringify({
        main: ["startEmulator", "createClient", "ApiError", "Api", "ApiKey", "SecretStore", "ServiceAccount", "AgeFileStore"].filter((n) => n in main),
        emulator: typeof emulator.startEmulator,
        clients: [typeof clients.createClient, typeof clients.ApiError, typeof clients.NotFoundError],
      }));`;
    const { stdout } = await mustRun(process.execPath, ["-e", script], { cwd: REPO });

    // THEN
    expect(JSON.parse(stdout)).toEqual({
      main: ["Api", "ApiKey", "SecretStore", "ServiceAccount", "AgeFileStore"],
      emulator: "function",
      clients: ["function", "function", "function"],
    });
  });

  test("the subpaths load their own packages: the emulator its validator, the clients axios", async () => {
    // WHEN
    const emulator = await packagesLoadedBy("cdktf-api-keys/emulator", REPO);
    const clients = await packagesLoadedBy("cdktf-api-keys/clients", REPO);

    // THEN
    expect(emulator).toEqual(expect.arrayContaining(["ajv", "yaml"]));
    expect(emulator).not.toContain("cdktf");
    expect(clients).toContain("axios");
    expect(clients).not.toContain("ajv");
    expect(clients).not.toContain("cdktf");
  });

  describe("the CDK core", () => {
    /**
     * Loads dist/src/cdktf.js in a fresh node process in which `cdktn` resolves to a stand-in (the repo
     * has only cdktf) and each name in `missing` resolves to nothing; `before` is required first, as an
     * app requires its core before the library. Prints which core was chosen, or the error.
     */
    async function chooseCore(options: { missing?: string[]; before?: string }): Promise<string> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-core-"));
      try {
        const standIn = path.join(dir, "cdktn.js");
        fs.writeFileSync(standIn, "module.exports = { standIn: true };\n");
        const script = `
          const Module = require("module");
          const resolve = Module._resolveFilename;
          const missing = ${JSON.stringify(options.missing ?? [])};
          Module._resolveFilename = function (request, ...rest) {
            if (missing.includes(request)) throw Object.assign(new Error("Cannot find module " + request), { code: "MODULE_NOT_FOUND" });
            if (request === "cdktn") return ${JSON.stringify(standIn)};
            return resolve.call(this, request, ...rest);
          };
          ${options.before ? `require(${JSON.stringify(options.before)});` : ""}
          try {
            process.stdout.write(require(${JSON.stringify(path.join(REPO, "dist/src/cdktf.js"))}).corePackage);
          } catch (e) {
            process.stdout.write(e.message);
          }`;
        return (await mustRun(process.execPath, ["-e", script], { cwd: REPO })).stdout;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    test("is cdktf when both are installed and the app has loaded neither yet", async () => {
      expect(await chooseCore({})).toBe("cdktf");
    });

    test("is the one the app has loaded already when both are installed", async () => {
      expect(await chooseCore({ before: "cdktn" })).toBe("cdktn");
      expect(await chooseCore({ before: "cdktf" })).toBe("cdktf");
    });

    test("is cdktn when cdktf is not installed", async () => {
      expect(await chooseCore({ missing: ["cdktf"] })).toBe("cdktn");
    });

    test("missing altogether fails with the install commands", async () => {
      expect(await chooseCore({ missing: ["cdktf", "cdktn"] })).toMatch(
        /found neither `cdktf` nor `cdktn`.*`npm install cdktf@\^0\.21 constructs`.*`npm install cdktn constructs`/,
      );
    });
  });
});
