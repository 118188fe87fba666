import { Construct, IConstruct } from "constructs";
import { Annotations, TerraformStack, Token } from "../cdktf";
import type { ITerraformDependable, TerraformResource } from "../cdktf";
import { FLEXPRICE_BUILT_IN_ROLES } from "../spec";
import type { ServiceAccountRef, ServiceAccountSpec } from "../spec";
import { addressOf } from "./address";
import { Api } from "./api";
import { accountsNotCreatable, accountWithoutStore, invalidProp, missingProp, notSupportedBy, providerEngineOnly } from "./errors";
import { Carrier, createHookResource } from "./hook-resource";
import { Engine, engineOf } from "./engine";
import { escapeTemplate } from "./escape";
import { apiReference, ProviderResource, stackIdentityReference, storeReference } from "./provider-resources";
import { RESOURCE_TYPES } from "../provider-contract";
import { SecretStore } from "./secret-store";
import { checkAccountName, checkDescription, checkRoles } from "./validate";

/** A service account that API keys can be minted for: one this stack creates, or one it references. */
export interface IServiceAccount extends IConstruct {
  /** The API the account lives in. */
  readonly api: Api;
  /** How the hooks find the account's id at apply time. @internal */
  readonly _ref: () => ServiceAccountRef;
  /** The resource keys must be created after (and destroyed before), if the stack owns the account. */
  readonly dependable?: ITerraformDependable;
  /**
   * What a key's `triggers_replace` holds for its account: the owned account resource's `id` (so a
   * replaced account replaces its keys), or the referenced account's id and API.
   * @internal
   */
  readonly _identity: () => string;
  /** Lets the first key's store hold the account's record when the account has no `store`. @internal */
  _offerStore(store: SecretStore): void;
  /** The engine of an account this stack owns; undefined for a referenced account (usable by both). */
  readonly engine?: Engine;
  /**
   * The account's id for the `service_account_id` of a key in `stack`, called when the key is
   * constructed: for an owned account, a reference to its resource's `id`.
   * @internal
   */
  readonly _accountId: (stack: TerraformStack) => string;
}

export interface ServiceAccountProps {
  /** The API to create the account in. */
  readonly api: Api;
  /** Account name: 1 to 64 characters of `[a-z0-9._-]`, starting with a letter or digit. Unique among active accounts. */
  readonly name: string;
  /**
   * Human-readable description, at most 256 characters (Flownally only).
   * @default - no description
   */
  readonly description?: string;
  /**
   * Roles of the account, which its keys inherit when they are created (Flexprice only, where at least
   * one is required). Built-in: super_admin, all_reader, all_writer, event_ingestor, event_reader;
   * other names are passed on with a synth warning. Changing them replaces the account and its keys.
   * @default - none (required for Flexprice)
   */
  readonly roles?: string[];
  /**
   * Where the account's non-secret record is kept: its id on the hooks engine; on the provider engine
   * (which keeps the id in Terraform state) only the pending record of a create in flight, which makes
   * an interrupted create recoverable.
   * @default - the store of the first ApiKey created for this account
   */
  readonly store?: SecretStore;
  /**
   * How the account's life cycle is carried out: the provider plugin shipped in this package, or the
   * fallback local-exec hooks (see `Engine`).
   * @default "provider"
   */
  readonly engine?: Engine;
  /**
   * The Terraform resource that carries the hooks (hooks engine only).
   * @default "terraform_data"
   */
  readonly carrier?: Carrier;
}

export interface ServiceAccountFromIdProps {
  /** The API the account lives in. */
  readonly api: Api;
  /** The account's id in that API, e.g. `sa_4f2...`. */
  readonly serviceAccountId: string;
}

class ImportedServiceAccount extends Construct implements IServiceAccount {
  public readonly api: Api;
  public readonly dependable = undefined;
  private readonly serviceAccountId: string;

  constructor(scope: Construct, id: string, props: ServiceAccountFromIdProps) {
    super(scope, id);
    if (!(props?.api instanceof Api)) throw missingProp(`ServiceAccount.fromId ${this.node.path}`, "api", "Pass the Api the account lives in, e.g. Api.flownally({...}).");
    if (typeof props.serviceAccountId !== "string" || !/^\S{1,128}$/.test(props.serviceAccountId)) {
      throw invalidProp(`ServiceAccount.fromId ${this.node.path}`, "serviceAccountId", props.serviceAccountId, "must be the account's id as the API reports it, e.g. \"sa_4f2a9c\"");
    }
    this.api = props.api;
    this.serviceAccountId = props.serviceAccountId;
  }

  public readonly _ref = (): ServiceAccountRef => ({ id: this.serviceAccountId });

  public readonly _identity = (): string =>
    `${this.api.kind} ${this.api.baseUrl}${this.api.environmentId ? ` ${this.api.environmentId}` : ""} ${this.serviceAccountId}`;

  public _offerStore(): void {
    // A referenced account has no record: nothing to keep.
  }

  public readonly _accountId = (_stack: TerraformStack): string => escapeTemplate(this.serviceAccountId);
}

/**
 * A service account that the stack creates in the API on apply and deletes on destroy (after its keys
 * are revoked). On the provider engine Terraform state holds its id; on the hooks engine the store's
 * record does.
 */
export class ServiceAccount extends Construct implements IServiceAccount, ITerraformDependable {
  /** References an existing account that this stack does not own (it is never deleted by the stack). */
  public static fromId(scope: Construct, id: string, props: ServiceAccountFromIdProps): IServiceAccount {
    return new ImportedServiceAccount(scope, id, props);
  }

