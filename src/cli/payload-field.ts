/**
 * `get --field <name>`, like `vault kv get -field`: one field of a stored payload, as a line of text.
 */
import type { SecretPayload } from "../stores/types";

/** The fields of a stored payload, in the order the usage lists them. */
export const PAYLOAD_FIELDS = ["value", "keyId", "serviceAccountId", "name", "createdAt", "expiresAt"] as const satisfies readonly (keyof SecretPayload)[];

export type PayloadField = (typeof PAYLOAD_FIELDS)[number];

/** A message naming the bad field and the valid ones, or `undefined` when `name` is a field. */
export function payloadFieldProblem(name: string): string | undefined {
  if ((PAYLOAD_FIELDS as readonly string[]).includes(name)) return undefined;
  return `\`--field\` must be one of ${PAYLOAD_FIELDS.join(", ")} (got ${JSON.stringify(name)}); field names are case-sensitive.`;
}

/** The field as printed: its text and a newline; an empty line for a key that never expires (`expiresAt` null). */
export function formatPayloadField(payload: SecretPayload, field: PayloadField): string {
  return `${payload[field] ?? ""}\n`;
}
