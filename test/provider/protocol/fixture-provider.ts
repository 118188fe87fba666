/**
 * A provider for the protocol layer's tests: one resource type, `fixture_thing`, whose "remote API"
 * is a JSON file. Every call it gets is appended to `calls.jsonl` (unknown values as "<unknown>"), so a
 * test can assert what Terraform sent and that, say, a delete really ran.
 *
 * fixture_thing: `name` (required, forces replacement), `note` (optional, updated in place),
 * `sleep_ms` (optional: create takes that long), `tags` (map of string), `ports` (list of number),
 * `id` (computed).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Diagnostic, ProviderHandler, ResourceHandler, Schema, TfObject, UNKNOWN } from "../../../src/provider/protocol";

/** One line of calls.jsonl. */
export interface CallRecord {
  readonly op: string;
  readonly pid: number;
  readonly [detail: string]: unknown;
}

const thingSchema: Schema = {
  version: 1,
  description: "A thing in the fixture's remote store.",
  attributes: {
    id: { type: "string", computed: true, description: "Assigned on create." },
    name: { type: "string", required: true, description: "Changing it replaces the thing." },
    note: { type: "string", optional: true, description: "Updated in place." },
    sleep_ms: { type: "number", optional: true, description: "How long create takes." },
    tags: { type: ["map", "string"], optional: true, description: "Tags." },
    ports: { type: ["list", "number"], optional: true, description: "Ports." },
  },
};

const providerSchema: Schema = {
  version: 0,
  description: "The protocol tests' fixture provider.",
  attributes: { label: { type: "string", optional: true, description: "Recorded on configure." } },
};

/** The fixture provider over `dir` (calls.jsonl, remote.json). */
export function createFixtureProvider(dir: string): ProviderHandler {
  const record = (op: string, detail: object = {}) =>
    appendFileSync(join(dir, "calls.jsonl"), JSON.stringify({ op, pid: process.pid, ...detail }, (_k, v) => (v === UNKNOWN ? "<unknown>" : v)) + "\n");
  const remote = new RemoteStore(join(dir, "remote.json"));
  const inFlight = new Set<Promise<unknown>>();
  return {
    schema: providerSchema,
    resources: { fixture_thing: thingResource(remote, record, inFlight) },
    validateConfig: (config) => (record("validate-provider", { config }), []),
    async configure(config) {
      record("configure", { config });
      return [];
    },
    async stop() {
      record("stop", { inFlight: inFlight.size });
      await Promise.allSettled([...inFlight]);
    },
  };
}

type Record = (op: string, detail?: object) => void;

function thingResource(remote: RemoteStore, record: Record, inFlight: Set<Promise<unknown>>): ResourceHandler {
  return {
    schema: thingSchema,
    validate(config) {
      record("validate", { config });
      const problems: Diagnostic[] = [];
      if (config.name === "") problems.push({ severity: "error", summary: "`name` must not be empty", attribute: ["name"] });
      return problems;
    },
    async plan({ prior, proposed, config }) {
      record("plan", { prior, proposed, config });
      if (proposed === null) return { planned: null };
      if (prior === null) return { planned: { ...proposed, id: UNKNOWN } };
      return { planned: { ...proposed, id: prior.id }, requiresReplace: prior.name !== proposed.name ? [["name"]] : [] };
    },
    async apply({ prior, planned, config }) {
      if (planned === null) {
        record("delete", { id: prior?.id });
        remote.delete(String(prior?.id));
        return { newState: null };
      }
      if (prior === null) {
        const create = createThing(planned, config, remote, record);
        inFlight.add(create);
        return create.finally(() => inFlight.delete(create));
      }
      record("update", { id: prior.id, prior, planned });
      remote.put(String(planned.id), planned);
      return { newState: planned };
    },
    async read(current) {
      const found = remote.get(String(current.id));
      record("read", { id: current.id, found: found !== undefined });
      return { newState: found ?? null };
    },
    async importState(id) {
      const found = remote.get(id);
      record("import", { id, found: found !== undefined });
      if (!found) return { imported: [], diagnostics: [{ severity: "error", summary: `No fixture_thing with id "${id}"` }] };
      return { imported: [{ id }] };
    },
  };
}

async function createThing(planned: TfObject, config: TfObject | null, remote: RemoteStore, record: Record) {
  record("create-start", { planned, config });
  const sleep = typeof planned.sleep_ms === "number" ? planned.sleep_ms : 0;
  if (sleep > 0) await new Promise((resolve) => setTimeout(resolve, sleep));
  const created = { ...planned, id: `thing-${Math.random().toString(36).slice(2, 10)}` };
  remote.put(created.id, created);
  record("create-done", { id: created.id });
  return { newState: created };
}

/** The fixture's "remote API": id -> object in one JSON file. */
class RemoteStore {
  constructor(private readonly file: string) {}
  get(id: string): TfObject | undefined {
    return this.all()[id];
  }
  put(id: string, value: TfObject): void {
    writeFileSync(this.file, JSON.stringify({ ...this.all(), [id]: value }));
  }
  delete(id: string): void {
    const all = this.all();
    delete all[id];
    writeFileSync(this.file, JSON.stringify(all));
  }
  private all(): { [id: string]: TfObject } {
    return existsSync(this.file) ? JSON.parse(readFileSync(this.file, "utf8")) : {};
  }
}
