import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mustRun, REPO } from "./support";

/**
 * `npm pack` on a checkout that was never built: `prepack` builds first, so the tarball has the code.
 * The checkout is a copy of the repository's files as git sees them (tracked, and new files not
 * ignored: the work in progress of a shared tree belongs to it), without dist/; node_modules is linked.
 */
describe("npm pack on a clean checkout", () => {
  let checkout: string;
  afterAll(() => {
    if (checkout) fs.rmSync(checkout, { recursive: true, force: true });
  });

  test("builds first and ships the entry points, the two programs, the OpenAPI documents and the protocol files", async () => {
    // GIVEN
    checkout = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-checkout-"));
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" })
      .split("\0")
      // Files only: a deleted file is still listed, and a node_modules that is a link is no directory to git.
      .filter((file) => file !== "" && !file.startsWith("node_modules") && fs.lstatSync(path.join(REPO, file), { throwIfNoEntry: false })?.isFile());
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      fs.copyFileSync(path.join(REPO, file), path.join(checkout, file));
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(checkout, "node_modules"), "dir");
    expect(fs.existsSync(path.join(checkout, "dist"))).toBe(false);

    // WHEN
    const { stdout } = await mustRun("npm", ["pack", "--dry-run", "--json"], { cwd: checkout });

    // THEN
    const [{ files: packed }] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const paths = packed.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "dist/src/index.js",
        "dist/src/index.d.ts",
        "dist/src/cdktf-fallback.d.ts",
        "dist/src/emulator/index.js",
        "dist/src/emulator/index.d.ts",
        "dist/src/clients/index.js",
        "dist/src/clients/index.d.ts",
        "dist/src/cli/main.js",
        "dist/provider.cjs",
        "dist/hook.cjs",
        "openapi/flownally.yaml",
        "openapi/factory.yaml",
        "openapi/flexprice.yaml",
        "src/provider/protocol/tfplugin6.8.proto",
        "src/provider/protocol/LICENSE-terraform-plugin-protocol",
      ]),
    );
    // Nothing of the sources but the protocol files, no tests, no build of the examples or scripts.
    expect(paths.filter((p) => /^(test|examples|scripts|dist\/examples|dist\/scripts)\//.test(p) || (p.startsWith("src/") && !p.startsWith("src/provider/protocol/")))).toEqual([]);
    // No provider executable: those are the platform packages' (packages/provider-linux-*, built into their bin/).
    const [{ unpackedSize }] = JSON.parse(stdout) as [{ unpackedSize: number }];
    expect(paths.filter((p) => /^(packages|build)\//.test(p) || p.endsWith("terraform-provider-apikeys"))).toEqual([]);
    expect(unpackedSize).toBeLessThan(10_000_000);
    // Every entry point that package.json names is in the tarball.
    const manifest = JSON.parse(fs.readFileSync(path.join(checkout, "package.json"), "utf8")) as { exports: Record<string, string | Record<string, string>>; bin: Record<string, string> };
    const named = [
      ...Object.values(manifest.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target))),
      ...Object.values(manifest.bin),
    ].map((p) => p.replace(/^\.\//, ""));
    expect(named.filter((p) => !paths.includes(p))).toEqual([]);
  });
});
