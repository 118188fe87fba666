import { createHash } from "crypto";
import { Construct } from "constructs";
import { storeLocationKey } from "../store-attributes";
import { ref, TerraformStack, Token } from "../cdktf";
import type { ApiKeySpec, ApiKeyType } from "../spec";
import { validateSecretPath } from "../stores/secret-path";
import { addressOf } from "./address";
import { Api } from "./api";
import {
  accountOfAnotherApi,
  ConfigurationError,
  duplicateSecretPath,
  engineMismatch,
  invalidProp,
  missingProp,
  notSupportedBy,
  providerEngineOnly,
  rotationNeedsProvider,
  secretValueNeedsProvider,
} from "./errors";
import { ephemeralSecretValue } from "./ephemeral-secret";
import { Carrier, createHookResource } from "./hook-resource";
import { Engine, engineOf } from "./engine";
import { escapeTemplate } from "./escape";
import { apiKeysProvider, apiReference, stackIdentityReference, storeAttributes, storeReference } from "./provider-resources";
import { TAG_NAME_LENGTH } from "../lifecycle/ownership";
import { KeyResources } from "./key-resources";
import { legacyResourceLogicalId } from "./legacy-logical-id";
import { RESOURCE_TYPES } from "../provider-contract";
import type { ITerraformDependable, TerraformResource } from "../cdktf";
import type { IServiceAccount } from "./service-account";
import { SecretStore } from "./secret-store";
import { checkExpiresInDays, checkKeyName, checkKeyType, checkRotation, checkScopes } from "./validate";

export interface ApiKeyProps {
  /** The account the key is minted for: a `ServiceAccount` of this app or `ServiceAccount.fromId(...)`. */
  readonly serviceAccount: IServiceAccount;
  /** Key name, 1 to 128 characters. Changing it replaces the key (a new key is minted, the old one revoked). */
  readonly name: string;
  /**
   * Days from creation until the key stops authenticating, 1 to 3650.
   * @default - the key never expires
   */
  readonly expiresInDays?: number;
  /**
   * Scopes granted to the key, e.g. `["invoices:read"]` (Flownally only: Flexprice keys inherit their
   * account's roles; Factory keys have no scopes).
   * @default - no scopes
   */
  readonly scopes?: string[];
  /**
   * The key's type (Flexprice only): `private_key` for server-side use or `publishable_key` for
   * client-side use. Changing it replaces the key.
   * @default "private_key" for Flexprice
   */
  readonly type?: ApiKeyType;
  /** Where the plaintext key is written. */
  readonly store: SecretStore;
  /**
   * Path of the secret inside the store, e.g. `billing/prod`: `/`-separated segments of letters, digits,
   * `.`, `_` and `-`; no leading `/`, no `..`, no segment starting with `.`. Unique per store in a stack.
   */
  readonly secretPath: string;
  /**
   * The API that mints the key; it must be the api of `serviceAccount`.
   * @default - the service account's api
   */
  readonly api?: Api;
  /**
   * How the key's life cycle is carried out: the provider plugin shipped in this package, or the
   * fallback local-exec hooks (see `Engine`). Must match the engine of `serviceAccount`.
   * @default - the engine of `serviceAccount`, else "provider"
   */
  readonly engine?: Engine;
  /**
   * Re-mint the key once it is this many days old (provider engine). The provider decides at plan
   * time, from the key's creation time in state: the plan shows the replacement on the day it is due.
   * @default - no scheduled rotation
   */
  readonly rotateEveryDays?: number;
  /**
   * For a key with `expiresInDays`: re-mint it this many days before it expires (provider engine).
   * @default - no rotation before expiry
   */
  readonly rotateBeforeExpiryDays?: number;
  /**
   * Minutes the old key stays valid after its replacement is stored, so running consumers can re-read
   * the secret (provider engine). Its revocation is recorded as pending in the store and carried out
   * by the first provider run after that time, or by `cdktf-api-keys revoke-due`. On Factory, up to 10
   * minutes go through the API's own rotate endpoint and its grace period; more is refused.
   * @default 0 - the old key is revoked as soon as the new one is stored
   */
  readonly overlapMinutes?: number;
  /**
   * The Terraform resource that carries the hooks (hooks engine only).
   * @default "terraform_data"
   */
  readonly carrier?: Carrier;
}

/**
 * The key resource's Terraform name: its secret path made an identifier, plus a hash of the store's
 * location and the path (paths that read alike, or the same path in two stores, stay apart).
 */
function secretPathLogicalId(store: SecretStore, secretPath: string): string {
  const hash = createHash("sha256").update(`${storeLocationKey(storeAttributes(store))}\n${secretPath}`).digest("hex").slice(0, 8);
  return `key_${secretPath.replace(/[^A-Za-z0-9_]/g, "_")}_${hash}`;
}

