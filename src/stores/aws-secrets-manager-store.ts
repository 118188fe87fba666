/**
 * A secret store in AWS Secrets Manager, through the official AWS SDK for JavaScript v3. One secret
 * per secret path, named `<namePrefix>/<secretPath>`:
 *
 * - its value (`SecretString`) is the JSON of the {@link SecretPayload}, encrypted by Secrets Manager
 *   with `kmsKeyId` (default: the `aws/secretsmanager` key);
 * - its description is the non-secret {@link KeyRecord}: `cdktf-api-keys key record: {...}`.
 *
 * Why the description and not tags: a record is one value that must come back exactly, and a
 * description is one string of up to 2048 characters of any text, replaced whole by one UpdateSecret
 * call. Tags would split it over several keys whose values are limited to 256 characters of letters,
 * digits, spaces and `_ . : / = + - @` (a key's name such as "Billing (prod)" or a construct address
 * would need an unreadable encoding, and `expiresAt: null` a sentinel), rewriting them takes TagResource
 * plus UntagResource (a reader can see a half-written record in between), and tags take part in IAM
 * decisions (ABAC), so rewriting them can change who may read the secret. The description shows in the
 * console's list of secrets, comes back from ListSecrets without a call per secret, needs no
 * `kms:Decrypt` or `GetSecretValue` to read (`hasSecret` and the records need only `DescribeSecret`),
 * and rewriting it creates no new version of the value (AWS asks not to create versions more often than
 * every 10 minutes). The store writes no tags.
 *
 * Hidden names hold what is not a key: `<namePrefix>/.cdktf-api-keys/intents/<secretPath>` (mint
 * intents), `<namePrefix>/.cdktf-api-keys/accounts/<address>` (account records) and
 * `<namePrefix>/.cdktf-api-keys/revocations/<key id>` (pending revocations), each a secret
 * without a value whose description is the record. A mint intent is claimed with CreateSecret, which
 * fails for a name that exists: the claim is exclusive with no check-then-write gap.
 *
 * Deleting: a key's secret is deleted with the `recoveryWindowDays` recovery window (or at once when 0),
 * and its record goes with it (they are one secret). Intents and account records hold nothing secret
 * and are deleted without recovery, so their names are free again at once.
 *
 * A secret path is re-used: a replaced key is destroy-first (its secret is deleted, then the new key is
 * written at the same path in the same apply). So `writeSecret` restores a secret scheduled for
 * deletion at that name (RestoreSecret), clears its stale record, and writes the new value as a new
 * version; refusing instead would fail every replacement for the length of the recovery window. Only
 * when the restore itself is refused does the error say how to restore the secret by hand, or to wait.
 *
 * Secrets Manager deletes "without recovery" in the background, so a name can stay taken for a moment
 * after such a delete: writes retry with backoff for up to `deletionWaitMs`. ListSecrets is eventually
 * consistent ("might not reflect changes from the last five minutes"), so `listKeyRecords` may lag
 * behind recent writes; every other read goes to DescribeSecret or GetSecretValue, which do not.
 */
import { randomUUID } from "crypto";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  UpdateSecretCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import { AwsSecretsManagerStoreError, awsErrorName, explainAwsError, isScheduledForDeletion, type CallContext } from "./aws-secrets-manager-errors";
import {
  decodeAccountRecord,
  decodeKeyRecord,
  decodeMintIntent,
  decodePendingRevocation,
  encodeAddress,
  encodeDescription,
  HIDDEN_FOLDER,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  NAME_CHARS,
  type Decoded,
  type RecordKind,
} from "./aws-secrets-manager-records";
import { validateSecretPath } from "./secret-path";
import { sortByDue } from "./pending-revocation";
import type { AccountRecord, KeyRecord, MintIntent, PendingRevocation, PreparedSecret, SecretPayload, SecretStoreBackend, StoredKeyRecord } from "./types";

export { AwsSecretsManagerStoreError } from "./aws-secrets-manager-errors";

