/**
 * Every synth-time error of the constructs, as small factories whose messages name the construct,
 * the prop, the bad value and the fix.
 */

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** The most characters of a user's value a message shows. */
export const MAX_SHOWN_CHARACTERS = 80;

/**
 * A value as messages show it: as JSON (strings quoted, line breaks and control characters escaped),
 * cut to {@link MAX_SHOWN_CHARACTERS} and followed by its full length when longer, so that a pasted
 * 10 KB blob does not flood the terminal: `"abc…" (10240 characters)`.
 */
export function showValue(value: unknown, max: number = MAX_SHOWN_CHARACTERS): string {
  if (typeof value === "string") {
    return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(cut(value, max))}… (${value.length} characters)`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // a BigInt or a cycle
  }
  return text.length <= max ? text : `${cut(text, max)}… (${text.length} characters of JSON)`;
}

/** Text such as a resolved path, unquoted, cut like {@link showValue} when longer than `max`. */
export function capText(text: string, max: number = MAX_SHOWN_CHARACTERS): string {
  return text.length <= max ? text : `${cut(text, max)}… (${text.length} characters)`;
}

/** The first `max` UTF-16 units of `text`, without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

const show = showValue;

export const invalidProp = (where: string, prop: string, value: unknown, rule: string): ConfigurationError =>
  new ConfigurationError(`${where}: \`${prop}\` ${rule} (got ${show(value)}).`);

export const missingProp = (where: string, prop: string, hint: string): ConfigurationError =>
  new ConfigurationError(`${where}: \`${prop}\` is required. ${hint}`);

export const recipientFileUnreadable = (file: string, resolved: string, reason: string): ConfigurationError =>
  new ConfigurationError(
    `SecretStore.ageFile: cannot read \`recipientFile\` ${show(file)} (${capText(resolved)}): ${reason}. ` +
      "Create an identity and its recipient with `npx cdktf-api-keys keygen --identity .keys/identity.txt " +
      "--recipient .keys/recipient.txt` (or `age-keygen`), and keep the identity file out of version control.",
  );

export const tokenEnvNotAName = (where: string, reason: string): ConfigurationError =>
  new ConfigurationError(
    `${where}: \`tokenEnv\` must be the NAME of an environment variable holding the admin token, never the token itself ` +
      `(the value given ${reason}). A name has 1 to 64 letters, digits and underscores, does not start with a digit and ` +
      "reads as words, e.g. FLOWNALLY_TOKEN or FACTORY_ADMIN_TOKEN. The value is not shown because it may be a token: " +
      "if it is one, rotate it, as it may now sit in shell history, CI logs or source control.",
  );

export const recipientInvalid = (file: string, resolved: string, recipient: string, problem: string): ConfigurationError =>
  new ConfigurationError(
    `SecretStore.ageFile: \`recipientFile\` ${show(file)} (${capText(resolved)}) holds ${show(recipient)}, which is not a valid ` +
      `age recipient: ${problem}.`,
  );

export const recipientFileMalformed = (file: string): ConfigurationError =>
  new ConfigurationError(
    `SecretStore.ageFile: \`recipientFile\` ${show(file)} holds no age recipient. It must contain one public key ` +
      "line starting with `age1` (the output of `age-keygen -y identity.txt`), never the identity itself.",
  );

export const duplicateSecretPath = (path: string, secretPath: string, other: string): ConfigurationError =>
  new ConfigurationError(
    `ApiKey ${path}: \`secretPath\` ${show(secretPath)} in this store is already used by ApiKey ${other} in the same ` +
      "stack. Each key needs its own secretPath: give one of them another path.",
  );

export const accountOfAnotherApi = (path: string, account: string): ConfigurationError =>
  new ConfigurationError(
    `ApiKey ${path}: \`api\` differs from the api of its \`serviceAccount\` (${account}). A key is minted by the API ` +
      "that owns its account: drop the key's `api` prop or give the account the same Api.",
  );

export const accountWithoutStore = (path: string): ConfigurationError =>
  new ConfigurationError(
    `ServiceAccount ${path}: nowhere to keep the account's record. Set \`store\`, or create at least one ApiKey ` +
      "for the account (its store is used by default).",
  );

export const nullProviderMissing = (path: string, reason: string): ConfigurationError =>
  new ConfigurationError(
    `${path}: \`carrier: "null_resource"\` needs the @cdktf/provider-null package (${reason}). ` +
      'Install it with `npm install @cdktf/provider-null`, or use the default `carrier: "terraform_data"`.',
  );

export const hookBundleMissing = (file: string): ConfigurationError =>
  new ConfigurationError(
    `cdktf-api-keys: the hook program ${file} is missing. Build the package first (\`npm run build\`).`,
  );

