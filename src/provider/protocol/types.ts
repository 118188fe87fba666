/**
 * The contract between the protocol layer (gRPC, go-plugin handshake, msgpack values, diagnostics)
 * and the resources it serves. The protocol layer knows nothing about keys; the resources know nothing
 * about gRPC. Values cross this line as plain JavaScript objects, with {@link UNKNOWN} standing for a
 * value Terraform does not know yet ("known after apply").
 */

/** A value Terraform will only know after apply (msgpack extension type 0 on the wire). */
export const UNKNOWN: unique symbol = Symbol.for("cdktf-api-keys.unknown");
export type Unknown = typeof UNKNOWN;

/** One attribute value: primitives, null, unknown, lists and maps (objects) of them. */
export type TfValue = string | number | boolean | null | Unknown | readonly TfValue[] | { readonly [key: string]: TfValue };

/** A resource's (or the provider's) object value: attribute name -> value. */
export type TfObject = { readonly [attribute: string]: TfValue };

/** Terraform's type of an attribute, as the schema carries it (JSON on the wire). */
export type AttributeType = "string" | "number" | "bool" | readonly ["list" | "map" | "set", AttributeType];

export interface AttributeSchema {
  readonly type: AttributeType;
  /** Shown by `terraform providers schema` and editors; one sentence. */
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  /** Set by the provider (may be combined with `optional`). */
  readonly computed?: boolean;
  /** Hidden in plan output. */
  readonly sensitive?: boolean;
  /**
   * Write-only (Terraform >= 1.11): the configuration's value reaches plan and apply, and may come
   * from an ephemeral value, but Terraform never stores it: it is null in what the provider returns.
   */
  readonly writeOnly?: boolean;
}

/** A flat block of attributes: all this provider needs (no nested blocks). */
export interface Schema {
  /** The state schema version; UpgradeResourceState migrates older states to it. */
  readonly version: number;
  readonly description: string;
  readonly attributes: { readonly [name: string]: AttributeSchema };
}

/** A path to an attribute: its name, then list indexes or map keys below it. */
export type AttributePath = readonly (string | number)[];

/** What a resource reports instead of throwing: a summary, a detail and where it applies. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly attribute?: AttributePath;
}

export interface PlanRequest {
  /** The state before the change; null when the object is to be created. */
  readonly prior: TfObject | null;
  /** Terraform's proposal (config merged with prior for computed attributes); null when it is to be destroyed. */
  readonly proposed: TfObject | null;
  /** The configuration as written; null when the object is to be destroyed. */
  readonly config: TfObject | null;
}

export interface PlanResponse {
  /** The planned state: `proposed` with computed values filled in (or {@link UNKNOWN}). */
  readonly planned: TfObject | null;
  /** Attributes whose change forces replacement; Terraform shows "# forces replacement" beside them. */
  readonly requiresReplace?: readonly AttributePath[];
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ApplyRequest {
  /** null: create. */
  readonly prior: TfObject | null;
  /** null: delete. */
  readonly planned: TfObject | null;
  readonly config: TfObject | null;
}

export interface ApplyResponse {
  /**
   * The new state; null once the object is gone. Terraform keeps what is returned even alongside an
   * error diagnostic, so a half-failed operation returns the state that is true.
   */
  readonly newState: TfObject | null;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ReadResponse {
  /** The refreshed state; null when the remote object is gone (Terraform then plans to create it). */
  readonly newState: TfObject | null;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ImportResponse {
  /** The imported object(s); Terraform calls read on each next. */
  readonly imported: readonly TfObject[];
  readonly diagnostics?: readonly Diagnostic[];
}

/** One managed resource type. Thrown errors become an error diagnostic with the error's message. */
export interface ResourceHandler {
  readonly schema: Schema;
  validate?(config: TfObject): readonly Diagnostic[];
  plan(request: PlanRequest): Promise<PlanResponse>;
  apply(request: ApplyRequest): Promise<ApplyResponse>;
  read(current: TfObject): Promise<ReadResponse>;
  importState?(id: string): Promise<ImportResponse>;
}

/** What an ephemeral resource opens: its result, never stored by Terraform. */
export interface OpenResponse {
  /** The result object (the configuration with computed attributes filled in); null only with an error. */
  readonly result: TfObject | null;
  /** When Terraform should call renew, if the value must be kept alive; never, without one. */
  readonly renewAt?: Date;
  /** Opaque bytes Terraform hands back to renew and close (never shown or stored). */
  readonly private?: Uint8Array;
  readonly diagnostics?: readonly Diagnostic[];
}

export interface RenewResponse {
  readonly renewAt?: Date;
  readonly private?: Uint8Array;
  readonly diagnostics?: readonly Diagnostic[];
}

/**
 * One ephemeral resource type (Terraform >= 1.10): opened during plan and apply, its result kept in
 * memory only, never in plan or state. Terraform opens it only once its configuration is wholly known.
 * Thrown errors become an error diagnostic with the error's message.
 */
export interface EphemeralResourceHandler {
  readonly schema: Schema;
  validate?(config: TfObject): readonly Diagnostic[];
  open(config: TfObject): Promise<OpenResponse>;
  /** Called at `renewAt` with the `private` bytes open (or the last renew) returned. */
  renew?(privateData: Uint8Array | undefined): Promise<RenewResponse>;
  /** Called once Terraform no longer needs the value. */
  close?(privateData: Uint8Array | undefined): Promise<readonly Diagnostic[]>;
}

/** The provider: its configuration schema, its resource types, and its life cycle. */
export interface ProviderHandler {
  /** The `provider "<name>" {}` block's schema. */
  readonly schema: Schema;
  /** Resource type name (e.g. `apikeys_api_key`) -> handler. */
  readonly resources: { readonly [typeName: string]: ResourceHandler };
  /** Ephemeral resource type name (e.g. `apikeys_secret`) -> handler. */
  readonly ephemeralResources?: { readonly [typeName: string]: EphemeralResourceHandler };
  validateConfig?(config: TfObject): readonly Diagnostic[];
  /** ConfigureProvider: called once per provider process before any plan, apply, read or import. */
  configure(config: TfObject): Promise<readonly Diagnostic[]>;
  /**
   * StopProvider (Ctrl-C, CI cancel): start no new remote operation, finish those in flight, then
   * resolve. Resolving with a string reports it to Terraform as the stop error.
   */
  stop(): Promise<string | void>;
}
