/**
 * Reading typed values out of Terraform objects, and the plan rules both resources share: computed
 * attributes are unknown on create and kept from state on update (terraform-plugin-framework's
 * `UseStateForUnknown`); identity attributes force replacement.
 */
import type { ApiSpec, ApiKind, StoreSpec } from "../../spec";
import { storeFromAttributes } from "../../store-attributes";
import { AttributePath, AttributeSchema, Schema, TfObject, TfValue, UNKNOWN } from "../protocol/types";

/** The attributes that say which API an object lives in, the same on both resource types. */
export const API_ATTRIBUTES: { readonly [name: string]: AttributeSchema } = {
  api: { type: ["map", "string"], required: true, description: "The API: `kind`, `base_url` and, for Flexprice, `environment_id`. Changing it replaces the object." },
  token_env: { type: "string", required: true, description: "The name of the environment variable holding the admin token (never the token)." },
};

/** A configuration value the resource cannot use; becomes an error diagnostic on that attribute. */
export class AttributeError extends Error {
  constructor(
    public readonly attribute: string,
    message: string,
  ) {
    super(message);
    this.name = "AttributeError";
  }
}

export const isKnown = (value: TfValue | undefined): boolean => value !== UNKNOWN;

export function str(obj: TfObject, name: string): string {
  const value = obj[name];
  if (typeof value !== "string" || value === "") throw new AttributeError(name, `\`${name}\` must be a non-empty string`);
  return value;
}

export function optStr(obj: TfObject, name: string): string | undefined {
  const value = obj[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") throw new AttributeError(name, `\`${name}\` must be a string`);
  return value;
}

export function optNum(obj: TfObject, name: string): number | undefined {
  const value = obj[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "number") throw new AttributeError(name, `\`${name}\` must be a number`);
  return value;
}

export function optList(obj: TfObject, name: string): string[] | undefined {
  const value = obj[name];
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new AttributeError(name, `\`${name}\` must be a list of strings`);
  return value as string[];
}

function map(obj: TfObject, name: string): Record<string, string> {
  const value = obj[name];
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new AttributeError(name, `\`${name}\` must be a map of strings`);
  return value as Record<string, string>;
}

const API_KINDS: readonly ApiKind[] = ["flownally", "factory", "flexprice"];

/** The `api` map plus `token_env`, as the clients take them. */
export function apiOf(obj: TfObject): ApiSpec {
  const api = map(obj, "api");
  const kind = api.kind as ApiKind;
  if (!API_KINDS.includes(kind)) throw new AttributeError("api", `\`api.kind\` must be one of ${API_KINDS.join(", ")} (got ${JSON.stringify(api.kind)})`);
  if (!api.base_url) throw new AttributeError("api", "`api.base_url` is required");
  return {
    kind,
    baseUrl: api.base_url,
    tokenEnv: str(obj, "token_env"),
    ...(api.environment_id ? { environmentId: api.environment_id } : {}),
  };
}

/** The `store` map, as the stores take it. */
export function storeOf(obj: TfObject): StoreSpec {
  try {
    return storeFromAttributes(map(obj, "store"));
  } catch (e) {
    throw e instanceof AttributeError ? e : new AttributeError("store", (e as Error).message);
  }
}

/** The `store` map as given (strings). */
export const storeMap = (obj: TfObject): Record<string, string> => map(obj, "store");

/** Deep equality of two attribute values (unknown equals only unknown). */
export function sameValue(a: TfValue | undefined, b: TfValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || a === UNKNOWN || b === UNKNOWN) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, (b as TfValue[])[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as TfObject)[k] !== null);
    const kb = Object.keys(b).filter((k) => (b as TfObject)[k] !== null);
    return ka.length === kb.length && ka.every((k) => sameValue((a as TfObject)[k], (b as TfObject)[k]));
  }
  return false;
}

/** Which identity attributes differ between state and proposal: each forces replacement. */
export function changedPaths(prior: TfObject, proposed: TfObject, identity: readonly string[]): AttributePath[] {
  return identity.filter((name) => !sameValue(prior[name], proposed[name])).map((name) => [name]);
}

/**
 * The planned object for a create or a replacement: every computed attribute becomes unknown ("known
 * after apply"), but those in `known` and those the configuration sets (optional + computed).
 */
export function plannedForCreate(schema: Schema, proposed: TfObject, known: TfObject = {}): TfObject {
  const planned: Record<string, TfValue> = { ...proposed };
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (!attribute.computed) continue;
    if (name in known) planned[name] = known[name];
    else if (!attribute.optional || proposed[name] === null || proposed[name] === undefined) planned[name] = UNKNOWN;
  }
  return planned;
}

/** The planned object for an in-place update: computed attributes keep their values from state. */
export function plannedForUpdate(schema: Schema, prior: TfObject, proposed: TfObject): TfObject {
  const planned: Record<string, TfValue> = { ...proposed };
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (attribute.computed && !(attribute.optional && proposed[name] !== null && proposed[name] !== undefined)) planned[name] = prior[name] ?? null;
  }
  return planned;
}