export const notSupportedBy = (where: string, prop: string, api: string, instead: string): ConfigurationError =>
  new ConfigurationError(`${where}: \`${prop}\` is not supported by the ${api} API. ${instead}`);

export const accountsNotCreatable = (path: string, api: string): ConfigurationError =>
  new ConfigurationError(
    `ServiceAccount ${path}: ${api} service accounts are created in ${api}'s web app, not through its API. ` +
      "Reference an existing one with ServiceAccount.fromId(scope, id, { api, serviceAccountId }).",
  );

export const providerBundleMissing = (file: string): ConfigurationError =>
  new ConfigurationError(
    `cdktf-api-keys: the provider executable ${file} is missing. Build the package first (\`npm run build\`).`,
  );

export const selfContainedPackageMissing = (stack: string, platform: string, pkg: string, version: string, from: string): ConfigurationError =>
  new ConfigurationError(
    `ProviderPlatforms of stack ${stack}: \`selfContained\` names ${platform}, but the package that holds its executable, ${pkg}, ` +
      `is not installed in the app (looked for from ${capText(from)}). Install it with \`npm install --save-dev ${pkg}@${version}\` ` +
      `(on any machine: it is copied into the stack, never run where you synthesize), or remove ${platform} from \`selfContained\` ` +
      "to carry the Node.js script there.",
  );

export const selfContainedVersionMismatch = (pkg: string, found: string, version: string, dir: string): ConfigurationError =>
  new ConfigurationError(
    `cdktf-api-keys: ${pkg} (${capText(dir)}) is at version ${showValue(found)}, but cdktf-api-keys is at ${version}: the provider ` +
      `executable must be the same version as the constructs. Install \`npm install --save-dev ${pkg}@${version}\`.`,
  );

export const selfContainedExecutableMissing = (pkg: string, file: string): ConfigurationError =>
  new ConfigurationError(
    `cdktf-api-keys: ${pkg} has no executable at ${capText(file)}. Reinstall it (\`npm install --save-dev ${pkg}\`); when it is ` +
      "this repository's packages/ folder, build it first with `node scripts/build-provider-executable.js`.",
  );

export const carrierWithoutHooks = (where: string): ConfigurationError =>
  new ConfigurationError(
    `${where}: \`carrier\` applies only to the fallback hooks engine. Add \`engine: "hooks"\` to use it, or remove \`carrier\` ` +
      "to use the default provider engine.",
  );

export const engineMismatch = (path: string, keyEngine: string, account: string, accountEngine: string): ConfigurationError =>
  new ConfigurationError(
    `ApiKey ${path}: \`engine\` is "${keyEngine}" but its serviceAccount ${account} uses "${accountEngine}". A key and the ` +
      "account it is minted for must use the same engine: set the same `engine` on both.",
  );

export const providerEngineOnly = (path: string, attribute: string): ConfigurationError =>
  new ConfigurationError(
    `${path}: \`${attribute}\` is known only on the provider engine (the hooks engine keeps no state). Remove \`engine: "hooks"\` to use it.`,
  );

export const rotationNeedsProvider = (where: string, prop: string): ConfigurationError =>
  new ConfigurationError(
    `${where}: \`${prop}\` needs the provider engine: the hooks engine runs only on create and destroy, so it cannot decide at plan ` +
      'time that a key is due, nor create the new key before revoking the old one. Remove `engine: "hooks"` (the provider is the default), or remove `' +
      prop +
      "`.",
  );

export const hclOutputNotSupported = (): ConfigurationError =>
  new ConfigurationError(
    "cdktf-api-keys: HCL output (`hclOutput: true` on the App) is not supported: the stack's ServiceAccounts and ApiKeys are written " +
      "as JSON. Remove `hclOutput` (Terraform reads the synthesized cdk.tf.json as it is).",
  );

export const ephemeralValueMisused = (owner: string, places: readonly string[]): ConfigurationError =>
  new ConfigurationError(
    `ApiKey ${owner}: its secretValue() is used in ${places.join(", ")}, where Terraform refuses an ephemeral value (it would be ` +
      "stored in plan or state). Pass it only to a write-only argument, named `*_wo` (e.g. `secret_string_wo`, `value_wo`, `data_wo`), " +
      "with `apiKey.generation` in its `*_wo_version` (or `*_wo_revision`), or to a provider block or another ephemeral block. " +
      "To use the value in another stack, call secretValue(scope) with a scope in that stack.",
  );

export const secretValueNeedsProvider = (where: string): ConfigurationError =>
  new ConfigurationError(
    `${where}: \`secretValue()\` needs the provider engine: the value is opened by the provider's ephemeral resource apikeys_secret, and ` +
      'the hooks engine (terraform_data or null_resource carriers) cannot offer one. Remove `engine: "hooks"` (the provider is the default).',
  );
