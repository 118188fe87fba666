/**
 * The contract between the constructs (what synth writes) and the provider plugin (what Terraform
 * runs): the provider's address, its resource type names, their attribute names, and the environment
 * variables it reads. Plain data: imported by both sides, never imports cdktf.
 */

/** Where Terraform finds the provider: the implied local mirror `terraform.d/plugins/<source>/<version>/<os>_<arch>/`. */
export const PROVIDER = {
  hostname: "cdktf-api-keys.local",
  namespace: "cdktf-api-keys",
  /** The provider's type name: the prefix of its resource types and the `provider "apikeys" {}` block. */
  type: "apikeys",
  get source(): string {
    return `${this.hostname}/${this.namespace}/${this.type}`;
  },
} as const;

/** The executable's file name inside the mirror, as Terraform expects it. */
export const providerExecutableName = (version: string): string => `terraform-provider-${PROVIDER.type}_v${version}`;

/** A platform folder of the synthesized mirror (`<os>_<arch>`, as Terraform names them). */
export type MirrorPlatform = "linux_amd64" | "linux_arm64" | "darwin_amd64" | "darwin_arm64";

/** Platforms the synthesized mirror carries the provider for, unless the stack names fewer (ProviderPlatforms). */
export const MIRROR_PLATFORMS: readonly MirrorPlatform[] = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"];

/**
 * The platforms whose folder can hold the self-contained executable (Node.js inside: the runner needs no
 * `node`) instead of the Node.js script, and the npm package, installed in the app, that holds it. Built
 * in this repository by scripts/build-provider-executable.js (packages/provider-linux-*).
 */
export const SELF_CONTAINED_PACKAGES = {
  linux_amd64: "cdktf-api-keys-provider-linux-x64",
  linux_arm64: "cdktf-api-keys-provider-linux-arm64",
} as const;

export type SelfContainedPlatform = keyof typeof SELF_CONTAINED_PACKAGES;

/** Where the executable sits inside its platform package. */
export const SELF_CONTAINED_EXECUTABLE = "bin/terraform-provider-apikeys";

export const RESOURCE_TYPES = {
  stackIdentity: `${PROVIDER.type}_stack`,
  serviceAccount: `${PROVIDER.type}_service_account`,
  apiKey: `${PROVIDER.type}_api_key`,
} as const;

/** The Terraform name of each stack's one `apikeys_stack` resource (its identity), the same in every stack. */
export const STACK_IDENTITY_NAME = "stack_identity";

/** Ephemeral resource types (Terraform >= 1.10): opened at plan and apply, never stored. */
export const EPHEMERAL_TYPES = {
  secret: `${PROVIDER.type}_secret`,
} as const;

/** Environment variables the provider reads. The admin token's variable is named per resource (`token_env`). */
export const PROVIDER_ENV = {
  /** Overrides where the project directory is (relative store directories resolve against it). */
  projectDir: "CDKTF_API_KEYS_PROJECT_DIR",
  /** File holding the age identity: needed to re-encrypt stored secrets when the recipient changes, and to open `apikeys_secret`. */
  identity: "CDKTF_API_KEYS_IDENTITY",
  /** Per-request timeout of API calls, in seconds (default 30). */
  requestTimeout: "CDKTF_API_KEYS_REQUEST_TIMEOUT",
} as const;

/**
 * The `status` attribute: what the last read found. Anything but `active` plans a replacement;
 * `rotation_due` means the key is live but its rotation policy says it is due; `secret_missing` that
 * the path holds no secret of this key (none, or its record names another key); `secret_changed` that
 * the record names this key but the secret is not the one written with it (another writer's value, an
 * old version put back).
 */
export type KeyStatus = "active" | "revoked" | "expired" | "missing" | "secret_missing" | "secret_changed" | "rotation_due";
