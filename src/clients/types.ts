/**
 * The one interface every key-management API client implements. The hook program only ever talks
 * to this interface; each vendor's differences (paths, field names, units, pagination, error shapes)
 * stay inside its implementation.
 */

import type { ApiKeyType } from "../spec";

/** A service account as the API reports it (normalised across vendors). */
export interface ServiceAccountInfo {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** RFC 3339. */
  readonly createdAt: string;
}

export type ApiKeyStatus = "active" | "revoked" | "expired";

/** Metadata of an API key (never the plaintext). */
export interface ApiKeyInfo {
  readonly id: string;
  readonly serviceAccountId: string;
  readonly name: string;
  /** A non-secret display fragment of the key (Flownally: the first 12 characters). */
  readonly prefix: string;
  readonly scopes: readonly string[];
  /** RFC 3339. */
  readonly createdAt: string;
  /** RFC 3339, or null when the key never expires. */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly status: ApiKeyStatus;
}

/** What creating a key returns: its metadata and the one-time plaintext. */
export interface CreatedApiKey {
  readonly info: ApiKeyInfo;
  /** The plaintext key. Shown once by the API; goes straight to the secret store. */
  readonly value: string;
}

export interface CreateServiceAccountInput {
  readonly name: string;
  readonly description?: string;
  /** Roles of the account, where the API has them (Flexprice). */
  readonly roles?: readonly string[];
}

export interface CreateApiKeyInput {
  readonly name: string;
  /** When the key stops authenticating. */
  readonly expiresAt?: Date;
  readonly scopes?: readonly string[];
  /** The key's type, where the API has them (Flexprice: `private_key` or `publishable_key`). */
  readonly type?: ApiKeyType;
}

/**
 * Outcome of an idempotent delete: both count as success. "already-gone" is reported only where the
 * API tells the two apart (Flownally answers 204 to a repeated revoke, so that reads as "deleted").
 */
export type DeleteOutcome = "deleted" | "already-gone";

export interface KeyManagementClient {
  /** Every service account (follows pagination to the end). */
  listServiceAccounts(): Promise<ServiceAccountInfo[]>;
  createServiceAccount(input: CreateServiceAccountInput): Promise<ServiceAccountInfo>;
  /** Deleting an account that is already gone counts as success ("already-gone"). */
  deleteServiceAccount(serviceAccountId: string): Promise<DeleteOutcome>;
  listApiKeys(serviceAccountId: string): Promise<ApiKeyInfo[]>;
  createApiKey(serviceAccountId: string, input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /**
   * Revokes a key. Revoking an already revoked (or already deleted) key counts as success: Terraform
   * retries failed destroys, so this must be idempotent.
   * The account id is passed because some APIs (Factory) address keys under their account.
   */
  revokeApiKey(serviceAccountId: string, keyId: string): Promise<DeleteOutcome>;
  /**
   * True when `keyValue` authenticates against the API (as the API's own credential header), false
   * when the API answers 401. A key that authenticates but lacks permission (403) counts as
   * authenticated. `serviceAccountId` is the key's account, for APIs that address keys under it.
   */
  authenticates(keyValue: string, serviceAccountId?: string): Promise<boolean>;
  /**
   * The API's own rotation, where it has one (Factory): mints a replacement with the old key's name,
   * and revokes the old key after `gracePeriodMinutes` (0 to the API's limit).
   */
  rotateApiKey?(serviceAccountId: string, keyId: string, input: { readonly expiresAt?: Date; readonly gracePeriodMinutes?: number }): Promise<CreatedApiKey>;
}
