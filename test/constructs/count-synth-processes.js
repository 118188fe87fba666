// Run by synth-processes.test.ts in a plain node process: counts the child processes started while a
// stack is synthesized. child_process is patched before cdktf is loaded, so every call is seen.
const childProcess = require("child_process");
const calls = [];
for (const name of ["execSync", "execFileSync", "spawnSync", "spawn", "exec", "execFile", "fork"]) {
  const original = childProcess[name];
  childProcess[name] = (...args) => {
    calls.push(`${name} ${String(args[0])}`);
    return original(...args);
  };
}
const fs = require("fs");
const os = require("os");
const path = require("path");
const { App, DataResource, TerraformStack } = require("cdktf");
const { Api, ApiKey, SecretStore, ServiceAccount } = require("../../dist/src");

const [mode, count] = [process.argv[2], Number(process.argv[3] ?? 100)];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-count-"));
let resources;
try {
  fs.writeFileSync(path.join(dir, "recipient.txt"), "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n");
  const app = new App({ outdir: path.join(dir, "cdktf.out") });
  const stack = new TerraformStack(app, "count");
  if (mode === "control") {
    for (let i = 0; i < count; i++) new DataResource(stack, `plain-${i}`, { input: i });
  } else {
    const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: path.join(dir, "recipient.txt") });
    const sa = new ServiceAccount(stack, "sa", { api, name: "sa" });
    for (let i = 0; i < count; i++) new ApiKey(stack, `key-${i}`, { serviceAccount: sa, name: `k${i}`, store, secretPath: `k/${i}` });
  }
  app.synth();
  resources = Object.assign({}, ...Object.values(JSON.parse(fs.readFileSync(path.join(dir, "cdktf.out/stacks/count/cdk.tf.json"), "utf8")).resource));
} finally {
  // Also when synth throws: the test sees the error, the temp dir does not stay behind.
  fs.rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({ resources: Object.keys(resources).length, calls }));
