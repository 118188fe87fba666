/**
 * What the constructs synthesize on the provider engine: the `apikeys` provider (once per stack, with
 * its executable copied into the stack's implied local mirror so `terraform init` needs no network),
 * and its two resource types. The attribute names are the provider's schema (src/provider/resources).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { App, onSynthesize, Lazy, TerraformProvider, TerraformResource, TerraformStack } from "../cdktf";
import type { ISynthesisSession, ITerraformDependable } from "../cdktf";
import { packageRoot } from "../package-root";
import { MIRROR_PLATFORMS, PROVIDER, providerExecutableName, RESOURCE_TYPES } from "../provider-contract";
import type { Api } from "./api";
import { providerBundleMissing } from "./errors";
import { escapeTemplate } from "./escape";
import type { SecretStore } from "./secret-store";
import { usePortableDefaultBackend } from "./portable-backend";

const PROVIDER_ID = "cdktf-api-keys-provider";

/** The `apikeys` provider block, and the executable in the stack's mirror. */
class ApiKeysProvider extends TerraformProvider {
  constructor(
    scope: Construct,
    id: string,
    private readonly version: string,
    private readonly bundle: string,
  ) {
    super(scope, id, {
      terraformResourceType: PROVIDER.type,
      terraformGeneratorMetadata: { providerName: PROVIDER.type, providerVersion: version },
      terraformProviderSource: PROVIDER.source,
    });
    const stack = TerraformStack.of(this);
    onSynthesize(this, (session: ISynthesisSession) => this.installInMirror(session, stack));
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { project_dir: Lazy.stringValue({ produce: () => projectFromStack(TerraformStack.of(this)) }) };
  }

  /**
   * Copies the executable to `terraform.d/plugins/<source>/<version>/<os_arch>/` in the stack directory,
   * and records its checksum in the stack's dependency lock file, as `terraform init` would: tools that
   * lock providers against a registry first (cdktf-cli's `deploy` runs `terraform providers lock`) then
   * find it locked and leave it alone, and `terraform init` verifies the copy against it.
   */
  private installInMirror(session: ISynthesisSession, stack: TerraformStack): void {
    const stackDir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
    const name = providerExecutableName(this.version);
    for (const platform of MIRROR_PLATFORMS) {
      const dir = path.join(stackDir, "terraform.d", "plugins", PROVIDER.source, this.version, platform);
      fs.mkdirSync(dir, { recursive: true });
      const target = path.join(dir, name);
      fs.copyFileSync(this.bundle, target);
      fs.chmodSync(target, 0o755);
    }
    lockProvider(path.join(stackDir, ".terraform.lock.hcl"), this.version, packageHash(name, fs.readFileSync(this.bundle)));
  }
}

/**
 * Terraform's `h1:` package checksum (Go's dirhash "Hash1") of a package directory holding one file:
 * the SHA-256 of the line `<sha256 hex of the file>  <name>\n`, base64.
 */
export function packageHash(name: string, content: Buffer): string {
  const line = `${createHash("sha256").update(content).digest("hex")}  ${name}\n`;
  return `h1:${createHash("sha256").update(line).digest("base64")}`;
}

/** Writes (or replaces) this provider's block in a dependency lock file, keeping every other provider's. */
function lockProvider(file: string, version: string, hash: string): void {
  const block = `provider "${PROVIDER.hostname}/${PROVIDER.namespace}/${PROVIDER.type}" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = [\n    "${hash}",\n  ]\n}\n`;
  const header = "# This file is maintained automatically by \"terraform init\".\n# Manual edits may be lost in future updates.\n";
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : header;
  const ours = new RegExp(`provider "${PROVIDER.source.replace(/[.]/g, "\\.")}" \\{[\\s\\S]*?\\n\\}\\n`);
  const updated = ours.test(existing) ? existing.replace(ours, block) : `${existing.trimEnd()}\n\n${block}`;
  if (updated !== existing) fs.writeFileSync(file, updated);
}

/** The stack's provider, added on first use. */
export function apiKeysProvider(scope: Construct): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(PROVIDER_ID);
  if (existing) return existing as TerraformProvider;
  usePortableDefaultBackend(stack);
  const root = packageRoot();
  const bundle = path.join(root, "dist", "provider.cjs");
  if (!fs.existsSync(bundle)) throw providerBundleMissing(bundle);
  const { version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  return new ApiKeysProvider(stack, PROVIDER_ID, version, bundle);
}

/** A resource of the `apikeys` provider with the attributes given (snake_case, as the schema names them). */
export class ProviderResource extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    type: (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES],
    private readonly attributes: () => { [name: string]: unknown },
    dependsOn?: ITerraformDependable[],
  ) {
    super(scope, id, {
      terraformResourceType: type,
      terraformGeneratorMetadata: { providerName: PROVIDER.type },
      provider: apiKeysProvider(scope),
      dependsOn,
    });
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return this.attributes();
  }
}

/** The `api` map attribute: which API and where (the token's variable travels separately, in `token_env`). */
export function apiAttributes(api: Api): Record<string, string> {
  const spec = api.toSpec();
  return {
    kind: spec.kind,
    base_url: escapeTemplate(spec.baseUrl),
    ...(spec.environmentId !== undefined ? { environment_id: escapeTemplate(spec.environmentId) } : {}),
  };
}

/** The `store` map attribute: where secrets go and which recipient they are encrypted to. */
export function storeAttributes(store: SecretStore): Record<string, string> {
  const spec = store.toSpec();
  return { kind: spec.kind, directory: escapeTemplate(spec.directory), recipient: spec.recipient };
}

/** Relative path from the synthesized stack directory to the project directory (never absolute). */
export function projectFromStack(stack: TerraformStack): string {
  const stackDir = path.resolve(App.of(stack).outdir, "stacks", stack.node.id);
  return path.relative(stackDir, process.cwd()).split(path.sep).join("/") || ".";
}
