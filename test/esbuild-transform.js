/**
 * Jest transformer for the ESM-only packages under node_modules (age-encryption, @noble/*, @scure/*):
 * esbuild rewrites their `import`/`export` to CommonJS so Jest's CommonJS runtime can load them.
 * Only jest.config.js's `transform` entry for those packages routes files here.
 */
const crypto = require("crypto");
const fs = require("fs");
const esbuild = require("esbuild");

const selfHash = crypto.createHash("sha256").update(fs.readFileSync(__filename)).update(esbuild.version).digest("hex");

module.exports = {
  process(sourceText, sourcePath) {
    const { code, map } = esbuild.transformSync(sourceText, {
      loader: "js",
      format: "cjs",
      target: "node20",
      sourcefile: sourcePath,
      sourcemap: "external",
    });
    return { code, map };
  },
  getCacheKey(sourceText, sourcePath) {
    return crypto.createHash("sha256").update(selfHash).update(sourcePath).update(sourceText).digest("hex");
  },
};