/** How to open an {@link AwsSecretsManagerStore}. */
export interface AwsSecretsManagerStoreOptions {
  /**
   * The AWS region of the secrets, e.g. `eu-west-1`.
   * @default the SDK's: AWS_REGION, else the region of the AWS_PROFILE profile
   */
  readonly region?: string;
  /**
   * What every secret name starts with, e.g. `cdktf-api-keys/prod`: the secret of `billing/prod` is
   * `cdktf-api-keys/prod/billing/prod`. Letters, digits and `/_+=.@-`, no empty segment; a trailing
   * `/` changes nothing. Grant the store `secretsmanager:*Secret*` actions on
   * `arn:aws:secretsmanager:<region>:<account>:secret:<namePrefix>/*`.
   */
  readonly namePrefix: string;
  /**
   * The KMS key (ARN, key id or `alias/...`) new secrets are encrypted with.
   * @default the account's `aws/secretsmanager` key
   */
  readonly kmsKeyId?: string;
  /**
   * How many days a deleted key secret can still be restored: 7 to 30, or 0 to delete at once
   * without recovery.
   * @default 30 (Secrets Manager's own default)
   */
  readonly recoveryWindowDays?: number;
  /**
   * The Secrets Manager endpoint, for LocalStack-style emulators, e.g. `http://localhost:4566`.
   * @default the SDK's regional endpoint
   */
  readonly endpoint?: string;
  /**
   * Credentials, or a function returning them.
   * @default the SDK's default provider chain: environment (AWS_ACCESS_KEY_ID...), shared config and
   *   credentials files (AWS_PROFILE), SSO, web identity, container and instance roles
   */
  readonly credentials?: SecretsManagerClientConfig["credentials"];
  /**
   * How long a write waits for a name that a delete without recovery has not freed yet.
   * @default 30000
   */
  readonly deletionWaitMs?: number;
}

export type { StoredKeyRecord } from "./types";

/** A {@link SecretStoreBackend} keeping each key in an AWS Secrets Manager secret. */
export class AwsSecretsManagerStore implements SecretStoreBackend {
  /** The name prefix, without a trailing `/`. */
  public readonly namePrefix: string;
  /** Days a deleted key secret stays restorable (0: deleted at once). */
  public readonly recoveryWindowDays: number;
  readonly #client: SecretsManagerClient;
  readonly #region?: string;
  readonly #endpoint?: string;
  readonly #kmsKeyId?: string;
  readonly #deletionWaitMs: number;

