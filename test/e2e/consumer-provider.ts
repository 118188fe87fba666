/**
 * A stand-in for a registry provider with a write-only argument (`aws_ssm_parameter.value_wo`,
 * `kubernetes_secret_v1.data_wo`, ...): the `consumer` provider, served by the project's protocol
 * layer. Its one resource type, `consumer_secret`, has a write-only `value_wo` and a normal
 * `value_wo_version`, and appends what each create and update received to the file its `record_file`
 * names, so a test can check which value reached the consumer, and when.
 */
import { appendFileSync } from "node:fs";
import { ProviderHandler, Schema, UNKNOWN } from "../../src/provider/protocol";

/** One line of the record file. */
export interface Received {
  readonly op: "create" | "update" | "delete";
  readonly id: string;
  readonly value: string | null;
  readonly version: number | null;
}

const schema: Schema = {
  version: 0,
  description: "A secret in the consumer's system.",
  attributes: {
    id: { type: "string", computed: true, description: "Assigned on create." },
    name: { type: "string", required: true, description: "The secret's name." },
    record_file: { type: "string", required: true, description: "Where what the resource received is appended (JSON lines)." },
    value_wo: { type: "string", optional: true, sensitive: true, writeOnly: true, description: "The value: write-only, never stored." },
    value_wo_version: { type: "number", optional: true, description: "Changing it re-sends value_wo." },
  },
};

export function createConsumerProvider(): ProviderHandler {
  const record = (file: unknown, line: Received) => appendFileSync(String(file), JSON.stringify(line) + "\n");
  let next = 0;
  return {
    schema: { version: 0, description: "The consumer fixture provider.", attributes: {} },
    resources: {
      consumer_secret: {
        schema,
        async plan({ prior, proposed }) {
          if (proposed === null) return { planned: null };
          // Terraform requires a write-only attribute to be null in what the provider returns.
          return { planned: { ...proposed, id: prior ? prior.id : UNKNOWN, value_wo: null } };
        },
        async apply({ prior, planned, config }) {
          if (planned === null) {
            record(prior?.record_file, { op: "delete", id: String(prior?.id), value: null, version: null });
            return { newState: null };
          }
          // The write-only value reaches the provider in the configuration only.
          const id = prior ? String(prior.id) : `secret-${process.pid}-${++next}`;
          const version = typeof config?.value_wo_version === "number" ? config.value_wo_version : null;
          record(planned.record_file, { op: prior ? "update" : "create", id, value: typeof config?.value_wo === "string" ? config.value_wo : null, version });
          return { newState: { ...planned, id, value_wo: null } };
        },
        async read(current) {
          return { newState: current };
        },
      },
    },
    async configure() {
      return [];
    },
    async stop() {},
  };
}
