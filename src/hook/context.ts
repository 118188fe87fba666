import * as path from "path";
import { HOOK_ENV } from "../constructs/hook-env";
import type { ResourceSpec } from "../spec";
import { HookError } from "./hook-error";

/** Everything one hook run needs, read from its command line and environment. */
export interface HookContext {
  readonly phase: "create" | "destroy";
  /** `self.id` of the Terraform resource instance. */
  readonly instanceId: string;
  readonly spec: ResourceSpec;
  /** Absolute project directory: relative store paths resolve against it. */
  readonly projectDir: string;
  /** The admin token, read from the variable the spec names. */
  readonly token: string;
}

/** Reads `node hook.cjs <create|destroy> <instanceId>` and the environment Terraform passes. */
export function readContext(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): HookContext {
  const [phase, instanceId] = argv;
  if (phase !== "create" && phase !== "destroy") {
    throw new HookError(`usage: hook.cjs <create|destroy> <instance id> (got phase ${JSON.stringify(phase)})`);
  }
  if (!instanceId) throw new HookError("usage: hook.cjs <create|destroy> <instance id>: the instance id (self.id) is missing");
  const raw = env[HOOK_ENV.spec];
  if (!raw) throw new HookError(`${HOOK_ENV.spec} is not set: the hook must be run by Terraform from a stack synthesized by cdktf-api-keys`);
  let spec: ResourceSpec;
  try {
    spec = JSON.parse(raw) as ResourceSpec;
  } catch (e) {
    throw new HookError(`${HOOK_ENV.spec} is not valid JSON: ${(e as Error).message}`);
  }
  const projectDir = env[HOOK_ENV.projectDir]
    ? path.resolve(cwd, env[HOOK_ENV.projectDir] as string)
    : path.resolve(cwd, env[HOOK_ENV.projectFromStack] ?? ".");
  const token = env[spec.api.tokenEnv];
  if (!token) {
    throw new HookError(
      `the environment variable ${spec.api.tokenEnv} is not set: export the admin token for ${spec.api.baseUrl} ` +
        `in ${spec.api.tokenEnv} before running terraform (the stack names the variable, never the token)`,
    );
  }
  return { phase, instanceId, spec, projectDir, token };
}
