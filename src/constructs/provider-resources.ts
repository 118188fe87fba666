/**
 * What the constructs synthesize on the provider engine: the `apikeys` provider (once per stack, with
 * its executable copied into the stack's implied local mirror so `terraform init` needs no network),
 * and its two resource types. The attribute names are the provider's schema (src/provider/resources).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { App, onSynthesize, Lazy, TerraformLocal, TerraformProvider, TerraformResource, TerraformStack } from "../cdktf";
import type { ISynthesisSession, ITerraformDependable } from "../cdktf";
import { packageRoot } from "../package-root";
import { PROVIDER, providerExecutableName, RESOURCE_TYPES, STACK_IDENTITY_NAME } from "../provider-contract";
import type { Api } from "./api";
import { hclOutputNotSupported, providerBundleMissing } from "./errors";
import { escapeTemplate, escapeTemplates } from "./escape";
import { storeReadingAttributes, storeToAttributes } from "../store-attributes";
import type { SecretStore } from "./secret-store";
import { usePortableDefaultBackend } from "./portable-backend";
import { ProviderPlatforms } from "./provider-platforms";

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
   * Puts the provider into `terraform.d/plugins/<source>/<version>/<os_arch>/` in the stack directory
   * for each platform the stack carries (the Node.js script, or on Linux the self-contained executable
   * from its package, see ProviderPlatforms), and records the checksum of each distinct platform folder
   * in the stack's dependency lock file, as `terraform init` would: tools that lock providers against a
   * registry first (cdktf-cli's `deploy` runs `terraform providers lock`) then find it locked and leave
   * it alone, and `terraform init` verifies the folder it installs against it.
   */
  private installInMirror(session: ISynthesisSession, stack: TerraformStack): void {
    const stackDir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
    const plugins = path.join(stackDir, "terraform.d", "plugins", PROVIDER.source, this.version);
    const hashes = new Set<string>();
    const carried = ProviderPlatforms.resolve(stack, process.cwd(), this.version);
    for (const provider of carried) {
      const files =
        provider.kind === "executable" ? [{ name: providerExecutableName(this.version), source: provider.file, executable: true }] : providerFiles(this.version, this.bundle);
      const dir = path.join(plugins, provider.platform);
      fs.rmSync(dir, { recursive: true, force: true }); // what an earlier synth put there (a script's side files, say)
      fs.mkdirSync(dir, { recursive: true });
      for (const file of files) placeFile(file.source, path.join(dir, file.name), file.executable ? 0o755 : 0o644);
      hashes.add(packageHash(files.map((f) => ({ name: f.name, sha256: fileSha256(f.source) }))));
    }
    // A platform an earlier synth carried and this one does not: gone, so the directory matches the lock file.
    if (fs.existsSync(plugins)) {
      for (const entry of fs.readdirSync(plugins)) if (!carried.some((p) => p.platform === entry)) fs.rmSync(path.join(plugins, entry), { recursive: true, force: true });
    }
    lockProvider(path.join(stackDir, ".terraform.lock.hcl"), this.version, [...hashes].sort());
    // The executable's name ends in ".0", not ".cjs": in an ESM app ("type": "module") node would refuse
    // to load it, so the stack directory says it holds CommonJS, whatever the app around it says.
    fs.writeFileSync(path.join(stackDir, "package.json"), '{ "type": "commonjs" }\n');
  }
}

/**
 * Puts `source` at `target` with `mode`: a hard link when the source already has that mode (the script
 * package is 1.3 MB and goes to up to four platform directories on every synth, the executable 125 MB),
 * else a copy, as on another file system or where links are not allowed. A link never changes the
 * source's mode.
 */
function placeFile(source: string, target: string, mode: number): void {
  fs.rmSync(target, { force: true });
  try {
    if ((fs.statSync(source).mode & 0o777) === mode) {
      fs.linkSync(source, target);
      return;
    }
  } catch {
    // EXDEV, EPERM, ...: copy instead
  }
  fs.copyFileSync(source, target);
  fs.chmodSync(target, mode);
}

/** The SHA-256 (hex) of a file, kept per file for as long as its size and modification time stay the same (the executable is 125 MB). */
function fileSha256(file: string): string {
  const stat = fs.statSync(file);
  const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const known = sha256Cache.get(file);
  if (known?.stamp === stamp) return known.sha256;
  const sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  sha256Cache.set(file, { stamp, sha256 });
  return sha256;
}

const sha256Cache = new Map<string, { stamp: string; sha256: string }>();

/** The script package: the executable script, and what it loads from beside itself on first use (see scripts/bundle.js). */
function providerFiles(version: string, bundle: string): { name: string; source: string; executable: boolean }[] {
  return [
    { name: providerExecutableName(version), source: bundle, executable: true },
    ...PROVIDER_SIDE_FILES.map((name) => ({ name, source: path.join(path.dirname(bundle), name), executable: false })),
  ];
}

/** Files the provider loads from its own directory on first use. */
export const PROVIDER_SIDE_FILES: readonly string[] = ["provider-runtime.cjs", "provider-aws-secrets-manager.cjs"];

/**
 * Terraform's `h1:` package checksum (Go's dirhash "Hash1") of a package directory: the SHA-256 of one
 * line `<sha256 hex of the file>  <name>\n` per file, sorted by name, base64.
 */
