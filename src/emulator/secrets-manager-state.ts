/**
 * The in-memory Secrets Manager behind the emulator: secrets, their versions and staging labels,
 * tags, scheduled deletion, and the operations that act on them. Knows nothing of HTTP: each operation
 * takes the validated JSON input and returns the JSON output, or throws a {@link SecretsManagerFault}
 * with the error type and message the service documents.
 *
 * The behaviours follow the service's model (the published API reference):
 * - a secret scheduled for deletion (`DeleteSecret` with a recovery window) keeps its name; every
 *   operation but `DescribeSecret`, `RestoreSecret`, `ListSecrets` (with `IncludePlannedDeletion`) and a
 *   forced `DeleteSecret` fails with `InvalidRequestException`, and `CreateSecret` of that name too;
 * - `ForceDeleteWithoutRecovery` deletes "with an asynchronous background process": the name stays
 *   taken for `forceDeleteDelayMs` (0 by default), and a forced delete of a missing secret succeeds;
 * - `ListSecrets` filters by prefix (`name` case-sensitive, `description` not), `!` negates, and pages
 *   with an opaque `NextToken`;
 * - `ClientRequestToken` makes `CreateSecret`, `PutSecretValue` and `UpdateSecret` idempotent.
 */
import { createHash, randomBytes, randomUUID } from "crypto";

/** An error the service answers with: its `__type`, message and HTTP status. */
export class SecretsManagerFault extends Error {
  constructor(
    public readonly type: string,
    message: string,
    public readonly status: number = 400,
  ) {
    super(message);
    this.name = type;
  }
}

interface Version {
  readonly id: string;
  readonly secretString?: string;
  readonly secretBinary?: string;
  readonly created: Date;
  readonly stages: Set<string>;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  description?: string;
  kmsKeyId?: string;
  readonly tags: Map<string, string>;
  readonly versions: Map<string, Version>;
  readonly created: Date;
  lastChanged: Date;
  lastAccessed?: Date;
  /** When `DeleteSecret` scheduled the deletion (the service's `DeletedDate`). */
  deleted?: Date;
  /** When the recovery window ends (the `DeletionDate` of the `DeleteSecret` answer). */
  deletion?: Date;
}

/** A secret as {@link SecretsManagerState.snapshot} shows it to tests. */
export interface SecretSnapshot {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdDate: string;
  /** Set while the secret is scheduled for deletion. */
  readonly deletedDate?: string;
  readonly deletionDate?: string;
  readonly versions: readonly { readonly versionId: string; readonly stages: readonly string[]; readonly secretString?: string; readonly hasBinary: boolean }[];
}

/** How {@link SecretsManagerState} behaves. */
export interface SecretsManagerStateOptions {
  readonly region: string;
  readonly accountId: string;
  readonly now: () => Date;
  /** Most secrets a `ListSecrets` page holds, whatever `MaxResults` asks (the service may return fewer). */
  readonly listPageSize: number;
  /** How long the name of a secret deleted with `ForceDeleteWithoutRecovery` stays taken. */
  readonly forceDeleteDelayMs: number;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_TAGS = 50;
/** Characters a secret name may hold, per the `Name` documentation of `CreateSecret`. */
const NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
/** Characters of a tag key or value (AWS tagging rules: letters, digits, spaces, `_ . : / = + - @`). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const NOT_FOUND = "Secrets Manager can't find the specified secret.";

export class SecretsManagerState {
  readonly #secrets = new Map<string, Secret>();
  /** Names of secrets deleted with `ForceDeleteWithoutRecovery` whose background deletion is not done yet. */
  readonly #purging = new Map<string, number>();

  constructor(private readonly options: SecretsManagerStateOptions) {}

  /** Runs the operation `name` on a validated input. */
  public run(name: string, input: Input): Output {
    this.purgeExpired();
    switch (name) {
      case "CreateSecret":
        return this.createSecret(input);
      case "PutSecretValue":
        return this.putSecretValue(input);
      case "GetSecretValue":
        return this.getSecretValue(input);
      case "DescribeSecret":
        return this.describeSecret(input);
      case "DeleteSecret":
        return this.deleteSecret(input);
      case "RestoreSecret":
        return this.restoreSecret(input);
      case "TagResource":
        return this.tagResource(input);
      case "UntagResource":
        return this.untagResource(input);
      case "UpdateSecret":
        return this.updateSecret(input);
      case "ListSecrets":
        return this.listSecrets(input);
      default:
        throw new SecretsManagerFault("UnknownOperationException", `Operation ${name} is not supported by this emulator.`);
    }
  }

