/**
 * The non-secret specs that the constructs synthesize into each resource's `input` and that the hook
 * program reads back at apply and destroy time. This file is the contract between synth and hook:
 * it holds only plain data and must not import cdktf (the hook bundle stays small).
 */

export type ApiKind = "flownally" | "factory" | "flexprice";

/** Flexprice's built-in roles (api-notes); others are accepted with a warning at synth. */
export const FLEXPRICE_BUILT_IN_ROLES: readonly string[] = ["super_admin", "all_reader", "all_writer", "event_ingestor", "event_reader"];

/** Flexprice's key types that this project can create (`integration` is refused by the server). */
export type ApiKeyType = "private_key" | "publishable_key";

/** Which API, where, and the NAME of the environment variable holding the admin token (never the token). */
export interface ApiSpec {
  readonly kind: ApiKind;
  readonly baseUrl: string;
  readonly tokenEnv: string;
  /** Flexprice only: sent as `X-Environment-ID` when set. */
  readonly environmentId?: string;
}

/** The encrypted file store. `directory` is as the user wrote it: relative paths resolve against the project directory. */
export interface AgeFileStoreSpec {
  readonly kind: "age-file";
  readonly directory: string;
  /** The age recipient (public key, `age1...`), read from `recipientFile` at synth time. */
  readonly recipient: string;
}

/** AWS Secrets Manager, with the SDK's default credential chain. */
export interface AwsSecretsManagerStoreSpec {
  readonly kind: "aws-secrets-manager";
  readonly namePrefix: string;
  /** @default the SDK's region chain (AWS_REGION, the profile) */
  readonly region?: string;
  readonly kmsKeyId?: string;
  /** 0 deletes at once; 7 to 30 keeps a deleted secret recoverable that long. */
  readonly recoveryWindowDays?: number;
  /** A LocalStack-style endpoint. */
  readonly endpoint?: string;
}

/** HashiCorp Vault's KV version 2 engine, over its HTTP API. */
export interface VaultKv2StoreSpec {
  readonly kind: "vault-kv2";
  /** Vault's address, e.g. `https://vault.example.com:8200`. */
  readonly address: string;
  /** The KV v2 engine's mount path, e.g. `secret`. */
  readonly mount: string;
  /** The folder under the mount that holds this store's secrets, e.g. `ci/keys`. */
  readonly pathPrefix: string;
  /** The NAME of the variable holding the Vault token (never the token). */
  readonly tokenEnv: string;
  /** Vault Enterprise namespace, sent as `X-Vault-Namespace`. */
  readonly namespace?: string;
}

export type StoreSpec = AgeFileStoreSpec | AwsSecretsManagerStoreSpec | VaultKv2StoreSpec;

/** Where a store is, in words, for messages: `secrets`, `aws-secrets-manager eu-west-1 ci/keys`. */
export function describeStore(spec: StoreSpec): string {
  switch (spec.kind) {
    case "age-file":
      return spec.directory;
    case "aws-secrets-manager":
      return `aws-secrets-manager ${spec.region ?? "(default region)"} ${spec.namePrefix}`;
    case "vault-kv2":
      return `vault-kv2 ${spec.address}${spec.namespace ? ` namespace ${spec.namespace}` : ""} ${spec.mount}/${spec.pathPrefix}`;
  }
}

/** Input of a ServiceAccount resource. */
export interface ServiceAccountSpec {
  readonly kind: "service-account";
  /** Stack name + construct path, e.g. `quickstart/billing`. Keys the account's record. */
  readonly address: string;
  readonly api: ApiSpec;
  readonly name: string;
  readonly description?: string;
  /** Flexprice only: the roles the account (and so its keys) gets. */
  readonly roles?: readonly string[];
  /** Where the account's (non-secret) record is kept. */
  readonly store: StoreSpec;
}

/** How a key finds its account: an account this stack owns (through its record), or a fixed id. */
export type ServiceAccountRef =
  | { readonly address: string; readonly name: string; readonly store: StoreSpec }
  | { readonly id: string };

/** Input of an ApiKey resource. */
export interface ApiKeySpec {
  readonly kind: "api-key";
  readonly address: string;
  readonly api: ApiSpec;
  readonly serviceAccount: ServiceAccountRef;
  readonly name: string;
  readonly expiresInDays?: number;
  readonly scopes?: readonly string[];
  /** Flexprice only: `private_key` or `publishable_key`. */
  readonly type?: ApiKeyType;
  readonly store: StoreSpec;
  readonly secretPath: string;
}

export type ResourceSpec = ServiceAccountSpec | ApiKeySpec;
