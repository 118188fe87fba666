/**
 * The stores a synthesized stack writes to, read from its `cdk.tf.json` (no state, no terraform): how
 * `get --stack` and `list --stack` reach a key in any store (age files, Secrets Manager, Vault) without
 * the user spelling the store out again.
 */
import * as fs from "fs";
import * as path from "path";
import { RESOURCE_TYPES } from "../provider-contract";
import { describeStore, type StoreSpec } from "../spec";
import { storeFromAttributes } from "../store-attributes";
import { projectDirOf } from "./stack-state";

/** A key's secret path and store, as the stack declares them. */
export interface DeclaredKey {
  readonly secretPath: string;
  readonly store: StoreSpec;
}

export interface StackStores {
  readonly keys: readonly DeclaredKey[];
  /** Where relative store directories resolve, as for the provider. */
  readonly projectDir: string;
}

/**
 * The provider-engine keys the stack at `stackDir` declares.
 * @throws Error naming the directory and what was expected
 */
export function readStackStores(stackDir: string, env: NodeJS.ProcessEnv): StackStores {
  const file = path.join(stackDir, "cdk.tf.json");
  let config: { resource?: Record<string, Record<string, { secret_path?: unknown; store?: unknown }>>; locals?: Record<string, unknown> };
  try {
    config = JSON.parse(fs.readFileSync(file, "utf8")) as typeof config;
  } catch (e) {
    throw new Error(
      `${stackDir} is not a synthesized stack directory (${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no cdk.tf.json" : "its cdk.tf.json cannot be read"}). ` +
        "Name the stack's directory, e.g. --stack cdktf.out/stacks/<stack>, after `cdktf synth`.",
    );
  }
  const keys: DeclaredKey[] = [];
  for (const [name, body] of Object.entries(config.resource?.[RESOURCE_TYPES.apiKey] ?? {})) {
    const store = localValue(config.locals, body.store);
    if (typeof body.secret_path !== "string" || typeof store !== "object" || store === null) continue;
    try {
      keys.push({ secretPath: body.secret_path, store: storeFromAttributes(store as Record<string, string>) });
    } catch (e) {
      throw new Error(`${RESOURCE_TYPES.apiKey}.${name} in ${file}: ${(e as Error).message}`);
    }
  }
  return { keys, projectDir: projectDirOf(stackDir, file, env) };
}

/** An attribute as Terraform reads it: the synthesized resources refer to their store map as `${local.<name>}`. */
function localValue(locals: Record<string, unknown> | undefined, value: unknown): unknown {
  const reference = typeof value === "string" ? /^\$\{local\.([A-Za-z0-9_-]+)\}$/.exec(value) : null;
  return reference ? locals?.[reference[1]] : value;
}

/** The store of `secretPath` in the stack; an error listing the stack's paths when none has it, or when two stores do. */
export function storeOfPath(stack: StackStores, stackDir: string, secretPath: string): StoreSpec {
  const matches = stack.keys.filter((k) => k.secretPath === secretPath);
  if (matches.length === 1) return matches[0].store;
  if (matches.length > 1) {
    throw new Error(`secretPath ${JSON.stringify(secretPath)} is used in ${matches.length} stores of the stack in ${stackDir} (${matches.map((m) => describeStore(m.store)).join("; ")}): name the store with --dir instead.`);
  }
  const known = stack.keys.map((k) => k.secretPath).sort();
  throw new Error(
    `the stack in ${stackDir} declares no ApiKey with secretPath ${JSON.stringify(secretPath)}` +
      (known.length ? `; its secret paths are ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", ..." : ""}.` : " (it has no provider-engine ApiKeys)."),
  );
}

/** Each store of the stack once. */
export function distinctStackStores(stack: StackStores): StoreSpec[] {
  const seen = new Map<string, StoreSpec>();
  for (const { store } of stack.keys) seen.set(describeStore(store), store);
  return [...seen.values()];
}
