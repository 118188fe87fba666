/**
 * A store as the `store` map attribute of the provider's resources carries it (every value a string),
 * and which of its fields say where the secrets are (a change there re-mints the key) as opposed to
 * how they are written (a new recipient re-encrypts, a new token variable just updates). Shared by the
 * constructs (which write the map) and the provider (which reads it).
 */
import type { StoreSpec } from "./spec";

/** The fields whose change moves the secrets somewhere else. */
const LOCATION: { readonly [kind in StoreSpec["kind"]]: readonly string[] } = {
  "age-file": ["directory"],
  "aws-secrets-manager": ["region", "name_prefix", "endpoint"],
  "vault-kv2": ["address", "mount", "path_prefix", "namespace"],
};

export function storeToAttributes(spec: StoreSpec): Record<string, string> {
  switch (spec.kind) {
    case "age-file":
      return { kind: spec.kind, directory: spec.directory, recipient: spec.recipient };
    case "aws-secrets-manager":
      return compact({
        kind: spec.kind,
        name_prefix: spec.namePrefix,
        region: spec.region,
        kms_key_id: spec.kmsKeyId,
        recovery_window_days: spec.recoveryWindowDays === undefined ? undefined : String(spec.recoveryWindowDays),
        endpoint: spec.endpoint,
      });
    case "vault-kv2":
      return compact({ kind: spec.kind, address: spec.address, mount: spec.mount, path_prefix: spec.pathPrefix, token_env: spec.tokenEnv, namespace: spec.namespace });
  }
}

/** Fields that say only how a secret is written (the age recipient, the KMS key, the recovery window). */
const WRITING_ONLY = ["recipient", "kms_key_id", "recovery_window_days"];

/** The map without what only writing needs: enough to list and read records (the stack identity's `stores`). */
export function storeReadingAttributes(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([field]) => !WRITING_ONLY.includes(field)));
}

/**
 * Reads the map back; throws naming the missing or bad field. With `reading`, the age recipient may be
 * left out (see {@link storeReadingAttributes}): the store can then list and read, not write.
 */
export function storeFromAttributes(map: Readonly<Record<string, string>>, options: { reading?: boolean } = {}): StoreSpec {
  const need = (field: string): string => {
    const value = map[field];
    if (!value) throw new Error(`\`store.${field}\` is required for a ${map.kind} store`);
    return value;
  };
  const opt = (field: string): string | undefined => map[field] || undefined;
  switch (map.kind) {
    case "age-file":
      return { kind: "age-file", directory: need("directory"), recipient: options.reading ? (map.recipient ?? "") : need("recipient") };
    case "aws-secrets-manager": {
      const days = opt("recovery_window_days");
      if (days !== undefined && !/^\d+$/.test(days)) throw new Error(`\`store.recovery_window_days\` must be a whole number of days (got ${JSON.stringify(days)})`);
      return compactSpec({
        kind: "aws-secrets-manager",
        namePrefix: need("name_prefix"),
        region: opt("region"),
        kmsKeyId: opt("kms_key_id"),
        recoveryWindowDays: days === undefined ? undefined : Number(days),
        endpoint: opt("endpoint"),
      });
    }
    case "vault-kv2":
      return compactSpec({ kind: "vault-kv2", address: need("address"), mount: need("mount"), pathPrefix: need("path_prefix"), tokenEnv: need("token_env"), namespace: opt("namespace") });
    default:
      throw new Error(`\`store.kind\` must be one of ${Object.keys(LOCATION).join(", ")} (got ${JSON.stringify(map.kind)})`);
  }
}

/** Where a store map puts the secrets, as one string: equal for two maps exactly when {@link sameStoreLocation}. */
export function storeLocationKey(map: Readonly<Record<string, string>>): string {
  const fields = LOCATION[map.kind as StoreSpec["kind"]] ?? Object.keys(map).sort();
  return JSON.stringify([map.kind, ...fields.map((field) => map[field] ?? "")]);
}

/** True when both maps put the secrets in the same place (other fields may differ). */
export function sameStoreLocation(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a.kind !== b.kind) return false;
  const fields = LOCATION[a.kind as StoreSpec["kind"]] ?? Object.keys({ ...a, ...b });
  return fields.every((field) => (a[field] ?? "") === (b[field] ?? ""));
}

function compact(map: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function compactSpec<T extends object>(spec: T): T {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as T;
}
