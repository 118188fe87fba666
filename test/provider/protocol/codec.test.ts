import { decode, encode, ExtData } from "@msgpack/msgpack";
import { decodeObject, encodeObject, objectFromJson } from "../../../src/provider/protocol/codec";
import { Schema, TfObject, UNKNOWN } from "../../../src/provider/protocol/types";

const schema: Schema = {
  version: 0,
  description: "test",
  attributes: {
    id: { type: "string", computed: true, description: "" },
    count: { type: "number", optional: true, description: "" },
    ratio: { type: "number", optional: true, description: "" },
    enabled: { type: "bool", optional: true, description: "" },
    scopes: { type: ["list", "string"], optional: true, description: "" },
    labels: { type: ["map", "string"], optional: true, description: "" },
    matrix: { type: ["list", ["map", ["set", "number"]]], optional: true, description: "" },
  },
};

describe("codec", () => {
  test("round-trips every kind of value, nested collections and unknowns included", () => {
    // GIVEN
    const value: TfObject = {
      id: UNKNOWN,
      count: 3,
      ratio: 0.25,
      enabled: false,
      scopes: ["a", UNKNOWN],
      labels: { team: "core", owner: UNKNOWN },
      matrix: [{ x: [1, 2] }, { y: UNKNOWN }, {}],
    };

    // WHEN
    const bytes = encodeObject(value, schema);

    // THEN
    expect(decodeObject({ msgpack: bytes }, schema)).toEqual(value);
  });

  test("writes an unknown as extension type 0 with an empty payload", () => {
    const wire = decode(encodeObject({ id: UNKNOWN }, schema)) as Record<string, unknown>;
    expect(wire.id).toBeInstanceOf(ExtData);
    expect((wire.id as ExtData).type).toBe(0);
    expect((wire.id as ExtData).data).toHaveLength(0);
  });

  test("writes integral numbers as msgpack integers and others as floats", () => {
    const bytes = encodeObject({ count: 3, ratio: 0.5 }, schema);
    // positive fixint 3; float64 marker 0xcb for 0.5
    expect(Buffer.from(bytes).includes(Buffer.from([0xa5, ...Buffer.from("count"), 0x03]))).toBe(true);
    expect(Buffer.from(bytes).includes(Buffer.from([0xa5, ...Buffer.from("ratio"), 0xcb]))).toBe(true);
  });

  test("reads a refined unknown (extension 12) and any other extension as unknown", () => {
    // GIVEN: a string known to start with "key-" (refinement 2), and an extension type this code never saw
    const refined = new ExtData(12, encode(new Map([[2, "key-"]])));
    const bytes = encode({ id: refined, count: new ExtData(42, new Uint8Array([1])) });

    // WHEN
    const decoded = decodeObject({ msgpack: bytes }, schema);

    // THEN
    expect(decoded?.id).toBe(UNKNOWN);
    expect(decoded?.count).toBe(UNKNOWN);
  });

  test("fills attributes the object lacks with null and drops attributes the schema does not have", () => {
    const decoded = decodeObject({ msgpack: encode({ id: "k1", retired: "yes" }) }, schema);
    expect(decoded).toEqual({ id: "k1", count: null, ratio: null, enabled: null, scopes: null, labels: null, matrix: null });
  });

  test("encodes only the schema's attributes, missing ones as nil", () => {
    const wire = decode(encodeObject({ id: "k1", extra: "x" } as never, schema));
    expect(wire).toEqual({ id: "k1", count: null, ratio: null, enabled: null, scopes: null, labels: null, matrix: null });
  });

  test("reads a number Terraform sent as a decimal string", () => {
    expect(decodeObject({ msgpack: encode({ count: "12345" }) }, schema)?.count).toBe(12345);
  });

  test("null object on the wire is null; so is a DynamicValue with neither encoding", () => {
    expect(decodeObject({ msgpack: encodeObject(null, schema) }, schema)).toBeNull();
    expect(decodeObject({ msgpack: Buffer.alloc(0), json: Buffer.alloc(0) }, schema)).toBeNull();
    expect(decodeObject(null, schema)).toBeNull();
  });

  test("falls back to the JSON encoding when msgpack is empty", () => {
    const json = Buffer.from(JSON.stringify({ id: "k1", scopes: ["a"] }));
    expect(decodeObject({ msgpack: Buffer.alloc(0), json }, schema)).toMatchObject({ id: "k1", scopes: ["a"], count: null });
  });

  test("a wholly unknown object becomes an object of unknown attributes", () => {
    const decoded = decodeObject({ msgpack: encode(new ExtData(0, new Uint8Array(0))) }, schema);
    expect(Object.values(decoded ?? {}).every((v) => v === UNKNOWN)).toBe(true);
  });

  test("raw JSON state becomes an object of the schema, missing attributes null", () => {
    const state = objectFromJson('{"id":"k1","count":2,"labels":{"a":"b"},"old_attribute":true}', schema);
    expect(state).toEqual({ id: "k1", count: 2, ratio: null, enabled: null, scopes: null, labels: { a: "b" }, matrix: null });
  });

  test("rejects a value that is not an object with a message saying what it got", () => {
    expect(() => decodeObject({ msgpack: encode([1, 2]) }, schema)).toThrow(/expected an object value from Terraform, got an array/);
  });
});
