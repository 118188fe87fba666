/**
 * The errors of {@link AwsSecretsManagerStore}: one class, and the function that turns whatever the
 * AWS SDK threw into a message that names the action, the secret and the fix. Messages never carry a
 * secret value: known values are scrubbed from anything AWS said before it is quoted.
 */
import { redact } from "../redact";

/** A store failure explained in its message. */
export class AwsSecretsManagerStoreError extends Error {
  /**
   * @param code what failed, for programs: the AWS error name (`AccessDeniedException`,
   *   `ResourceNotFoundException`, `InvalidRequestException`, `CredentialsProviderError`...), `EEXIST`
   *   for a mint intent that exists already, or a code of this store (`ScheduledForDeletion`,
   *   `RegionMissing`, `NotAStoreSecret`, `RecordTooLong`, `StillDeleting`, `ConnectionFailed`)
   */
  constructor(
    message: string,
    public readonly code?: string,
  ) {
    super(message);
    this.name = "AwsSecretsManagerStoreError";
  }
}

/** What the store was doing when a call failed. */
export interface CallContext {
  /** The Secrets Manager operation, e.g. `PutSecretValue`. */
  readonly action: string;
  /** The secret name (or `*` for ListSecrets). */
  readonly secretName: string;
  /** What it was for, e.g. `write the secret at secretPath "billing/prod"`. */
  readonly purpose: string;
  /** The store's region, when known. */
  readonly region?: string;
  /** The endpoint override, when one is set. */
  readonly endpoint?: string;
  /** The store's name prefix (for the IAM resource to grant). */
  readonly namePrefix: string;
  /** The KMS key of the store, when one is set (some failures need KMS permissions). */
  readonly kmsKeyId?: string;
  /** Values that must never appear in a message (the key value, the whole payload). */
  readonly secrets?: readonly string[];
}

