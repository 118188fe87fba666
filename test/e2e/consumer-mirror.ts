/**
 * Installs the consumer fixture provider (consumer-provider.ts) into a synthesized stack's implied
 * local mirror with a lock entry, as the library installs its own provider, so `terraform init` finds
 * it without a registry.
 */
import { bundleTestProvider } from "../provider/protocol/terraform-workspace";
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { packageHash } from "../../src/constructs/provider-resources";

export const CONSUMER = { source: "example.local/test/consumer", version: "0.1.0" } as const;
const PLATFORM = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
const EXECUTABLE = `terraform-provider-consumer_v${CONSUMER.version}`;

/** Bundles the consumer provider into one executable script at `outfile`. */
export function bundleConsumerProvider(outfile: string): void {
  bundleTestProvider(
    'import { serve } from "../../src/provider/protocol";\nimport { createConsumerProvider } from "./consumer-provider";\nserve(createConsumerProvider());\n',
    __dirname,
    outfile,
  );
}

/** Copies the bundle into `stackDir`'s mirror and adds its block to the stack's `.terraform.lock.hcl`. */
export function installConsumer(stackDir: string, bundle: string): void {
  const dir = join(stackDir, "terraform.d", "plugins", CONSUMER.source, CONSUMER.version, PLATFORM);
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundle, join(dir, EXECUTABLE));
  chmodSync(join(dir, EXECUTABLE), 0o755);
  const lock = join(stackDir, ".terraform.lock.hcl");
  if (readFileSync(lock, "utf8").includes(`provider "${CONSUMER.source}"`)) return;
  const hash = packageHash([{ name: basename(EXECUTABLE), content: readFileSync(bundle) }]);
  appendFileSync(lock, `\nprovider "${CONSUMER.source}" {\n  version     = "${CONSUMER.version}"\n  constraints = "${CONSUMER.version}"\n  hashes = [\n    "${hash}",\n  ]\n}\n`);
}
