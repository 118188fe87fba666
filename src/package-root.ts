import * as fs from "fs";
import * as path from "path";

let cached: string | undefined;

/**
 * The directory holding this package's package.json, found by walking up from this file. Works from
 * `src/` (tests), from `dist/src/` (the built library) and from an installed copy under node_modules.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "cdktf-api-keys") return (cached = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdktf-api-keys: cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}
