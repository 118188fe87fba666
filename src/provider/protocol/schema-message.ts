/**
 * A {@link Schema} as a `tfplugin6.Schema` message: one flat block, attribute types as JSON bytes
 * (`"string"`, `["list","string"]`), attributes sorted by name so the answer is stable.
 */
import type { Schema } from "./types";

const PLAIN = 0; // tfplugin6.StringKind.PLAIN

/** `tfplugin6.Schema` as a plain object for protobuf encoding. */
export function schemaMessage(schema: Schema): object {
  const attributes = Object.keys(schema.attributes)
    .sort()
    .map((name) => {
      const a = schema.attributes[name];
      return {
        name,
        type: Buffer.from(JSON.stringify(a.type)),
        description: a.description,
        description_kind: PLAIN,
        required: a.required ?? false,
        optional: a.optional ?? false,
        computed: a.computed ?? false,
        sensitive: a.sensitive ?? false,
        write_only: a.writeOnly ?? false,
      };
    });
  return { version: schema.version, block: { version: schema.version, description: schema.description, description_kind: PLAIN, attributes } };
}
