/**
 * How {@link AwsSecretsManagerStore} names its secrets and writes its non-secret records into a
 * secret's description. Pure functions, no AWS calls.
 *
 * Names (Secrets Manager allows ASCII letters, digits and `/_+=.@-`, 512 characters at most):
 * - `<namePrefix>/<secretPath>`: the secret of a key; its description holds the key's record;
 * - `<namePrefix>/.cdktf-api-keys/intents/<secretPath>`: a mint intent, in the description of a secret
 *   without a value;
 * - `<namePrefix>/.cdktf-api-keys/accounts/<encoded address>`: a service account's record, likewise;
 * - `<namePrefix>/.cdktf-api-keys/revocations/<encoded key id>`: a pending revocation, likewise.
 * A secretPath segment never starts with `.`, so no key can collide with the hidden names, and a
 * listing skips them by checking the path.
 *
 * A description is `cdktf-api-keys <kind>: <JSON>`: it reads as what it is in the console's list of
 * secrets, parses back exactly, and a secret someone else described is told apart from a damaged one.
 */
import { isPendingRevocation } from "./pending-revocation";
import type { AccountRecord, KeyRecord, MintIntent, PendingRevocation } from "./types";

/** The hidden folder under the name prefix for intents and account records. */
export const HIDDEN_FOLDER = ".cdktf-api-keys";

/** The longest description Secrets Manager keeps (the `Description` member: 0 to 2048 characters). */
export const MAX_DESCRIPTION_LENGTH = 2048;

/** The longest secret name (the `Name` member of CreateSecret: 1 to 512 characters). */
export const MAX_NAME_LENGTH = 512;

/** Characters Secrets Manager allows in a secret name. */
export const NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;

export type RecordKind = "key record" | "account record" | "mint intent" | "pending revocation";

/** The description holding `record`. */
export function encodeDescription(kind: RecordKind, record: KeyRecord | AccountRecord | MintIntent | PendingRevocation): string {
  return `${marker(kind)}${JSON.stringify(record)}`;
}

/** What a description turned out to hold. */
export type Decoded<T> =
  | { readonly kind: "none" }
  | { readonly kind: "record"; readonly record: T }
  /** Not written by this store (someone else's description, or another kind of record). */
  | { readonly kind: "foreign" }
  /** This store's marker, but not a valid record after it. */
  | { readonly kind: "damaged" };

export function decodeKeyRecord(description: string | undefined): Decoded<KeyRecord> {
  return decode(description, "key record", (v) =>
    hasStrings(v, KEY_RECORD_FIELDS) &&
    (v.expiresAt === null || typeof v.expiresAt === "string") &&
    (v.confirmed === undefined || typeof v.confirmed === "boolean"),
  );
}

export function decodeAccountRecord(description: string | undefined): Decoded<AccountRecord> {
  return decode(description, "account record", (v) => hasStrings(v, ACCOUNT_RECORD_FIELDS));
}

export function decodePendingRevocation(description: string | undefined): Decoded<PendingRevocation> {
  return decode(description, "pending revocation", (v) => isPendingRevocation(v));
}

export function decodeMintIntent(description: string | undefined): Decoded<MintIntent> {
  return decode(description, "mint intent", (v) => hasStrings(v, MINT_INTENT_FIELDS));
}

/**
 * An account address as a piece of a secret name, one-to-one: letters, digits, `/`, `_`, `.` and `-`
 * stay, every other UTF-8 byte (`+` included) becomes `+XX` in hex. `my stack/billing` -> `my+20stack/billing`.
 * Names are never decoded: the record holds its address.
 */
export function encodeAddress(address: string): string {
  let out = "";
  for (const ch of address) {
    if (/^[A-Za-z0-9/_.-]$/.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `+${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const KEY_RECORD_FIELDS = ["address", "instanceId", "keyId", "serviceAccountId", "name", "prefix", "createdAt"] as const;
const ACCOUNT_RECORD_FIELDS = ["address", "instanceId", "serviceAccountId", "name", "createdAt"] as const;
const MINT_INTENT_FIELDS = ["address", "serviceAccountId", "name", "startedAt"] as const;

function marker(kind: RecordKind): string {
  return `cdktf-api-keys ${kind}: `;
}

function decode<T>(description: string | undefined, kind: RecordKind, valid: (v: Record<string, unknown>) => boolean): Decoded<T> {
  if (description === undefined || description === "") return { kind: "none" };
  if (!description.startsWith(marker(kind))) return { kind: "foreign" };
  let value: unknown;
  try {
    value = JSON.parse(description.slice(marker(kind).length));
  } catch {
    return { kind: "damaged" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !valid(value as Record<string, unknown>)) return { kind: "damaged" };
  return { kind: "record", record: value as T };
}

function hasStrings(value: Record<string, unknown>, fields: readonly string[]): boolean {
  return fields.every((f) => typeof value[f] === "string");
}
