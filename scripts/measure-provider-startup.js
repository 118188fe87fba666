// Measures how long a provider takes from spawn to its handshake line, against `node -e 0` (spawn to
// exit), as medians of interleaved runs. Terraform starts the provider four times per apply, so this
// is paid four times per command.
//
//   node scripts/measure-provider-startup.js [provider.cjs | executable] [--runs N]
//
// A native executable (an ELF file, such as the self-contained provider that
// scripts/build-provider-executable.js builds) is started as it is; a script with node.
// Without a path it bundles the protocol tests' fixture provider (test/provider/protocol) with esbuild
// (minified, like scripts/bundle.js) into a temporary directory.
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 10;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "provider-startup-"));

function bundle(entry, outfile) {
  esbuild.buildSync({ ...entry, bundle: true, platform: "node", target: "node20", format: "cjs", minify: true, outfile, logLevel: "error" });
  return outfile;
}

function fixtureBundle() {
  const contents = 'import { serve } from "./protocol";\nimport { createFixtureProvider } from "../../test/provider/protocol/fixture-provider";\nserve(createFixtureProvider(process.env.FIXTURE_DIR));\n';
  return bundle({ stdin: { contents, resolveDir: path.join(root, "src/provider"), loader: "ts" } }, path.join(tmp, "fixture-provider.cjs"));
}

/** A client certificate for PLUGIN_CLIENT_CERT, made by the provider's own tls.ts. */
function clientCertificate() {
  const tls = require(bundle({ entryPoints: [path.join(root, "src/provider/protocol/tls.ts")] }, path.join(tmp, "tls.cjs")));
  return tls.createTlsIdentity().certPem;
}

function time(command, commandArgs, env, untilOutput) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(command, commandArgs, { env, stdio: ["ignore", "pipe", "inherit"] });
    child.on("error", reject);
    if (untilOutput) {
      child.stdout.once("data", (line) => {
        const ms = elapsed();
        child.kill();
        if (!String(line).startsWith("1|6|tcp|")) reject(new Error(`unexpected handshake line: ${line}`));
        else resolve(ms);
      });
    } else {
      child.on("exit", () => resolve(elapsed()));
    }
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const provider = args[0] ? path.resolve(args[0]) : fixtureBundle();
  const native = fs.readFileSync(provider).subarray(0, 4).toString("latin1") === "\x7fELF";
  const start = native ? [provider, []] : [process.execPath, [provider]];
  const env = {
    ...process.env,
    TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    PLUGIN_PROTOCOL_VERSIONS: "5,6",
    PLUGIN_CLIENT_CERT: clientCertificate(),
    FIXTURE_DIR: tmp,
  };
  const baseline = [];
  const handshake = [];
  await time(...start, env, true); // warm the file cache
  for (let i = 0; i < runs; i++) {
    baseline.push(await time(process.execPath, ["-e", "0"], env, false));
    handshake.push(await time(...start, env, true));
  }
  const b = median(baseline);
  const h = median(handshake);
  console.log(`node -e 0:              median ${b.toFixed(0)} ms (${baseline.map((v) => v.toFixed(0)).join(" ")})`);
  console.log(`provider to handshake:  median ${h.toFixed(0)} ms (${handshake.map((v) => v.toFixed(0)).join(" ")})`);
  console.log(`ratio: ${(h / b).toFixed(2)}x  (${path.relative(process.cwd(), provider)})`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