/** secretPath registry per stack: `<store identity>\n<secretPath>` -> construct path. */
const pathsInStack = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * An API key minted on apply, with its one-time plaintext written straight into `store` at
 * `secretPath`. Destroy (or removing the construct) revokes it and deletes the secret. The plaintext
 * never enters Terraform.
 */
export class ApiKey extends Construct implements ITerraformDependable {
  /** The key name. */
  public readonly keyName: string;
  /** Where the plaintext is stored. */
  public readonly secretPath: string;
  public readonly engine: Engine;
  /** The hooks engine's resource. */
  private readonly resource?: TerraformResource;
  /** The provider engine's resource name (its row in the stack's KeyResources). */
  private readonly logicalId?: string;
  private readonly store: SecretStore;
  private fqnToken?: string;

  constructor(scope: Construct, id: string, props: ApiKeyProps) {
    super(scope, id);
    const where = `ApiKey ${this.node.path}`;
    const account = props?.serviceAccount;
    if (!account || typeof account._ref !== "function") {
      throw missingProp(where, "serviceAccount", "Pass a ServiceAccount of this app, or ServiceAccount.fromId(...) for one the stack does not own.");
    }
    if (!(props.store instanceof SecretStore)) {
      throw missingProp(where, "store", "Pass the SecretStore to write the plaintext key into, e.g. SecretStore.ageFile({...}).");
    }
    checkKeyName(where, props.name);
    checkExpiresInDays(where, props.expiresInDays);
    checkRotation(where, props);
    const api = props.api ?? account.api;
    const { capabilities, displayName } = api;
    if (capabilities.keyScopes) checkScopes(where, props.scopes);
    else if (props.scopes !== undefined) {
      throw notSupportedBy(
        where,
        "scopes",
        displayName,
        capabilities.accountRoles
          ? "Its keys inherit the roles of their service account: remove `scopes` and set `roles` on the ServiceAccount."
          : "Its keys have no scopes: remove `scopes`.",
      );
    }
    const type = capabilities.keyTypes ? (props.type ?? "private_key") : undefined;
    if (capabilities.keyTypes) checkKeyType(where, props.type);
    else if (props.type !== undefined) throw notSupportedBy(where, "type", displayName, "Remove `type`: its keys have no types.");
    const pathError = validateSecretPath(props.secretPath);
    if (pathError) throw new ConfigurationError(`${where}: ${pathError}`);
    if (props.api && !props.api.sameAs(account.api)) throw accountOfAnotherApi(this.node.path, account.node.path);
    if (capabilities.rotateGraceMinutes > 0 && props.overlapMinutes !== undefined && props.overlapMinutes > capabilities.rotateGraceMinutes) {
      throw invalidProp(
        where,
        "overlapMinutes",
        props.overlapMinutes,
        `must be at most ${capabilities.rotateGraceMinutes} for the ${displayName} API: its rotate endpoint keeps the old key valid for ` +
          `a grace period of at most ${capabilities.rotateGraceMinutes} minutes, and a longer overlap would leave the old key valid after ` +
          "the API has already revoked it (or outlive what the API allows)",
      );
    }
    this.claimSecretPath(props.store, props.secretPath);

    this.engine = engineOf(where, props.engine ?? account.engine, props.carrier);
    if (account.engine !== undefined && account.engine !== this.engine) throw engineMismatch(this.node.path, this.engine, account.node.path, account.engine);
    this.keyName = props.name;
    this.secretPath = props.secretPath;
    this.store = props.store;
    const address = addressOf(this);
    account._offerStore(props.store);

    if (this.engine === "provider") {
      const stack = TerraformStack.of(this);
      // The provider mints the key as `<name> #<tag>` (its declaration's tag, src/lifecycle/ownership.ts), within the APIs' 128.
      if (!Token.isUnresolved(props.name) && props.name.length > 128 - TAG_NAME_LENGTH) {
        throw invalidProp(where, "name", props.name, `must be at most ${128 - TAG_NAME_LENGTH} characters long: the provider adds a ${TAG_NAME_LENGTH}-character tag, and the APIs allow 128`);
      }
      apiKeysProvider(this);
      const [apiRef, storeRef] = [apiReference(this, account.api), storeReference(this, props.store)];
      // The Terraform name follows the secret path, not the construct path: a renamed or moved construct
      // that keeps its secret path stays the same resource (its `address` is updated in place), where a
      // new name would destroy the old key before the new one is stored.
      this.logicalId = secretPathLogicalId(props.store, props.secretPath);
      KeyResources.of(this).add(this.logicalId, {
        movedFrom: legacyResourceLogicalId(this),
        attributes: {
          address: escapeTemplate(address),
          owner: stackIdentityReference(this),
          api: apiRef,
          token_env: account.api.tokenEnv,
          service_account_id: account._accountId(stack),
          name: escapeTemplate(props.name),
          expires_in_days: props.expiresInDays,
          scopes: props.scopes?.map(escapeTemplate),
          type,
          store: storeRef,
          secret_path: props.secretPath,
          rotate_every_days: props.rotateEveryDays,
          rotate_before_expiry_days: props.rotateBeforeExpiryDays,
          overlap_minutes: props.overlapMinutes,
        },
      });
      return;
    }
    for (const prop of ["rotateEveryDays", "rotateBeforeExpiryDays", "overlapMinutes"] as const) {
      if (props[prop] !== undefined) throw rotationNeedsProvider(where, prop);
    }
    this.resource = createHookResource(this, "resource", {
      carrier: props.carrier ?? "terraform_data",
      dependsOn: account.dependable ? [account.dependable] : undefined,
      spec: (): ApiKeySpec => ({
        kind: "api-key",
        address,
        api: account.api.toSpec(),
        serviceAccount: account._ref(),
        name: props.name,
        ...(props.expiresInDays !== undefined ? { expiresInDays: props.expiresInDays } : {}),
        ...(props.scopes !== undefined ? { scopes: [...props.scopes] } : {}),
        ...(type !== undefined ? { type } : {}),
        store: props.store.toSpec(),
        secretPath: props.secretPath,
      }),
      identity: (spec) => {
        const s = spec as ApiKeySpec;
        return {
          service_account: account._identity(),
          name: s.name,
          ...(s.type !== undefined ? { type: s.type } : {}),
          store: JSON.stringify(s.store),
          secret_path: s.secretPath,
        };
      },
    });
  }