/** The AWS error name of `e` (`ResourceNotFoundException`...), or undefined for a non-AWS error. */
export function awsErrorName(e: unknown): string | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * True for the InvalidRequestException Secrets Manager answers about a secret scheduled for deletion
 * ("... because it was marked for deletion", "... is already scheduled for deletion", "... currently
 * marked deleted"). The same exception type has other causes, so the message decides.
 */
export function isScheduledForDeletion(e: unknown): boolean {
  return awsErrorName(e) === "InvalidRequestException" && /marked for deletion|scheduled for deletion|marked deleted/i.test(errorText(e));
}

/** The message of an error, duck-typed (errors from another realm are not `instanceof Error`). */
export function errorText(e: unknown): string {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(e);
}

/** The error explaining `e`, thrown by an AWS SDK call made in `ctx`. */
export function explainAwsError(e: unknown, ctx: CallContext): AwsSecretsManagerStoreError {
  const name = awsErrorName(e) ?? "Error";
  const said = redact(errorText(e), ctx.secrets ?? []);
  const where = ctx.region ? ` in ${ctx.region}` : "";
  const resource = ctx.action === "ListSecrets" ? "*" : `arn:aws:secretsmanager:${ctx.region ?? "<region>"}:<account-id>:secret:${ctx.namePrefix}/*`;
  const cannot = `cannot ${ctx.purpose}`;
  // The code property, or the code in the message: the SDK wraps an error from another realm (a test
  // sandbox) into a plain Error whose message is all that is left of it.
  const codeProperty = (e as { code?: unknown } | null)?.code;
  const networkCode = typeof codeProperty === "string" && NETWORK_CODES.test(codeProperty) ? codeProperty : NETWORK_CODE_IN_TEXT.exec(said)?.[1];

  if (name === "CredentialsProviderError" || /could not load credentials/i.test(said)) {
    return new AwsSecretsManagerStoreError(
      `${cannot}: no AWS credentials were found, so ${ctx.action} was not sent. Set AWS_ACCESS_KEY_ID and ` +
        "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or AWS_PROFILE to a profile in " +
        "~/.aws/credentials or ~/.aws/config (run `aws sso login --profile <name>` first for an SSO profile), or run " +
        `where a role provides them (EC2 instance profile, ECS task role, EKS web identity). The SDK said: ${said}`,
      "CredentialsProviderError",
    );
  }
  if (/region is missing/i.test(said)) {
    return new AwsSecretsManagerStoreError(
      `${cannot}: no AWS region is set. Pass \`region\` to the store, or set AWS_REGION (or a region in the AWS_PROFILE profile).`,
      "RegionMissing",
    );
  }
  switch (name) {
    case "AccessDeniedException":
    case "AccessDenied":
      return new AwsSecretsManagerStoreError(
        `${cannot}: Secrets Manager denied ${ctx.action} on ${ctx.action === "ListSecrets" ? "the account's secrets" : `secret ${ctx.secretName}`}${where}. ` +
          `The caller needs the IAM permission secretsmanager:${ctx.action} on ${resource}` +
          `${kmsHint(ctx)}. AWS said: ${said}`,
        "AccessDeniedException",
      );
    case "UnrecognizedClientException":
    case "InvalidClientTokenId":
      return new AwsSecretsManagerStoreError(
        `${cannot}: AWS does not recognize the access key the request was signed with${where} (${ctx.action} on ${ctx.secretName}). ` +
          "Check AWS_ACCESS_KEY_ID (and AWS_SESSION_TOKEN for temporary credentials) or the AWS_PROFILE profile, and that the " +
          `key belongs to this region's partition. AWS said: ${said}`,
        name,
      );
    case "ExpiredTokenException":
    case "ExpiredToken":
      return new AwsSecretsManagerStoreError(
        `${cannot}: the AWS credentials have expired (${ctx.action} on ${ctx.secretName}). Refresh them (for an SSO profile: ` +
          `\`aws sso login --profile <name>\`) and apply again. AWS said: ${said}`,
        name,
      );
    case "InvalidSignatureException":
    case "SignatureDoesNotMatch":
    case "IncompleteSignatureException":
      return new AwsSecretsManagerStoreError(
        `${cannot}: AWS refused the request's signature (${ctx.action} on ${ctx.secretName}). Check AWS_SECRET_ACCESS_KEY, the ` +
          `machine's clock, and that the store's region${where ? ` (${ctx.region})` : ""} is the one the endpoint serves. AWS said: ${said}`,
        name,
      );
    case "ResourceNotFoundException":
      return new AwsSecretsManagerStoreError(
        `${cannot}: Secrets Manager has no secret ${ctx.secretName}${where} (${ctx.action}). Check the store's namePrefix ` +
          `"${ctx.namePrefix}" and region, and that the stack holding this key was applied. AWS said: ${said}`,
        name,
      );
    case "DecryptionFailure":
    case "EncryptionFailure":
    case "KMSAccessDeniedException":
      return new AwsSecretsManagerStoreError(
        `${cannot}: Secrets Manager could not use the secret's KMS key (${ctx.action} on ${ctx.secretName}${where}). The key must ` +
          `be enabled, and the caller needs kms:GenerateDataKey and kms:Decrypt on ${ctx.kmsKeyId ?? "the key (aws/secretsmanager unless the secret names another)"}. AWS said: ${said}`,
        name,
      );
    case "ThrottlingException":
    case "LimitExceededException":
      return new AwsSecretsManagerStoreError(`${cannot}: Secrets Manager refused ${ctx.action} on ${ctx.secretName} for a quota or rate limit; apply again later. AWS said: ${said}`, name);
  }
  if (isScheduledForDeletion(e)) {
    return new AwsSecretsManagerStoreError(
      `${cannot}: secret ${ctx.secretName}${where} is scheduled for deletion: restore it with ` +
        `\`aws secretsmanager restore-secret --secret-id ${ctx.secretName}${ctx.region ? ` --region ${ctx.region}` : ""}\`, or wait until its recovery window ends. AWS said: ${said}`,
      "ScheduledForDeletion",
    );
  }
  if (networkCode !== undefined) {
    return new AwsSecretsManagerStoreError(
      `${cannot}: Secrets Manager could not be reached at ${ctx.endpoint ?? `its endpoint${where}`} (${networkCode}, ${ctx.action}). ` +
        "Check the network, the proxy settings and the store's `endpoint`/`region`.",
      "ConnectionFailed",
    );
  }
  return new AwsSecretsManagerStoreError(`${cannot}: Secrets Manager ${ctx.action} on ${ctx.secretName}${where} failed: ${name}: ${said}`, name);
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/;
const NETWORK_CODE_IN_TEXT = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

function kmsHint(ctx: CallContext): string {
  if (ctx.kmsKeyId === undefined || !["CreateSecret", "PutSecretValue", "GetSecretValue", "UpdateSecret"].includes(ctx.action)) return "";
  return ` (and kms:GenerateDataKey and kms:Decrypt on KMS key ${ctx.kmsKeyId})`;
}
