// Bundles the two programs a synthesized stack runs into self-contained CommonJS files (`.cjs`, so
// they load as CommonJS even inside an ESM app whose package.json says "type": "module"):
// - dist/provider.cjs: the provider plugin, copied into each stack's implied local mirror;
// - dist/hook.cjs: the fallback engine's hook program, added to each hooks-engine stack as an asset.
// Terraform starts the provider four times per apply and the hook once per resource and phase, so
// start-up time matters: what neither can use is left out (see `unused`).
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const { version } = require(path.join(root, "package.json"));

/**
 * The first lines of dist/provider.cjs: a shell launcher that is also JavaScript. `sh` runs line 2 (to
 * JavaScript a string and a comment): without `node` on PATH it prints, on stdout, the one line that
 * Terraform shows in its error ("Unrecognized remote plugin message: ..."), naming the fix; started by
 * Terraform, it then waits to be stopped (Terraform kills a plugin whose first line is no handshake, and
 * exiting at once could race Terraform's read of that line). With `node` it execs node on this same
 * file, to which both lines are a hashbang, a string and a comment.
 */
const NO_NODE_MESSAGE =
  `cdktf-api-keys: this provider is a Node.js script and node is not on PATH. Either add the self-contained executable ` +
  `(npm install --save-dev cdktf-api-keys-provider-linux-x64@${version}, or cdktf-api-keys-provider-linux-arm64@${version} on arm64), ` +
  "synthesize again and apply the new stack directory, or install Node.js 20+ where terraform runs.";
const LAUNCHER = [
  "#!/bin/sh",
  `":" //; command -v node >/dev/null 2>&1 || { printf '%s\\n' '${NO_NODE_MESSAGE}'; [ -n \"$TF_PLUGIN_MAGIC_COOKIE\" ] && [ -x /bin/sleep ] && exec /bin/sleep 60; exit 1; }; exec node "$0" "$@"`,
].join("\n");

// axios's node build imports `form-data` (and through it the 130 KB mime-db) for multipart bodies;
// these programs only send JSON, so they get an empty FormData class instead.
const unused = {
  name: "unused",
  setup(build) {
    build.onResolve({ filter: /^form-data$/ }, () => ({ path: "form-data", namespace: "unused" }));
    build.onLoad({ filter: /.*/, namespace: "unused" }, () => ({
      contents: "module.exports = class FormData { constructor() { throw new Error('multipart bodies are not supported'); } };",
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [unused],
};

// The AWS SDK is most of the provider's code but only stacks on AWS Secrets Manager use it: it goes into
// a file of its own beside the provider (dist/provider-aws-secrets-manager.cjs, copied into the mirror
// with it), loaded on first use, so every other start of the provider does not parse it.
const awsStoreBeside = {
  name: "aws-store-beside",
  setup(build) {
    build.onResolve({ filter: /\/aws-secrets-manager-store$/ }, (args) =>
      args.importer.endsWith(path.join("stores", "open-store.ts")) ? { path: "./provider-aws-secrets-manager.cjs", external: true } : undefined,
    );
  },
};

// Likewise the API clients and the stores (src/provider/runtime.ts): needed only once the provider
// works on a resource, so they sit beside it in dist/provider-runtime.cjs.
const runtimeBeside = {
  name: "runtime-beside",
  setup(build) {
    build.onResolve({ filter: /^\.\/runtime$/ }, (args) =>
      args.importer.endsWith(path.join("provider", "provider-context.ts")) ? { path: "./provider-runtime.cjs", external: true } : undefined,
    );
  },
};

function main() {
  return (
    Promise.all([
      esbuild.build({ ...common, entryPoints: [path.join(root, "src/hook/main.ts")], outfile: path.join(root, "dist/hook.cjs") }),
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, "src/provider/main.ts")],
        outfile: path.join(root, "dist/provider.cjs"),
        banner: { js: LAUNCHER },
        plugins: [unused, runtimeBeside],
      }),
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, "src/provider/runtime.ts")],
        outfile: path.join(root, "dist/provider-runtime.cjs"),
        plugins: [unused, awsStoreBeside],
      }),
      esbuild.build({
        ...common,
        entryPoints: [path.join(root, "src/stores/aws-secrets-manager-store.ts")],
        outfile: path.join(root, "dist/provider-aws-secrets-manager.cjs"),
      }),
    ])
      // The executable is linked into each stack's mirror when its mode is already the one Terraform needs.
      .then(() => fs.chmodSync(path.join(root, "dist/provider.cjs"), 0o755))
  );
}

module.exports = { common, unused, NO_NODE_MESSAGE };

if (require.main === module) {
  main().catch((e) => {
    if (!e.errors) console.error(e); // esbuild has reported its own errors already
    process.exitCode = 1;
  });
}