  /** The key's id in the API (a token, known after apply; provider engine). */
  public get keyId(): string {
    return this.providerAttribute("id");
  }

  /** A non-secret display fragment of the key, e.g. for logs (a token; provider engine). */
  public get prefix(): string {
    return this.providerAttribute("prefix");
  }

  /** The id of the account the key belongs to (a token; provider engine). */
  public get serviceAccountId(): string {
    return this.providerAttribute("service_account_id");
  }

  /** When the key was minted, RFC 3339 (a token; provider engine). */
  public get createdAt(): string {
    return this.providerAttribute("created_at");
  }

  /** When the key expires, RFC 3339, or null if never (a token; provider engine). */
  public get expiresAt(): string {
    return this.providerAttribute("expires_at");
  }

  /**
   * How many keys the secret path has held, this one included (a number token; provider engine). Not
   * secret. It changes exactly when a new key is stored (create, rotation, replacement): pass it to
   * the `*_wo_version` (or `*_wo_revision`) beside the write-only argument that takes
   * {@link secretValue}, so the consumer re-sends the value then, and only then.
   */
  public get generation(): number {
    if (this.engine !== "provider") throw providerEngineOnly(`ApiKey ${this.node.path}`, "generation");
    return Token.asNumber(ref(`${RESOURCE_TYPES.apiKey}.${this.logicalId}.generation`, TerraformStack.of(this)));
  }

  /**
   * The key's value, as a token for another resource's write-only argument (`*_wo`: e.g.
   * `secret_string_wo`, `value_wo`, `data_json_wo`), opened from the store at plan and apply time by
   * an `ephemeral "apikeys_secret"` block: never in plan, state or the synthesized JSON (Terraform
   * >= 1.11 or OpenTofu >= 1.11). Feed {@link generation} to the argument's `*_wo_version`. Synth fails
   * if the token is used where Terraform refuses an ephemeral value. Provider engine only.
   *
   * @param scope where the consumer is: the block is declared in its stack (default: the key's)
   */
  public secretValue(scope: Construct = this): string {
    if (this.engine !== "provider") throw secretValueNeedsProvider(`ApiKey ${this.node.path}`);
    apiKeysProvider(scope);
    const store = storeReference(scope, this.store);
    const keyId = this.keyId;
    return ephemeralSecretValue(scope, this.logicalId!, this.node.path, () => ({ store, secret_path: this.secretPath, key_id: keyId }));
  }

  /** The Terraform address of the key's resource, so other resources can depend on it. */
  public get fqn(): string {
    if (this.resource) return this.resource.fqn;
    return (this.fqnToken ??= Token.asString(ref(`${RESOURCE_TYPES.apiKey}.${this.logicalId}`, TerraformStack.of(this))));
  }

  /** An attribute of the key's resource, as a token (cdktf makes it a cross-stack reference where needed). */
  private providerAttribute(name: string): string {
    if (this.engine !== "provider") throw providerEngineOnly(`ApiKey ${this.node.path}`, name);
    return Token.asString(ref(`${RESOURCE_TYPES.apiKey}.${this.logicalId}.${name}`, TerraformStack.of(this)));
  }

  private claimSecretPath(store: SecretStore, secretPath: string): void {
    const stack = TerraformStack.of(this);
    let claimed = pathsInStack.get(stack);
    if (!claimed) pathsInStack.set(stack, (claimed = new Map()));
    const key = `${store.identity}\n${secretPath}`;
    const other = claimed.get(key);
    if (other) throw duplicateSecretPath(this.node.path, secretPath, other);
    claimed.set(key, this.node.path);
  }
}