  constructor(options: AwsSecretsManagerStoreOptions) {
    const { region, namePrefix, kmsKeyId, recoveryWindowDays = 30, endpoint, credentials, deletionWaitMs = 30_000 } =
      options ?? ({} as AwsSecretsManagerStoreOptions);
    const prefix = typeof namePrefix === "string" ? namePrefix.replace(/\/+$/, "") : namePrefix;
    if (typeof prefix !== "string" || prefix === "" || !NAME_CHARS.test(prefix) || prefix.startsWith("/") || prefix.includes("//")) {
      throw new AwsSecretsManagerStoreError(
        `AwsSecretsManagerStore: \`namePrefix\` must be letters, digits and /_+=.@- with no empty segment (got ${show(namePrefix)}), ` +
          'e.g. "cdktf-api-keys/prod". Secret names are <namePrefix>/<secretPath>.',
      );
    }
    if (prefix.length > MAX_NAME_LENGTH - 250) {
      throw new AwsSecretsManagerStoreError(
        `AwsSecretsManagerStore: \`namePrefix\` must be at most ${MAX_NAME_LENGTH - 250} characters (got ${prefix.length}): ` +
          `secret names hold at most ${MAX_NAME_LENGTH}, and a secretPath up to 200 more.`,
      );
    }
    if (region !== undefined && (typeof region !== "string" || !/^([a-z]+-)+\d+$/.test(region))) {
      throw new AwsSecretsManagerStoreError(`AwsSecretsManagerStore: \`region\` must be an AWS region code such as "eu-west-1" (got ${show(region)}).`);
    }
    if (!Number.isInteger(recoveryWindowDays) || (recoveryWindowDays !== 0 && (recoveryWindowDays < 7 || recoveryWindowDays > 30))) {
      throw new AwsSecretsManagerStoreError(
        `AwsSecretsManagerStore: \`recoveryWindowDays\` must be 0 (delete without recovery) or a whole number from 7 to 30 (got ${show(recoveryWindowDays)}).`,
      );
    }
    if (endpoint !== undefined && !isHttpUrl(endpoint)) {
      throw new AwsSecretsManagerStoreError(`AwsSecretsManagerStore: \`endpoint\` must be an http(s) URL such as "http://localhost:4566" (got ${show(endpoint)}).`);
    }
    if (kmsKeyId !== undefined && (typeof kmsKeyId !== "string" || kmsKeyId === "" || kmsKeyId.length > 2048)) {
      throw new AwsSecretsManagerStoreError(`AwsSecretsManagerStore: \`kmsKeyId\` must be a KMS key ARN, key id or alias/... name (got ${show(kmsKeyId)}).`);
    }
    if (!Number.isInteger(deletionWaitMs) || deletionWaitMs < 0) {
      throw new AwsSecretsManagerStoreError(`AwsSecretsManagerStore: \`deletionWaitMs\` must be a whole number of milliseconds, 0 or more (got ${show(deletionWaitMs)}).`);
    }
    this.namePrefix = prefix;
    this.recoveryWindowDays = recoveryWindowDays;
    this.#region = region;
    this.#endpoint = endpoint;
    this.#kmsKeyId = kmsKeyId;
    this.#deletionWaitMs = deletionWaitMs;
    this.#client = new SecretsManagerClient({
      ...(region !== undefined ? { region } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
    });
  }

  /** Closes the SDK client's connections. The store must not be used afterwards. */
  public close(): void {
    this.#client.destroy();
  }

  /**
   * Writes the payload as the value of `<namePrefix>/<secretPath>`: CreateSecret for a new path,
   * PutSecretValue (a new version) for an existing one, RestoreSecret first for one scheduled for deletion.
   */
  public async writeSecret(secretPath: string, payload: SecretPayload): Promise<void> {
    await (await this.prepareSecret(secretPath, payload)).write();
  }

  /**
   * The version is chosen here: a fresh UUID passed as the write's `ClientRequestToken`, which Secrets
   * Manager makes the new version's VersionId (and which makes a retried write idempotent).
   */
  public async prepareSecret(secretPath: string, payload: SecretPayload): Promise<PreparedSecret> {
    const name = this.secretName(secretPath);
    const version = randomUUID();
    return { version, write: () => this.putValue(name, secretPath, payload, version) };
  }

  /** The VersionId labelled AWSCURRENT (DescribeSecret: no decryption), or undefined without a live secret with a value. */
  public async secretVersion(secretPath: string): Promise<string | undefined> {
    const name = this.secretName(secretPath);
    const found = await this.describe(name, `check the secret at secretPath ${JSON.stringify(secretPath)}`);
    if (!found || found.DeletedDate !== undefined) return undefined;
    return Object.entries(found.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
  }

  private async putValue(name: string, secretPath: string, payload: SecretPayload, token: string): Promise<void> {
    const secretString = JSON.stringify(payload);
    const purpose = `write the secret at secretPath ${JSON.stringify(secretPath)}`;
    const secrets = [payload?.value, secretString].filter((s): s is string => typeof s === "string");
    const putCommand = () => new PutSecretValueCommand({ SecretId: name, SecretString: secretString, ClientRequestToken: token });
    const put = (): Promise<unknown> => this.call({ action: "PutSecretValue", name, purpose, secrets }, () => this.#client.send(putCommand()));

    await this.untilNameFree(name, purpose, async () => {
      try {
        await this.#client.send(new CreateSecretCommand({ Name: name, SecretString: secretString, ClientRequestToken: token, ...(this.#kmsKeyId ? { KmsKeyId: this.#kmsKeyId } : {}) }));
        return true;
      } catch (e) {
        if (awsErrorName(e) === "ResourceExistsException") {
          try {
            await this.#client.send(putCommand());
            return true;
          } catch (e2) {
            if (awsErrorName(e2) === "ResourceNotFoundException") return false; // deleted meanwhile: create again
            if (!isScheduledForDeletion(e2)) throw await this.explainWithRegion(e2, { action: "PutSecretValue", name, purpose, secrets });
          }
        } else if (!isScheduledForDeletion(e)) {
          throw await this.explainWithRegion(e, { action: "CreateSecret", name, purpose, secrets });
        }
      }
      // Scheduled for deletion: this path is being re-used, so the secret comes back with the new value.
      if (!(await this.restoreForReuse(name, purpose))) return false;
      await put();
      return true;
    });
  }

  /** Reads and parses the value of `<namePrefix>/<secretPath>` (GetSecretValue). */
  public async readSecret(secretPath: string): Promise<SecretPayload> {
    const name = this.secretName(secretPath);
    const purpose = `read the secret at secretPath ${JSON.stringify(secretPath)}`;
    let text: string | undefined;
    try {
      text = (await this.#client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException") {
        throw new AwsSecretsManagerStoreError(
          `no secret at secretPath ${JSON.stringify(secretPath)}: Secrets Manager${await this.inRegion()} has no secret ${name} with a value. ` +
            `Check the secretPath, the store's namePrefix "${this.namePrefix}" and region, and that the stack holding this key was applied.`,
          "ResourceNotFoundException",
        );
      }
      if (isScheduledForDeletion(e)) throw await this.scheduledError(name, purpose, e);
      throw await this.explainWithRegion(e, { action: "GetSecretValue", name, purpose });
    }
    const payload = parseJson(text ?? "");
    if (!isSecretPayload(payload)) {
      // Never show the value: it may be a key.
      throw new AwsSecretsManagerStoreError(
        `secret ${name} holds a value, but not a cdktf-api-keys secret (JSON with value, keyId, serviceAccountId, name, createdAt, expiresAt). ` +
          "Another tool may have written it: give this key another secretPath, or the store another namePrefix.",
        "NotAStoreSecret",
      );
    }
    return payload;
  }

  /**
   * Deletes the secret of `secretPath` (and the record in its description) with the recovery window;
   * no error when it is gone or scheduled for deletion already. A secret without a value (a record
   * alone) has nothing to delete and is left alone.
   */
  public async deleteSecret(secretPath: string): Promise<void> {
    const name = this.secretName(secretPath);
    const purpose = `delete the secret at secretPath ${JSON.stringify(secretPath)}`;
    const found = await this.describe(name, purpose);
    if (!found || found.DeletedDate !== undefined || !hasCurrentValue(found)) return;
    await this.deleteByName(name, purpose, this.recoveryWindowDays);
  }

  /** The record in the description of `<namePrefix>/<secretPath>`, or `undefined` when there is none. */
  public async readKeyRecord(secretPath: string): Promise<KeyRecord | undefined> {
    const name = this.secretName(secretPath);
    const found = await this.describe(name, `read the key record at secretPath ${JSON.stringify(secretPath)}`);
    if (!found || found.DeletedDate !== undefined) return undefined;
    return this.recordOf(name, "key record", decodeKeyRecord(found.Description));
  }

  /**
   * Writes the record into the description (UpdateSecret, which creates no version). Without a secret
   * at the path yet, it creates one without a value to hold the record.
   */
  public async writeKeyRecord(secretPath: string, record: KeyRecord): Promise<void> {
    const name = this.secretName(secretPath);
    const purpose = `write the key record at secretPath ${JSON.stringify(secretPath)}`;
    // A pending record (a create about to write the value) may restore a secret scheduled for deletion:
    // its old value comes back only until the new one lands, and the record's version tells them apart.
    await this.writeDescription(name, purpose, this.description("key record", record, name), { restoreScheduled: record.pending === true });
  }

  /**
   * Removes the record: clears the description of a secret with a value, deletes a secret that holds
   * only the record. No error when there is none.
   */
  public async deleteKeyRecord(secretPath: string): Promise<void> {
    const name = this.secretName(secretPath);
    const purpose = `delete the key record at secretPath ${JSON.stringify(secretPath)}`;
    const found = await this.describe(name, purpose);
    if (!found || found.DeletedDate !== undefined) return;
    const kind = decodeKeyRecord(found.Description).kind;
    if (kind === "none" || kind === "foreign") return; // no record, or someone else's description: nothing of ours to remove
    if (!hasCurrentValue(found)) {
      await this.deleteByName(name, purpose, 0);
      return;
    }
    try {
      await this.#client.send(new UpdateSecretCommand({ SecretId: name, Description: "" }));
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException" || isScheduledForDeletion(e)) return; // gone meanwhile, record with it
      throw await this.explainWithRegion(e, { action: "UpdateSecret", name, purpose });
    }
  }

  /** True when `<namePrefix>/<secretPath>` exists, is not scheduled for deletion and has a current value (DescribeSecret: no decryption). */
  public async hasSecret(secretPath: string): Promise<boolean> {
    const name = this.secretName(secretPath);
    const found = await this.describe(name, `check the secret at secretPath ${JSON.stringify(secretPath)}`);
    return found !== undefined && found.DeletedDate === undefined && hasCurrentValue(found);
  }

  /** The intent recorded before minting a key for `secretPath`, if an attempt left one. */
  public async readMintIntent(secretPath: string): Promise<MintIntent | undefined> {
    const name = this.intentName(secretPath);
    const found = await this.describe(name, `read the mint intent of secretPath ${JSON.stringify(secretPath)}`);
    if (!found || found.DeletedDate !== undefined) return undefined;
    return this.recordOf(name, "mint intent", decodeMintIntent(found.Description));
  }

  /**
   * Records the intent with CreateSecret, exclusively: it fails with code `EEXIST` when an intent for
   * `secretPath` exists. An intent someone scheduled for deletion is no claim: it is deleted for good
   * and the claim made.
   */
  public async writeMintIntent(secretPath: string, intent: MintIntent): Promise<void> {
    const name = this.intentName(secretPath);
    const purpose = `record the mint intent of secretPath ${JSON.stringify(secretPath)}`;
    const description = this.description("mint intent", intent, name);
    await this.untilNameFree(name, purpose, async () => {
      try {
        await this.#client.send(new CreateSecretCommand({ Name: name, Description: description }));
        return true;
      } catch (e) {
        if (awsErrorName(e) === "ResourceExistsException") {
          // The SDK retries a create whose answer was lost: an intent equal to ours is our own.
          const existing = await this.readMintIntent(secretPath);
          if (existing && JSON.stringify(existing) === JSON.stringify(intent)) return true;
          throw new AwsSecretsManagerStoreError(
            `another apply is minting a key at secretPath ${JSON.stringify(secretPath)} right now (secret ${name} exists` +
              `${existing ? `, written by ${existing.address} at ${existing.startedAt}` : ""}); nothing was minted. Two stacks (or two runs) ` +
              "must not share a secret path: wait for the other run, or give one key another secretPath.",
            "EEXIST",
          );
        }
        if (!isScheduledForDeletion(e)) throw await this.explainWithRegion(e, { action: "CreateSecret", name, purpose });
        await this.deleteByName(name, purpose, 0); // a deleted intent is no claim; then the name frees up
        return false;
      }
    });
  }

  /** Deletes the intent without recovery (it holds nothing secret); no error when there is none. */
  public async deleteMintIntent(secretPath: string): Promise<void> {
    await this.deleteByName(this.intentName(secretPath), `delete the mint intent of secretPath ${JSON.stringify(secretPath)}`, 0);
  }

  /** The record of the service account at `address`, or `undefined` when there is none. */
  public async readAccountRecord(address: string): Promise<AccountRecord | undefined> {
    const name = this.accountName(address);
    const found = await this.describe(name, `read the account record of ${JSON.stringify(address)}`);
    if (!found || found.DeletedDate !== undefined) return undefined;
    return this.recordOf(name, "account record", decodeAccountRecord(found.Description));
  }

  /** Writes the account record into the description of its hidden secret. */
  public async writeAccountRecord(record: AccountRecord): Promise<void> {
    const name = this.accountName(record?.address);
    const purpose = `write the account record of ${JSON.stringify(record.address)}`;
    await this.writeDescription(name, purpose, this.description("account record", record, name), { restoreScheduled: true });
  }

  /** Deletes the account record without recovery (nothing secret); no error when it is gone. */
  public async deleteAccountRecord(address: string): Promise<void> {
    await this.deleteByName(this.accountName(address), `delete the account record of ${JSON.stringify(address)}`, 0);
  }

  /**
   * Every key record under the name prefix with its secret path, sorted by secret path: ListSecrets
   * filtered by name prefix, page by page. Hidden names, names that are not valid secret paths,
   * secrets scheduled for deletion and secrets without a record are skipped.
   */
  public async listKeyRecords(): Promise<StoredKeyRecord[]> {
    const prefix = `${this.namePrefix}/`;
    const purpose = "list the key records";
    const found: StoredKeyRecord[] = [];
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.call({ action: "ListSecrets", name: "*", purpose }, () =>
        this.#client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [prefix] }], MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) })),
      );
      for (const entry of page.SecretList ?? []) {
        const name = entry.Name ?? "";
        if (!name.startsWith(prefix) || entry.DeletedDate !== undefined) continue;
        const secretPath = name.slice(prefix.length);
        if (validateSecretPath(secretPath) !== undefined) continue; // hidden (.cdktf-api-keys/...) or not a path of this store
        const decoded = decodeKeyRecord(entry.Description);
        if (decoded.kind === "damaged") this.recordOf(name, "key record", decoded); // throws, naming the secret
        if (decoded.kind === "record") found.push({ secretPath, record: decoded.record });
      }
      nextToken = page.NextToken;
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken)) break; // a service that repeats itself must not loop us forever
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined);
    return found.sort((a, b) => (a.secretPath < b.secretPath ? -1 : a.secretPath > b.secretPath ? 1 : 0));
  }

  /** Writes the pending revocation into the description of its hidden secret. */
  public async writePendingRevocation(revocation: PendingRevocation): Promise<void> {
    const name = this.revocationName(revocation?.keyId);
    const purpose = `record the pending revocation of key ${JSON.stringify(revocation.keyId)}`;
    await this.writeDescription(name, purpose, this.description("pending revocation", revocation, name), { restoreScheduled: true });
  }

  /** Every pending revocation under the name prefix (ListSecrets, eventually consistent), earliest due first. */
  public async listPendingRevocations(): Promise<PendingRevocation[]> {
    const prefix = `${this.namePrefix}/${HIDDEN_FOLDER}/revocations/`;
    const purpose = "list the pending revocations";
    const found: PendingRevocation[] = [];
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.call({ action: "ListSecrets", name: "*", purpose }, () =>
        this.#client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [prefix] }], MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) })),
      );
      for (const entry of page.SecretList ?? []) {
        const name = entry.Name ?? "";
        if (!name.startsWith(prefix) || entry.DeletedDate !== undefined) continue;
        const revocation = this.recordOf(name, "pending revocation", decodePendingRevocation(entry.Description));
        if (revocation) found.push(revocation);
      }
      nextToken = page.NextToken;
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken)) break;
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined);
    return sortByDue(found);
  }

  /** Deletes the pending revocation without recovery (nothing secret); no error when there is none. */
  public async deletePendingRevocation(keyId: string): Promise<void> {
    await this.deleteByName(this.revocationName(keyId), `forget the pending revocation of key ${JSON.stringify(keyId)}`, 0);
  }

  /** `<namePrefix>/<secretPath>`, after checking the path. */
  private secretName(secretPath: string): string {
    const problem = validateSecretPath(secretPath);
    if (problem !== undefined) throw new AwsSecretsManagerStoreError(problem);
    return `${this.namePrefix}/${secretPath}`;
  }

  private intentName(secretPath: string): string {
    this.secretName(secretPath); // validates the path
    return `${this.namePrefix}/${HIDDEN_FOLDER}/intents/${secretPath}`;
  }

  private revocationName(keyId: string): string {
    if (typeof keyId !== "string" || keyId === "") throw new AwsSecretsManagerStoreError(`a pending revocation needs a key id (got ${show(keyId)}).`);
    return `${this.namePrefix}/${HIDDEN_FOLDER}/revocations/${encodeAddress(keyId)}`;
  }

  private accountName(address: string): string {
    if (typeof address !== "string" || address === "") {
      throw new AwsSecretsManagerStoreError(`a service account's \`address\` must be a non-empty string such as "stack/billing" (got ${show(address)}).`);
    }
    const name = `${this.namePrefix}/${HIDDEN_FOLDER}/accounts/${encodeAddress(address)}`;
    if (name.length > MAX_NAME_LENGTH) {
      throw new AwsSecretsManagerStoreError(
        `the account record of ${show(address)} would be secret ${name.slice(0, 80)}… (${name.length} characters), longer than the ${MAX_NAME_LENGTH} ` +
          "Secrets Manager allows: use a shorter namePrefix or construct path.",
        "NameTooLong",
      );
    }
    return name;
  }

  /** The description holding `record`, checked against the 2048 characters Secrets Manager keeps. */
  private description(kind: RecordKind, record: KeyRecord | AccountRecord | MintIntent | PendingRevocation, name: string): string {
    const description = encodeDescription(kind, record);
    if (description.length > MAX_DESCRIPTION_LENGTH) {
      throw new AwsSecretsManagerStoreError(
        `the ${kind} for secret ${name} is ${description.length} characters as a description, and Secrets Manager keeps at most ` +
          `${MAX_DESCRIPTION_LENGTH}: shorten the key or account name, or the construct path.`,
        "RecordTooLong",
      );
    }
    return description;
  }

  /** The record of a decoded description; a damaged or foreign one is an error naming the secret. */
  private recordOf<T>(name: string, kind: RecordKind, decoded: Decoded<T>): T | undefined {
    switch (decoded.kind) {
      case "none":
        return undefined;
      case "record":
        return decoded.record;
      case "damaged":
        throw new AwsSecretsManagerStoreError(
          `secret ${name} has a damaged ${kind} in its description (expected "cdktf-api-keys ${kind}: " and JSON with the record's fields). ` +
            "Restore the description or delete the secret.",
          "NotAStoreSecret",
        );
      case "foreign":
        throw new AwsSecretsManagerStoreError(
          `secret ${name} exists but its description is not a cdktf-api-keys ${kind}: another tool created it. Give this key another ` +
            "secretPath or the store another namePrefix, or delete that secret if it is not needed.",
          "NotAStoreSecret",
        );
    }
  }

  /** DescribeSecret, or `undefined` when there is no such secret. */
  private async describe(name: string, purpose: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
      return await this.#client.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException") return undefined;
      throw await this.explainWithRegion(e, { action: "DescribeSecret", name, purpose });
    }
  }

  /**
   * Sets the description of `name` (UpdateSecret), creating a secret without a value when there is
   * none. A secret scheduled for deletion is restored first when `restoreScheduled` (account records:
   * nothing secret comes back); otherwise (a key's secret, whose restored value would be an old key)
   * the error says to restore it or wait.
   */
  private async writeDescription(name: string, purpose: string, description: string, options: { restoreScheduled: boolean }): Promise<void> {
    await this.untilNameFree(name, purpose, async () => {
      try {
        await this.#client.send(new UpdateSecretCommand({ SecretId: name, Description: description }));
        return true;
      } catch (e) {
        if (isScheduledForDeletion(e)) {
          const found = await this.describe(name, purpose);
          if (!found) return false; // deleted for good meanwhile: create it once the name is free
          // Restoring brings the old value back: fine for a secret without one (a record alone, an account record).
          if (!options.restoreScheduled && hasCurrentValue(found)) throw await this.scheduledError(name, purpose, e);
          await this.restoreForReuse(name, purpose);
          return false; // restored (or gone): set the description on the next round
        }
        if (awsErrorName(e) !== "ResourceNotFoundException") throw await this.explainWithRegion(e, { action: "UpdateSecret", name, purpose });
      }
      try {
        await this.#client.send(new CreateSecretCommand({ Name: name, Description: description, ...(this.#kmsKeyId ? { KmsKeyId: this.#kmsKeyId } : {}) }));
        return true;
      } catch (e) {
        if (awsErrorName(e) === "ResourceExistsException") return false; // created meanwhile: update it
        if (isScheduledForDeletion(e)) return false; // a delete without recovery still finishing
        throw await this.explainWithRegion(e, { action: "CreateSecret", name, purpose });
      }
    });
  }

  /**
   * Restores `name` and clears its description (the record of the key that was deleted). False when
   * the secret is gone meanwhile (a delete without recovery finishing): the caller creates it again.
   */
  private async restoreForReuse(name: string, purpose: string): Promise<boolean> {
    try {
      await this.#client.send(new RestoreSecretCommand({ SecretId: name }));
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException" || isScheduledForDeletion(e)) return false;
      if (awsErrorName(e) === "AccessDeniedException") throw await this.scheduledError(name, purpose, e);
      throw await this.explainWithRegion(e, { action: "RestoreSecret", name, purpose });
    }
    try {
      await this.#client.send(new UpdateSecretCommand({ SecretId: name, Description: "" }));
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException") return false;
      throw await this.explainWithRegion(e, { action: "UpdateSecret", name, purpose });
    }
    return true;
  }

  /** DeleteSecret with a recovery window (days), or without recovery (0). Gone or scheduled already: no error. */
  private async deleteByName(name: string, purpose: string, windowDays: number): Promise<void> {
    try {
      await this.#client.send(
        new DeleteSecretCommand(windowDays === 0 ? { SecretId: name, ForceDeleteWithoutRecovery: true } : { SecretId: name, RecoveryWindowInDays: windowDays }),
      );
    } catch (e) {
      if (awsErrorName(e) === "ResourceNotFoundException" || isScheduledForDeletion(e)) return;
      throw await this.explainWithRegion(e, { action: "DeleteSecret", name, purpose });
    }
  }

  /**
   * Runs `attempt` until it reports done (true), waiting with backoff between rounds while a name is
   * still being deleted, for up to `deletionWaitMs`.
   */
  private async untilNameFree(name: string, purpose: string, attempt: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.#deletionWaitMs;
    for (let round = 0; ; round++) {
      if (await attempt()) return;
      if (Date.now() >= deadline && round > 0) {
        throw new AwsSecretsManagerStoreError(
          `cannot ${purpose}: secret ${name} is still being deleted by Secrets Manager after ${this.#deletionWaitMs} ms (a delete without ` +
            "recovery finishes in the background). Apply again in a minute.",
          "StillDeleting",
        );
      }
      await sleep(Math.min(100 * 2 ** round, 2000, Math.max(0, deadline - Date.now())));
    }
  }

  /** The error for a secret scheduled for deletion that this operation will not restore by itself. */
  private async scheduledError(name: string, purpose: string, cause: unknown): Promise<AwsSecretsManagerStoreError> {
    let since = "";
    try {
      const deleted = (await this.#client.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate;
      if (deleted) since = ` since ${deleted.toISOString()} (it is deleted for good when its 7 to 30 day recovery window ends)`;
    } catch {
      // the date is a detail: the message stands without it
    }
    const region = await this.regionOrUndefined();
    const denied = awsErrorName(cause) === "AccessDeniedException" ? " This store restores such a secret to re-use its path, but RestoreSecret was denied (grant secretsmanager:RestoreSecret)." : "";
    return new AwsSecretsManagerStoreError(
      `cannot ${purpose}: secret ${name}${region ? ` in ${region}` : ""} is scheduled for deletion${since}.${denied} Restore it with ` +
        `\`aws secretsmanager restore-secret --secret-id ${name}${region ? ` --region ${region}` : ""}\`, or wait until the recovery window ends.`,
      "ScheduledForDeletion",
    );
  }

  /** Runs an SDK call, explaining its failure. */
  private async call<T>(ctx: { action: string; name: string; purpose: string; secrets?: readonly string[] }, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw await this.explainWithRegion(e, ctx);
    }
  }

  private async explainWithRegion(e: unknown, ctx: { action: string; name: string; purpose: string; secrets?: readonly string[] }): Promise<AwsSecretsManagerStoreError> {
    return explainAwsError(e, this.context(ctx, await this.regionOrUndefined()));
  }

  private context(ctx: { action: string; name: string; purpose: string; secrets?: readonly string[] }, region: string | undefined): CallContext {
    return {
      action: ctx.action,
      secretName: ctx.name,
      purpose: ctx.purpose,
      region,
      endpoint: this.#endpoint,
      namePrefix: this.namePrefix,
      kmsKeyId: this.#kmsKeyId,
      secrets: ctx.secrets,
    };
  }

  /** The region the SDK resolved (option, environment or profile), or undefined when it has none. */
  private async regionOrUndefined(): Promise<string | undefined> {
    if (this.#region !== undefined) return this.#region;
    try {
      return await this.#client.config.region();
    } catch {
      return undefined;
    }
  }

  private async inRegion(): Promise<string> {
    const region = await this.regionOrUndefined();
    return region ? ` in ${region}` : "";
  }
}

/** True when the secret has a version labelled AWSCURRENT (a secret created for a record alone has none). */
function hasCurrentValue(described: DescribeSecretCommandOutput): boolean {
  return Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Parses JSON, or returns `undefined`. The parser's message is dropped: it quotes the input. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isSecretPayload(value: unknown): value is SecretPayload {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ["value", "keyId", "serviceAccountId", "name", "createdAt"].every((f) => typeof v[f] === "string") &&
    (v.expiresAt === null || typeof v.expiresAt === "string")
  );
}

/** A value as messages show it: JSON, cut to 80 characters with the full length when longer. */
function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  if (text.length <= 80) return typeof value === "string" ? JSON.stringify(value) : text;
  return `${typeof value === "string" ? JSON.stringify(text.slice(0, 80)) : text.slice(0, 80)}… (${text.length} characters)`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
