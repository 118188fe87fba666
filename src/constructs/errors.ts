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

const show = (value: unknown): string => JSON.stringify(value);

export const invalidProp = (where: string, prop: string, value: unknown, rule: string): ConfigurationError =>
  new ConfigurationError(`${where}: \`${prop}\` ${rule} (got ${show(value)}).`);

export const missingProp = (where: string, prop: string, hint: string): ConfigurationError =>
  new ConfigurationError(`${where}: \`${prop}\` is required. ${hint}`);

export const recipientFileUnreadable = (file: string, resolved: string, reason: string): ConfigurationError =>
  new ConfigurationError(
    `SecretStore.ageFile: cannot read \`recipientFile\` ${show(file)} (${resolved}): ${reason}. ` +
      "Create an identity and its recipient with `npx cdktf-api-keys keygen --identity .keys/identity.txt " +
      "--recipient .keys/recipient.txt` (or `age-keygen`), and keep the identity file out of version control.",
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
