/**
 * Terraform values on the wire (see terraform-object-wire-format.md) <-> plain JavaScript values.
 * An object is a msgpack map from attribute name to value, null is nil, and an unknown value is any
 * msgpack extension (type 0 when unrefined, 12 with refinements, which are ignored here); this side
 * always writes type 0 with an empty payload. Decoding follows the schema: numbers sent as strings
 * become numbers, attributes the object lacks become null, and attributes the schema does not have
 * are dropped (Terraform rejects them in what a provider returns).
 */
import { decode, encode, ExtData } from "@msgpack/msgpack";
import { AttributeType, Schema, TfObject, TfValue, UNKNOWN } from "./types";

/** A `DynamicValue` as it arrives: msgpack normally, JSON as the documented fallback. */
export interface WireValue {
  readonly msgpack?: Uint8Array;
  readonly json?: Uint8Array;
}

const UNKNOWN_ON_WIRE = new ExtData(0, new Uint8Array(0));

/** Decodes an object value; null when Terraform sent null (no object) or nothing at all. */
export function decodeObject(value: WireValue | null | undefined, schema: Schema): TfObject | null {
  if (value?.msgpack && value.msgpack.length > 0) return objectFrom(decode(value.msgpack), schema);
  if (value?.json && value.json.length > 0) return objectFrom(JSON.parse(Buffer.from(value.json).toString("utf8")), schema);
  return null;
}

/** Decodes stored state (`RawState.json`, or any JSON object text) into an object of the schema. */
export function objectFromJson(json: Uint8Array | string, schema: Schema): TfObject | null {
  return objectFrom(JSON.parse(typeof json === "string" ? json : Buffer.from(json).toString("utf8")), schema);
}

/** Encodes an object value (null: no object) as msgpack, attribute by attribute per the schema. */
export function encodeObject(value: TfObject | null, schema: Schema): Uint8Array {
  if (value === null) return encode(null);
  const wire: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(schema.attributes)) wire[name] = toWire(value[name] ?? null, attribute.type);
  return encode(wire);
}

/**
 * The object with exactly the schema's attributes: missing ones null, unknown names dropped. A wholly
 * unknown object (possible in configuration) becomes an object whose every attribute is unknown.
 */
export function objectFrom(raw: unknown, schema: Schema): TfObject | null {
  if (raw === null || raw === undefined) return null;
  const whollyUnknown = isUnknownOnWire(raw);
  if (!whollyUnknown && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new Error(`expected an object value from Terraform, got ${Array.isArray(raw) ? "an array" : typeof raw}`);
  }
  const source = raw as Record<string, unknown>;
  const result: Record<string, TfValue> = {};
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    result[name] = whollyUnknown ? UNKNOWN : fromWire(Object.hasOwn(source, name) ? source[name] : null, attribute.type);
  }
  return result;
}

/** One decoded msgpack/JSON value -> TfValue, guided by its type. */
export function fromWire(raw: unknown, type: AttributeType): TfValue {
  if (raw === null || raw === undefined) return null;
  if (isUnknownOnWire(raw)) return UNKNOWN;
  if (typeof type === "string") return primitiveFromWire(raw, type);
  const [kind, element] = type;
  if (kind === "map") {
    const entries = Object.entries(raw as Record<string, unknown>).map(([key, v]) => [key, fromWire(v, element)] as const);
    return Object.fromEntries(entries);
  }
  return (raw as unknown[]).map((v) => fromWire(v, element));
}

/** One TfValue -> the value msgpack encodes, guided by its type. */
export function toWire(value: TfValue | undefined, type: AttributeType): unknown {
  if (value === null || value === undefined) return null;
  if (value === UNKNOWN) return UNKNOWN_ON_WIRE;
  if (typeof type === "string") return value;
  const [kind, element] = type;
  if (kind === "map") {
    return Object.fromEntries(Object.entries(value as Record<string, TfValue>).map(([key, v]) => [key, toWire(v, element)]));
  }
  return (value as readonly TfValue[]).map((v) => toWire(v, element));
}

function primitiveFromWire(raw: unknown, type: "string" | "number" | "bool"): TfValue {
  // Terraform writes a number that does not fit a float64 exactly as its decimal string.
  if (type === "number" && (typeof raw === "string" || typeof raw === "bigint")) return Number(raw);
  return raw as TfValue;
}

/** Any msgpack extension is an unknown value (type 0 plain, type 12 refined). */
const isUnknownOnWire = (raw: unknown): boolean => raw instanceof ExtData || raw === UNKNOWN;
