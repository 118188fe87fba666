/**
 * What a stack's Terraform state says about its accounts and keys, for the commands that look behind
 * it (`status`, `revoke-due`): read with `terraform show -json` in the stack directory, so any backend
 * works (local, pg, s3...) the way terraform itself reaches it.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROVIDER_ENV, RESOURCE_TYPES } from "../provider-contract";
import { apiOf, optNum, optStr, storeOf, str } from "../provider/resources/values";
import type { TfObject } from "../provider/protocol/types";
import type { RotationPolicy } from "../rotation";
import type { ApiSpec, StoreSpec } from "../spec";

/** A key as the state holds it. */
export interface StateKey {
  /** Terraform's address, e.g. `apikeys_api_key.key_billing_prod_1a2b3c4d`. */
  readonly terraformAddress: string;
  /** The construct (`<stack>/<path>`). */
  readonly address: string;
  readonly id: string;
  readonly name: string;
  readonly api: ApiSpec;
  readonly serviceAccountId: string;
  readonly store: StoreSpec;
  readonly secretPath: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly rotation?: RotationPolicy;
  /** Flexprice's key type (`private_key`, `publishable_key`), when set. */
  readonly type?: string;
  /** What the last refresh found (the `status` attribute). */
  readonly status: string;
  /**
   * Terraform's id of a deposed object (e.g. `c56e06f3`): an old key that a replacement set aside and
   * whose delete did not finish. Absent for the resource's current object.
   */
  readonly deposed?: string;
}

/** An account as the state holds it. */
export interface StateAccount {
  readonly terraformAddress: string;
  readonly address: string;
  readonly id: string;
  readonly name: string;
  readonly api: ApiSpec;
  readonly store?: StoreSpec;
}

/** A key as the stack's configuration (`cdk.tf.json`) declares it, whether or not it is in the state yet. */
export interface ConfiguredKey {
  readonly name: string;
  /** Flexprice's key type, when set. */
  readonly type?: string;
}

export interface StackState {
  /** Current and deposed objects: a deposed key has `deposed` set and shares its address with the current one. */
  readonly keys: readonly StateKey[];
  readonly accounts: readonly StateAccount[];
  /** The keys of the configuration with a literal name (every key synthesized by this library has one). */
  readonly configuredKeys: readonly ConfiguredKey[];
  /** Where relative store directories resolve, as the provider resolves them. */
  readonly projectDir: string;
}

/** A failure to read the state, explained: no stack there, no state yet, terraform failing. */
export class StackStateError extends Error {}

/**
 * Runs `terraform show -json` in `stackDir` and picks out this project's resources.
 * @throws StackStateError saying what is missing and what to run
 */
export async function readStackState(stackDir: string, env: NodeJS.ProcessEnv): Promise<StackState> {
  const config = path.join(stackDir, "cdk.tf.json");
  if (!fs.existsSync(config)) {
    throw new StackStateError(
      `${stackDir} is not a synthesized stack directory (no cdk.tf.json). Name the stack's directory, e.g. cdktf.out/stacks/<stack>.`,
    );
  }
  const shown = await terraformShow(stackDir, env);
  let document: { values?: { root_module?: Module } };
  try {
    document = JSON.parse(shown) as typeof document;
  } catch {
    throw new StackStateError(`terraform show -json in ${stackDir} did not print JSON; run it yourself to see why.`);
  }
  const root = document.values?.root_module;
  if (!root) throw new StackStateError(`the stack in ${stackDir} has no state yet: apply it first (terraform apply, or cdktf deploy).`);
  const keys: StateKey[] = [];
  const accounts: StateAccount[] = [];
  for (const resource of resourcesOf(root)) {
    if (resource.mode !== "managed") continue;
    const v = resource.values as TfObject;
    try {
      // `terraform show -json` lists a deposed object beside the current one, with the same address and a `deposed_key`.
      if (resource.type === RESOURCE_TYPES.apiKey) keys.push(keyOf(resource.address, v, resource.deposed_key));
      else if (resource.type === RESOURCE_TYPES.serviceAccount && v.api !== null && resource.deposed_key === undefined) accounts.push(accountOf(resource.address, v));
    } catch (e) {
      throw new StackStateError(`${resource.address} in the state cannot be read: ${(e as Error).message}`);
    }
  }
  return { keys, accounts, configuredKeys: configuredKeysOf(config), projectDir: projectDirOf(stackDir, config, env) };
}