  /** The ARN of the secret `secretId` names (name, full or partial ARN), if it exists. */
  public arnOf(secretId: unknown): string | undefined {
    return typeof secretId === "string" ? this.find(secretId)?.arn : undefined;
  }

  /** Every secret (scheduled ones included), oldest first, with values: for tests only. */
  public snapshot(): SecretSnapshot[] {
    this.purgeExpired();
    return [...this.#secrets.values()].map((s) => ({
      name: s.name,
      arn: s.arn,
      ...(s.description !== undefined ? { description: s.description } : {}),
      ...(s.kmsKeyId !== undefined ? { kmsKeyId: s.kmsKeyId } : {}),
      tags: Object.fromEntries(s.tags),
      createdDate: s.created.toISOString(),
      ...(s.deleted ? { deletedDate: s.deleted.toISOString(), deletionDate: s.deletion?.toISOString() } : {}),
      versions: [...s.versions.values()].map((v) => ({
        versionId: v.id,
        stages: [...v.stages],
        ...(v.secretString !== undefined ? { secretString: v.secretString } : {}),
        hasBinary: v.secretBinary !== undefined,
      })),
    }));
  }

  private createSecret(input: Input): Output {
    const name = input.Name as string;
    if (!NAME_CHARS.test(name)) {
      throw new SecretsManagerFault("InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
    }
    rejectBothValues(input);
    if (input.AddReplicaRegions !== undefined) {
      throw new SecretsManagerFault("InvalidRequestException", "AddReplicaRegions: this emulator does not replicate secrets to other Regions.");
    }
    const tags = checkTags((input.Tags as { Key?: string; Value?: string }[] | undefined) ?? [], new Map());
    const existing = this.#secrets.get(name);
    if (existing?.deleted || this.#purging.has(name)) {
      throw new SecretsManagerFault("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    const token = input.ClientRequestToken as string | undefined;
    if (existing) {
      // A retry of the same request (same token and value) succeeds without a second version.
      const version = token === undefined ? undefined : existing.versions.get(token);
      if (version && version.secretString === input.SecretString && version.secretBinary === input.SecretBinary) {
        return { ARN: existing.arn, Name: existing.name, VersionId: version.id };
      }
      throw new SecretsManagerFault("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    }
    const now = this.options.now();
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${randomSuffix()}`,
      description: input.Description as string | undefined,
      kmsKeyId: emptyToUndefined(input.KmsKeyId),
      tags,
      versions: new Map(),
      created: now,
      lastChanged: now,
    };
    this.#secrets.set(name, secret);
    const out: Output = { ARN: secret.arn, Name: secret.name };
    if (hasValue(input)) out.VersionId = this.addVersion(secret, input, undefined).id;
    return out;
  }

  private putSecretValue(input: Input): Output {
    const secret = this.live(input.SecretId);
    rejectBothValues(input);
    if (!hasValue(input)) {
      throw new SecretsManagerFault("InvalidParameterException", "You must provide either SecretString or SecretBinary.");
    }
    const token = input.ClientRequestToken as string | undefined;
    const earlier = token === undefined ? undefined : secret.versions.get(token);
    if (earlier) {
      if (earlier.secretString === input.SecretString && earlier.secretBinary === input.SecretBinary) {
        return { ARN: secret.arn, Name: secret.name, VersionId: earlier.id, VersionStages: [...earlier.stages] };
      }
      throw new SecretsManagerFault(
        "ResourceExistsException",
        `You can't modify an existing version, you can only create a new version. A version with VersionId ${token} already exists with a different value.`,
      );
    }
    const version = this.addVersion(secret, input, input.VersionStages as string[] | undefined);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  private getSecretValue(input: Input): Output {
    const secret = this.live(input.SecretId);
    const versionId = input.VersionId as string | undefined;
    const stage = input.VersionStage as string | undefined;
    let version: Version | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version) throw new SecretsManagerFault("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (stage !== undefined && !version.stages.has(stage)) {
        throw new SecretsManagerFault("InvalidParameterException", `The VersionId ${versionId} and VersionStage ${stage} refer to different versions.`);
      }
    } else {
      const wanted = stage ?? "AWSCURRENT";
      version = [...secret.versions.values()].find((v) => v.stages.has(wanted));
      if (!version) throw new SecretsManagerFault("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    }
    const now = this.options.now();
    secret.lastAccessed = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
      VersionStages: [...version.stages],
      CreatedDate: epoch(version.created),
    };
  }

  private describeSecret(input: Input): Output {
    const secret = this.find(input.SecretId as string);
    if (!secret) throw new SecretsManagerFault("ResourceNotFoundException", NOT_FOUND);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId ? { KmsKeyId: secret.kmsKeyId } : {}),
      LastChangedDate: epoch(secret.lastChanged),
      ...(secret.lastAccessed ? { LastAccessedDate: epoch(secret.lastAccessed) } : {}),
      ...(secret.deleted ? { DeletedDate: epoch(secret.deleted) } : {}),
      ...(secret.tags.size > 0 ? { Tags: tagList(secret.tags) } : {}),
      VersionIdsToStages: stagesMap(secret),
      CreatedDate: epoch(secret.created),
    };
  }

  private deleteSecret(input: Input): Output {
    const secretId = input.SecretId as string;
    const window = input.RecoveryWindowInDays as number | undefined;
    const force = input.ForceDeleteWithoutRecovery === true;
    if (force && window !== undefined) {
      throw new SecretsManagerFault("InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    if (window !== undefined && (window < 7 || window > 30)) {
      throw new SecretsManagerFault("InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    const now = this.options.now();
    const secret = this.find(secretId);
    if (force) {
      // "If you forcibly delete an already deleted or nonexistent secret, the operation does not return
      // ResourceNotFoundException."
      if (!secret) return { Name: secretId, DeletionDate: epoch(now) };
      this.#secrets.delete(secret.name);
      if (this.options.forceDeleteDelayMs > 0) this.#purging.set(secret.name, now.getTime() + this.options.forceDeleteDelayMs);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: epoch(now) };
    }
    if (!secret) throw new SecretsManagerFault("ResourceNotFoundException", NOT_FOUND);
    if (secret.deleted) {
      throw new SecretsManagerFault("InvalidRequestException", "You tried to perform the operation on a secret that's currently marked deleted.");
    }
    secret.deleted = now;
    secret.deletion = new Date(now.getTime() + (window ?? 30) * DAY_MS);
    secret.lastChanged = now;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: epoch(secret.deletion) };
  }

  private restoreSecret(input: Input): Output {
    const secret = this.find(input.SecretId as string);
    if (!secret) throw new SecretsManagerFault("ResourceNotFoundException", NOT_FOUND);
    if (secret.deleted) {
      secret.deleted = undefined;
      secret.deletion = undefined;
      secret.lastChanged = this.options.now();
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  private tagResource(input: Input): Output {
    const secret = this.live(input.SecretId);
    const merged = checkTags(input.Tags as { Key?: string; Value?: string }[], secret.tags);
    secret.tags.clear();
    for (const [k, v] of merged) secret.tags.set(k, v);
    secret.lastChanged = this.options.now();
    return {};
  }

  private untagResource(input: Input): Output {
    const secret = this.live(input.SecretId);
    for (const key of input.TagKeys as string[]) secret.tags.delete(key);
    secret.lastChanged = this.options.now();
    return {};
  }

  private updateSecret(input: Input): Output {
    const secret = this.live(input.SecretId);
    rejectBothValues(input);
    const token = input.ClientRequestToken as string | undefined;
    if (hasValue(input) && token !== undefined && secret.versions.has(token)) {
      throw new SecretsManagerFault("ResourceExistsException", `A version with VersionId ${token} already exists. You can't modify an existing version.`);
    }
    if (input.Description !== undefined) secret.description = input.Description as string;
    if (input.KmsKeyId !== undefined) secret.kmsKeyId = emptyToUndefined(input.KmsKeyId);
    secret.lastChanged = this.options.now();
    const out: Output = { ARN: secret.arn, Name: secret.name };
    if (hasValue(input)) out.VersionId = this.addVersion(secret, input, undefined).id;
    return out;
  }

  private listSecrets(input: Input): Output {
    const filters = (input.Filters as { Key?: string; Values?: string[] }[] | undefined) ?? [];
    for (const f of filters) {
      if (f.Key === undefined || f.Values === undefined) {
        throw new SecretsManagerFault("InvalidParameterException", "Invalid filter: each filter needs a Key and at least one value in Values.");
      }
    }
    const includeDeleted = input.IncludePlannedDeletion === true;
    const order = (input.SortOrder as string | undefined) ?? "asc";
    const sortBy = (input.SortBy as string | undefined) ?? "created-date";
    const matching = [...this.#secrets.values()]
      .filter((s) => includeDeleted || !s.deleted)
      .filter((s) => filters.every((f) => matchesFilter(s, f.Key!, f.Values!, this.options.region)))
      .sort((a, b) => compareBy(sortBy, a, b) * (order === "desc" ? -1 : 1));
    // The token binds the query, so a token of another query (or a forged one) is refused.
    const query = createHash("sha256").update(JSON.stringify([filters, includeDeleted, order, sortBy])).digest("hex").slice(0, 16);
    let offset = 0;
    if (input.NextToken !== undefined) {
      const parsed = parseToken(input.NextToken as string);
      if (!parsed || parsed.q !== query) throw new SecretsManagerFault("InvalidNextTokenException", "The NextToken value is invalid.");
      offset = parsed.o;
    }
    const size = Math.min((input.MaxResults as number | undefined) ?? 100, this.options.listPageSize);
    const page = matching.slice(offset, offset + size);
    const out: Output = { SecretList: page.map((s) => listEntry(s)) };
    if (offset + size < matching.length) out.NextToken = Buffer.from(JSON.stringify({ o: offset + size, q: query })).toString("base64");
    return out;
  }

  /** Adds a version with the input's value; `stages` default to AWSCURRENT (AWSPREVIOUS follows the old current). */
  private addVersion(secret: Secret, input: Input, stages: readonly string[] | undefined): Version {
    const id = (input.ClientRequestToken as string | undefined) ?? randomUUID();
    const labels = stages ?? ["AWSCURRENT"];
    if (labels.includes("AWSCURRENT")) {
      const current = [...secret.versions.values()].find((v) => v.stages.has("AWSCURRENT"));
      if (current) {
        for (const v of secret.versions.values()) v.stages.delete("AWSPREVIOUS");
        current.stages.delete("AWSCURRENT");
        current.stages.add("AWSPREVIOUS");
      }
    }
    for (const v of secret.versions.values()) for (const l of labels) v.stages.delete(l);
    const version: Version = {
      id,
      secretString: input.SecretString as string | undefined,
      secretBinary: input.SecretBinary as string | undefined,
      created: this.options.now(),
      stages: new Set(labels),
    };
    secret.versions.set(id, version);
    secret.lastChanged = version.created;
    return version;
  }

  /** The secret `secretId` names, which must exist and not be scheduled for deletion. */
  private live(secretId: unknown): Secret {
    const secret = this.find(secretId as string);
    if (!secret) throw new SecretsManagerFault("ResourceNotFoundException", NOT_FOUND);
    if (secret.deleted) throw new SecretsManagerFault("InvalidRequestException", MARKED_FOR_DELETION);
    return secret;
  }

  /** By name, by full ARN, or by partial ARN (the ARN without its random suffix). */
  private find(secretId: string): Secret | undefined {
    const byName = this.#secrets.get(secretId);
    if (byName) return byName;
    for (const s of this.#secrets.values()) {
      if (s.arn === secretId || s.arn.slice(0, -7) === secretId) return s;
    }
    return undefined;
  }

  /** Ends the recovery windows and the background force deletions that are due. */
  private purgeExpired(): void {
    const now = this.options.now().getTime();
    for (const [name, s] of this.#secrets) if (s.deletion && s.deletion.getTime() <= now) this.#secrets.delete(name);
    for (const [name, until] of this.#purging) if (until <= now) this.#purging.delete(name);
  }
}

function hasValue(input: Input): boolean {
  return input.SecretString !== undefined || input.SecretBinary !== undefined;
}

function rejectBothValues(input: Input): void {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new SecretsManagerFault("InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
}

/** Tags merged into `existing`, checked against the tagging rules. */
function checkTags(tags: readonly { Key?: string; Value?: string }[], existing: ReadonlyMap<string, string>): Map<string, string> {
  const merged = new Map(existing);
  for (const tag of tags) {
    if (tag.Key === undefined) throw new SecretsManagerFault("InvalidParameterException", "A tag needs a Key.");
    const value = tag.Value ?? "";
    if (tag.Key.toLowerCase().startsWith("aws:")) {
      throw new SecretsManagerFault("InvalidParameterException", `Invalid tag key ${tag.Key}: the aws: prefix is reserved for AWS use.`);
    }
    if (!TAG_CHARS.test(tag.Key) || !TAG_CHARS.test(value)) {
      throw new SecretsManagerFault(
        "ValidationException",
        `Invalid tag ${JSON.stringify(tag.Key)}: keys and values may contain only letters, digits, spaces and _ . : / = + - @`,
      );
    }
    merged.set(tag.Key, value);
  }
  if (merged.size > MAX_TAGS) {
    throw new SecretsManagerFault("InvalidParameterException", `A secret can have at most ${MAX_TAGS} tags (this request would leave ${merged.size}).`);
  }
  return merged;
}

function matchesFilter(secret: Secret, key: string, values: readonly string[], region: string): boolean {
  const positive = values.filter((v) => !v.startsWith("!"));
  const negative = values.filter((v) => v.startsWith("!")).map((v) => v.slice(1));
  const test = (value: string): boolean => {
    switch (key) {
      case "name":
        return secret.name.startsWith(value);
      case "description":
        return (secret.description ?? "").toLowerCase().startsWith(value.toLowerCase());
      case "tag-key":
        return [...secret.tags.keys()].some((k) => k.startsWith(value));
      case "tag-value":
        return [...secret.tags.values()].some((v) => v.startsWith(value));
      case "primary-region":
        return region.startsWith(value);
      case "owning-service":
        return false; // no secret here is managed by another service
      default: {
        // "all": the value's words, each found in the name, the description or a tag, any case
        const haystack = [secret.name, secret.description ?? "", ...secret.tags.keys(), ...secret.tags.values()].join(" ").toLowerCase();
        return value
          .split(/[^A-Za-z0-9]+/)
          .filter((w) => w !== "")
          .every((w) => haystack.includes(w.toLowerCase()));
      }
    }
  };
  return (positive.length === 0 || positive.some(test)) && !negative.some(test);
}

function compareBy(sortBy: string, a: Secret, b: Secret): number {
  const key = (s: Secret): number | string =>
    sortBy === "name" ? s.name : sortBy === "last-changed-date" ? s.lastChanged.getTime() : sortBy === "last-accessed-date" ? (s.lastAccessed?.getTime() ?? 0) : s.created.getTime();
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function listEntry(s: Secret): Output {
  return {
    ARN: s.arn,
    Name: s.name,
    ...(s.description ? { Description: s.description } : {}),
    ...(s.kmsKeyId ? { KmsKeyId: s.kmsKeyId } : {}),
    LastChangedDate: epoch(s.lastChanged),
    ...(s.lastAccessed ? { LastAccessedDate: epoch(s.lastAccessed) } : {}),
    ...(s.deleted ? { DeletedDate: epoch(s.deleted) } : {}),
    ...(s.tags.size > 0 ? { Tags: tagList(s.tags) } : {}),
    SecretVersionsToStages: stagesMap(s),
    CreatedDate: epoch(s.created),
  };
}

/** Versions that carry a staging label; unlabelled ones are deprecated and not shown. */
function stagesMap(s: Secret): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of s.versions.values()) if (v.stages.size > 0) out[v.id] = [...v.stages];
  return out;
}

function tagList(tags: ReadonlyMap<string, string>): { Key: string; Value: string }[] {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

function parseToken(token: string): { o: number; q: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { o?: unknown; q?: unknown };
    return typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0 && typeof parsed.q === "string" ? { o: parsed.o, q: parsed.q } : undefined;
  } catch {
    return undefined;
  }
}

/** JSON protocol timestamps: epoch seconds, fractional. */
function epoch(date: Date): number {
  return date.getTime() / 1000;
}

function emptyToUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The six random characters Secrets Manager appends to a secret's name in its ARN. */
function randomSuffix(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join("");
}
