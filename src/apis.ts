/**
 * What each key-management API can do, in one table: the constructs validate props against it, and
 * the key life cycle, the hooks and `status` decide by it instead of asking which API they talk to.
 * Facts from the API notes (shared/api-notes.md) and the emulators that follow them.
 */
import type { ApiKind, ApiKeyType } from "./spec";

export interface ApiCapabilities {
  /** The vendor's name, for messages. */
  readonly displayName: string;
  /** Service accounts can be created (and deleted) through the API. */
  readonly createsServiceAccounts: boolean;
  /** Accounts carry roles, which their keys inherit (required when creating one). */
  readonly accountRoles: boolean;
  /** Accounts carry a description. */
  readonly accountDescription: boolean;
  /** Two active accounts cannot share a name (Flownally: 409 `service_account_name_taken`). */
  readonly uniqueAccountNames: boolean;
  /** Keys carry scopes of their own, which the key list returns. */
  readonly keyScopes: boolean;
  /** Keys have a type (`private_key` / `publishable_key`). */
  readonly keyTypes: boolean;
  /** Key types the API's key list never returns (Flexprice: publishable keys): their live state is unknowable. */
  readonly unlistedKeyTypes: readonly ApiKeyType[];
  /**
   * The key list is the environment's, not one account's (Flexprice): keys of other accounts and other
   * stacks appear in it, so a key is never told as ours by its place in the list.
   */
  readonly globalKeyList: boolean;
  /**
   * The longest grace period of the API's own rotate endpoint, in minutes (Factory: 10), which keeps the
   * old key valid meanwhile; 0 when the API has no rotate endpoint (a rotation mints a new key, and the
   * provider revokes the old one after `overlapMinutes`).
   */
  readonly rotateGraceMinutes: number;
}

export const API_CAPABILITIES: { readonly [kind in ApiKind]: ApiCapabilities } = {
  flownally: {
    displayName: "Flownally",
    createsServiceAccounts: true,
    accountRoles: false,
    accountDescription: true,
    uniqueAccountNames: true,
    keyScopes: true,
    keyTypes: false,
    unlistedKeyTypes: [],
    globalKeyList: false,
    rotateGraceMinutes: 0,
  },
  factory: {
    displayName: "Factory",
    createsServiceAccounts: false,
    accountRoles: false,
    accountDescription: false,
    uniqueAccountNames: false,
    keyScopes: false,
    keyTypes: false,
    unlistedKeyTypes: [],
    globalKeyList: false,
    rotateGraceMinutes: 10,
  },
  flexprice: {
    displayName: "Flexprice",
    createsServiceAccounts: true,
    accountRoles: true,
    accountDescription: false,
    uniqueAccountNames: false,
    keyScopes: false,
    keyTypes: true,
    unlistedKeyTypes: ["publishable_key"],
    globalKeyList: true,
    rotateGraceMinutes: 0,
  },
};

/** Whether the API's key list shows keys of this type (else only the store can vouch for them). */
export function listsKeyType(kind: ApiKind, type: string | undefined): boolean {
  return type === undefined || !(API_CAPABILITIES[kind].unlistedKeyTypes as readonly string[]).includes(type);
}