export function packageHash(files: readonly ({ name: string; content: Buffer } | { name: string; sha256: string })[]): string {
  const lines = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${"sha256" in f ? f.sha256 : createHash("sha256").update(f.content).digest("hex")}  ${f.name}\n`)
    .join("");
  return `h1:${createHash("sha256").update(lines).digest("base64")}`;
}

/**
 * Writes (or replaces) this provider's block in a dependency lock file, keeping every other provider's:
 * one `h1:` per distinct platform folder (terraform accepts a folder matching any of them).
 */
function lockProvider(file: string, version: string, hashes: readonly string[]): void {
  const block = `provider "${PROVIDER.hostname}/${PROVIDER.namespace}/${PROVIDER.type}" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = [\n${hashes.map((h) => `    "${h}",\n`).join("")}  ]\n}\n`;
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
  const provider = new ApiKeysProvider(stack, PROVIDER_ID, version, bundle);
  // The stack's identity (src/provider/resources/stack-identity-resource.ts): every key and account names it as its owner.
  new ProviderResource(stack, STACK_IDENTITY_NAME, RESOURCE_TYPES.stackIdentity, () => ({
    name: escapeTemplate(stack.node.id),
    stores: [...(storesOfStack.get(stack)?.values() ?? [])],
  })).overrideLogicalId(STACK_IDENTITY_NAME);
  return provider;
}

/** `owner` of a key or account in `scope`'s stack: a reference to the stack identity's id. */
export function stackIdentityReference(scope: Construct): string {
  apiKeysProvider(scope);
  return `\${${RESOURCE_TYPES.stackIdentity}.${STACK_IDENTITY_NAME}.id}`;
}

/** Per stack: where its keys and accounts are stored (by content), for the identity's first-apply check. */
const storesOfStack = new WeakMap<TerraformStack, Map<string, Record<string, string>>>();

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
      dependsOn,
    });
    // The stack's one `apikeys` provider block is the default configuration for every `apikeys_*`
    // resource, so the resources do not name it (a `provider` meta-argument per resource would only add
    // to what synth resolves); the state records the same provider either way.
    apiKeysProvider(scope);
  }

  /** Called only for `new App({ hclOutput: true })`, which these resources do not support. */
  public toHclTerraform(): never {
    throw hclOutputNotSupported();
  }

  /** The attributes that are set: an unset one left as `undefined` would still be walked by each of synth's resolve passes. */
  protected synthesizeAttributes(): { [name: string]: unknown } {
    const set: { [name: string]: unknown } = {};
    for (const [name, value] of Object.entries(this.attributes())) if (value !== undefined) set[name] = value;
    return set;
  }
}

/** The `api` map attribute: which API and where (the token's variable travels separately, in `token_env`). */
export function apiAttributes(api: Api): Record<string, string> {
  let attributes = apiCache.get(api);
  if (!attributes) {
    const spec = api.toSpec();
    attributes = {
      kind: spec.kind,
      base_url: escapeTemplate(spec.baseUrl),
      ...(spec.environmentId !== undefined ? { environment_id: escapeTemplate(spec.environmentId) } : {}),
    };
    apiCache.set(api, attributes);
  }
  return attributes;
}

// One map per Api and per store, shared by all their keys: synth builds them once, not once per key.
const apiCache = new WeakMap<Api, Record<string, string>>();
const storeCache = new WeakMap<SecretStore, Record<string, string>>();

/** The `store` map attribute: where secrets go and how they are written (see src/store-attributes.ts). */
export function storeAttributes(store: SecretStore): Record<string, string> {
  let attributes = storeCache.get(store);
  if (!attributes) storeCache.set(store, (attributes = escapeTemplates(storeToAttributes(store.toSpec()))));
  return attributes;
}

/**
 * The `api` attribute of a resource in `scope`'s stack: a reference to a local holding the map, one
 * local per distinct map in the stack (see {@link sharedMapReference}).
 */
export function apiReference(scope: Construct, api: Api): string {
  return sharedMapReference(scope, "api", apiAttributes(api));
}

/** The `store` attribute of a resource in `scope`'s stack, as {@link apiReference}. */
export function storeReference(scope: Construct, store: SecretStore): string {
  const attributes = storeAttributes(store);
  const stack = TerraformStack.of(scope);
  let stores = storesOfStack.get(stack);
  if (!stores) storesOfStack.set(stack, (stores = new Map()));
  const reading = storeReadingAttributes(attributes);
  stores.set(JSON.stringify(Object.entries(reading).sort()), reading);
  return sharedMapReference(scope, "store", attributes);
}

/**
 * `${local.apikeys_<what>_<kind>_<hash>}`, adding that local to the stack on first use. A thousand keys
 * share a handful of API and store maps: written out in every resource, each map's values would be
 * walked by each of cdktf's three resolve passes and parsed by Terraform once per resource. A reference
 * to a local is one string; Terraform substitutes the map before the provider sees it, so the plan and
 * the state show the map as before. Must be called while constructing (it adds a construct).
 */
function sharedMapReference(scope: Construct, what: "api" | "store", map: Record<string, string>): string {
  const stack = TerraformStack.of(scope);
  let shared = sharedMaps.get(stack);
  if (!shared) sharedMaps.set(stack, (shared = new Map()));
  const content = JSON.stringify(Object.keys(map).sort().map((field) => [field, map[field]]));
  let reference = shared.get(content);
  if (!reference) {
    const name = `apikeys_${what}_${map.kind.replace(/[^A-Za-z0-9]/g, "_")}_${createHash("sha256").update(content).digest("hex").slice(0, 8)}`;
    new TerraformLocal(stack, name, map).overrideLogicalId(name);
    reference = `\${local.${name}}`;
    shared.set(content, reference);
  }
  return reference;
}

/** Per stack: the map's content -> the reference to its local. */
const sharedMaps = new WeakMap<TerraformStack, Map<string, string>>();

/** Relative path from the synthesized stack directory to the project directory (never absolute). */
export function projectFromStack(stack: TerraformStack): string {
  const stackDir = path.resolve(App.of(stack).outdir, "stacks", stack.node.id);
  return path.relative(stackDir, process.cwd()).split(path.sep).join("/") || ".";
}
