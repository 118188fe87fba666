// Bundles the hook program into one self-contained file, dist/hook.js, that the constructs add to each
// stack as an asset: a synthesized stack directory then runs anywhere with node and terraform.
// Every hook is a node process and Terraform starts one per resource, so start-up time matters: what
// the hook can never use is left out of the bundle (see `unused`).
const path = require("path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");

// axios's node build imports `form-data` (and through it the 130 KB mime-db) for multipart bodies; the
// hook only sends JSON, so it gets an empty FormData class instead.
const unused = {
  name: "unused",
  setup(build) {
    build.onResolve({ filter: /^form-data$/ }, () => ({ path: "form-data", namespace: "unused" }));
    build.onLoad({ filter: /.*/, namespace: "unused" }, () => ({
      contents: "module.exports = class FormData { constructor() { throw new Error('multipart bodies are not supported by the hook'); } };",
      loader: "js",
    }));
  },
};

esbuild
  .build({
    entryPoints: [path.join(root, "src/hook/main.ts")],
    outfile: path.join(root, "dist/hook.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    plugins: [unused],
  })
  .catch(() => {
    process.exitCode = 1;
  });
