import * as fs from "fs";
import * as path from "path";
import { SELF_CONTAINED_EXECUTABLE, SELF_CONTAINED_PACKAGES } from "../../src/provider-contract";
import { REPO } from "./support";

const build = require("../../scripts/build-provider-executable.js") as { PLATFORMS: Record<string, { packageDir: string }>; EXECUTABLE: string };

/** The platform packages' manifests agree with what synth looks for and with the main package. */
describe("the platform packages (packages/provider-linux-*)", () => {
  const main = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string; license: string };

  test.each(Object.entries(SELF_CONTAINED_PACKAGES))("%s: %s is at the main package's version and ships only the executable synth copies", (_platform, name) => {
    const dir = Object.values(build.PLATFORMS).find((p) => path.basename(p.packageDir) === name.replace(/^cdktf-api-keys-/, ""))!.packageDir;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name, version: main.version, license: main.license, files: [SELF_CONTAINED_EXECUTABLE] });
    // Installed where the app is synthesized, whatever that machine is: no os or cpu field to refuse it, no install script.
    expect(manifest).not.toHaveProperty("os");
    expect(manifest).not.toHaveProperty("cpu");
    expect(manifest).not.toHaveProperty("scripts");
    expect(build.EXECUTABLE).toBe(SELF_CONTAINED_EXECUTABLE);
  });
});