/** The configuration's keys with a literal name; none when the file cannot be read (the state is what matters). */
function configuredKeysOf(configFile: string): ConfiguredKey[] {
  let config: { resource?: Record<string, Record<string, { name?: unknown; type?: unknown }>> };
  try {
    config = JSON.parse(fs.readFileSync(configFile, "utf8")) as typeof config;
  } catch {
    return [];
  }
  return Object.values(config.resource?.[RESOURCE_TYPES.apiKey] ?? {}).flatMap((body) =>
    typeof body.name === "string" && !body.name.includes("${") ? [{ name: body.name, ...(typeof body.type === "string" ? { type: body.type } : {}) }] : [],
  );
}

interface Module {
  readonly resources?: readonly StateResource[];
  readonly child_modules?: readonly Module[];
}

interface StateResource {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
  readonly deposed_key?: string;
}

function* resourcesOf(module: Module): Generator<StateResource> {
  yield* module.resources ?? [];
  for (const child of module.child_modules ?? []) yield* resourcesOf(child);
}

function keyOf(terraformAddress: string, v: TfObject, deposed: string | undefined): StateKey {
  const rotateEveryDays = optNum(v, "rotate_every_days");
  const rotateBeforeExpiryDays = optNum(v, "rotate_before_expiry_days");
  return {
    terraformAddress,
    address: str(v, "address"),
    id: str(v, "id"),
    name: str(v, "name"),
    api: apiOf(v),
    serviceAccountId: str(v, "service_account_id"),
    store: storeOf(v),
    secretPath: str(v, "secret_path"),
    createdAt: optStr(v, "created_at") ?? "",
    expiresAt: optStr(v, "expires_at") ?? null,
    ...(rotateEveryDays !== undefined || rotateBeforeExpiryDays !== undefined ? { rotation: { rotateEveryDays, rotateBeforeExpiryDays } } : {}),
    ...(optStr(v, "type") !== undefined ? { type: optStr(v, "type") } : {}),
    status: optStr(v, "status") ?? "active",
    ...(deposed !== undefined ? { deposed } : {}),
  };
}

function accountOf(terraformAddress: string, v: TfObject): StateAccount {
  return {
    terraformAddress,
    address: optStr(v, "address") ?? str(v, "name"),
    id: str(v, "id"),
    name: str(v, "name"),
    api: apiOf(v),
    ...(v.store !== null && v.store !== undefined ? { store: storeOf(v) } : {}),
  };
}

/** As the provider does it: `CDKTF_API_KEYS_PROJECT_DIR`, else the provider block's `project_dir`, relative to the stack directory. */
export function projectDirOf(stackDir: string, configFile: string, env: NodeJS.ProcessEnv): string {
  let fromStack: string | undefined;
  try {
    const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as { provider?: { apikeys?: { project_dir?: string }[] } };
    fromStack = config.provider?.apikeys?.[0]?.project_dir;
  } catch {
    fromStack = undefined; // unreadable: the stack directory itself, like the provider without a project_dir
  }
  return path.resolve(stackDir, env[PROVIDER_ENV.projectDir] || fromStack || ".");
}

function terraformShow(stackDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("terraform", ["show", "-json", "-no-color"], { cwd: stackDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (e) =>
      reject(new StackStateError(`cannot run terraform (${(e as NodeJS.ErrnoException).code ?? e.message}): it must be on PATH to read the stack's state.`)),
    );
    child.on("close", (code) => {
      if (code === 0) return resolve(stdout);
      const why = stderr.trim().split("\n").slice(0, 6).join("\n");
      reject(
        new StackStateError(
          `terraform show -json failed in ${stackDir} (exit ${code}): ${why}\nRun \`terraform init\` there first if the stack was never initialized on this machine.`,
        ),
      );
    });
  });
}