  public readonly api: Api;
  /** The account name. */
  public readonly accountName: string;
  public readonly engine: Engine;
  public readonly dependable: ITerraformDependable;
  private readonly resource: TerraformResource;
  private store?: SecretStore;
  /** The `store` attribute (provider engine), set with the store. */
  private storeRef?: string;

  constructor(scope: Construct, id: string, props: ServiceAccountProps) {
    super(scope, id);
    const where = `ServiceAccount ${this.node.path}`;
    if (!(props?.api instanceof Api)) throw missingProp(where, "api", "Pass the Api to create the account in, e.g. Api.flownally({...}).");
    const { capabilities, displayName } = props.api;
    if (!capabilities.createsServiceAccounts) throw accountsNotCreatable(this.node.path, displayName);
    checkAccountName(where, props.name, props.api.kind === "flownally");
    if (capabilities.accountDescription) checkDescription(where, props.description);
    else if (props.description !== undefined) {
      throw notSupportedBy(where, "description", displayName, "Remove `description`: the API stores only the account name.");
    }
    if (capabilities.accountRoles) {
      checkRoles(where, props.roles, displayName);
      const unknown = props.roles!.filter((r) => !Token.isUnresolved(r) && !FLEXPRICE_BUILT_IN_ROLES.includes(r));
      if (unknown.length) {
        Annotations.of(this).addWarning(
          `${where}: ${unknown.map((r) => JSON.stringify(r)).join(", ")} ${unknown.length > 1 ? "are not" : "is not a"} built-in ${displayName} role` +
            `${unknown.length > 1 ? "s" : ""} (${FLEXPRICE_BUILT_IN_ROLES.join(", ")}); the API refuses roles it does not know.`,
        );
      }
    } else if (props.roles !== undefined) {
      throw notSupportedBy(where, "roles", displayName, "Remove `roles`: keys of this API carry their own scopes, if any.");
    }
    this.engine = engineOf(where, props.engine, props.carrier);
    this.api = props.api;
    this.accountName = props.name;
    this.store = props.store;
    const address = addressOf(this);

    if (this.engine === "provider") {
      const apiRef = apiReference(this, props.api);
      if (this.store) this.storeRef = storeReference(this, this.store);
      const owner = stackIdentityReference(this);
      this.dependable = this.resource = new ProviderResource(this, "resource", RESOURCE_TYPES.serviceAccount, () => ({
        address: escapeTemplate(address),
        owner,
        api: apiRef,
        token_env: props.api.tokenEnv,
        name: escapeTemplate(props.name),
        description: props.description !== undefined ? escapeTemplate(props.description) : undefined,
        roles: props.roles?.map(escapeTemplate),
        store: this.storeRef,
      }));
      return;
    }
    this.dependable = this.resource = createHookResource(this, "resource", {
      carrier: props.carrier ?? "terraform_data",
      spec: (): ServiceAccountSpec => ({
        kind: "service-account",
        address,
        api: props.api.toSpec(),
        name: props.name,
        ...(props.description !== undefined ? { description: props.description } : {}),
        ...(props.roles !== undefined ? { roles: [...props.roles] } : {}),
        store: this.requireStore().toSpec(),
      }),
      identity: (spec) => {
        const s = spec as ServiceAccountSpec;
        return {
          api: `${s.api.kind} ${s.api.baseUrl}${s.api.environmentId ? ` ${s.api.environmentId}` : ""}`,
          name: s.name,
          ...(s.roles ? { roles: s.roles.join(",") } : {}),
          store: JSON.stringify(s.store),
        };
      },
    });
    this.node.addValidation({ validate: () => (this.store ? [] : [accountWithoutStore(this.node.path).message]) });
  }

  /** The account's id in the API (a token, known after apply; provider engine). */
  public get serviceAccountId(): string {
    return this.providerAttribute("id");
  }

  /** When the account was created, RFC 3339 (a token, known after apply; provider engine). */
  public get createdAt(): string {
    return this.providerAttribute("created_at");
  }

  /** The Terraform address of the account's resource, so other resources can depend on it. */
  public get fqn(): string {
    return this.resource.fqn;
  }

  public readonly _ref = (): ServiceAccountRef => ({
    address: addressOf(this),
    name: this.accountName,
    store: this.requireStore().toSpec(),
  });

  public readonly _identity = (): string => this.resource.getStringAttribute("id");

  /**
   * In the account's own stack, the plain expression `${<type>.<name>.id}`: it is what the attribute's
   * token resolves to, and 1,000 keys resolving a token each is a measurable part of synth. From another
   * stack, the token, so that cdktf wires the cross-stack reference (an output and a remote state).
   */
  public readonly _accountId = (stack: TerraformStack): string => {
    if (this.engine !== "provider") throw providerEngineOnly(`ServiceAccount ${this.node.path}`, "id");
    if (stack === TerraformStack.of(this)) return `\${${RESOURCE_TYPES.serviceAccount}.${this.resource.friendlyUniqueId}.id}`;
    return (this.idToken ??= this.providerAttribute("id"));
  };

  /** One token for every key in other stacks (each token costs a captured stack trace at synth). */
  private idToken?: string;

  public _offerStore(store: SecretStore): void {
    if (this.store) return;
    this.store = store;
    if (this.engine === "provider") this.storeRef = storeReference(this, store);
  }

  private providerAttribute(name: string): string {
    if (this.engine !== "provider") throw providerEngineOnly(`ServiceAccount ${this.node.path}`, name);
    return this.resource.getStringAttribute(name);
  }

  private requireStore(): SecretStore {
    if (!this.store) throw accountWithoutStore(this.node.path);
    return this.store;
  }
}
