// Bundles the hook program into one self-contained file, dist/hook.js, that the constructs add to each
// stack as an asset: a synthesized stack directory then runs anywhere with node and terraform.
const path = require("path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
esbuild.buildSync({
  entryPoints: [path.join(root, "src/hook/main.ts")],
  outfile: path.join(root, "dist/hook.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
