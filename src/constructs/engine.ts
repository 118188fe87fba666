import type { Carrier } from "./hook-resource";
import { carrierWithoutHooks } from "./errors";

/**
 * How a stack carries out the life cycle of its accounts and keys.
 * - `provider`: the provider plugin shipped in this package, installed into the stack directory.
 *   Terraform owns the life cycle: a removed block is revoked, a refresh shows drift, state holds the ids.
 * - `hooks`: local-exec provisioners on `terraform_data` (or `null_resource`), for runners whose policy
 *   allows only built-in or registry providers. Terraform skips provisioners for removed, tainted and
 *   deposed objects, so removing a block does NOT revoke its key on this engine (see the README).
 */
export type Engine = "provider" | "hooks";

/** The engine a construct uses: `carrier` belongs to the hooks engine and must not silently switch it. */
export function engineOf(where: string, engine: Engine | undefined, carrier: Carrier | undefined): Engine {
  if (engine !== undefined && engine !== "provider" && engine !== "hooks") {
    throw new Error(`${where}: \`engine\` must be "provider" or "hooks" (got ${JSON.stringify(engine)}).`);
  }
  const resolved = engine ?? "provider";
  if (carrier !== undefined && resolved !== "hooks") throw carrierWithoutHooks(where);
  return resolved;
}
