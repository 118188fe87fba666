// Inside the self-contained provider executable (a Node single executable application), what the script
// provider loads from beside itself on first use (provider-runtime.cjs, provider-aws-secrets-manager.cjs)
// is an asset of the executable instead: this evaluates one, once, as CommonJS. A SEA's `require` loads
// only Node's built-in modules, which is all these bundles require besides each other.
// Bundled by scripts/build-provider-executable.js into each file that loads an asset.
const sea = require("node:sea");
const vm = require("node:vm");

const loaded = new Map();

module.exports = function loadAsset(name) {
  let module = loaded.get(name);
  if (!module) {
    module = { exports: {} };
    loaded.set(name, module);
    const filename = `${process.execPath}/${name}`;
    const source = sea.getAsset(name, "utf8");
    const run = vm.compileFunction(source.replace(/^#!.*/, ""), ["exports", "require", "module", "__filename", "__dirname"], { filename });
    run.call(module.exports, module.exports, require, module, filename, process.execPath);
  }
  return module.exports;
};
