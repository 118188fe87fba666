import { createClient } from "../clients/create-client";
import { openStore } from "../stores/open-store";
import { createAccount, destroyAccount } from "./account-hooks";
import type { HookContext } from "./context";
import { createKey, destroyKey } from "./key-hooks";
import type { HookLog } from "./log";

/** Runs one hook: the create or destroy step of a ServiceAccount or an ApiKey. */
export async function runHook(ctx: HookContext, log: HookLog): Promise<void> {
  const { spec, instanceId, projectDir } = ctx;
  const client = createClient(spec.api, ctx.token, {
    onRetry: (message: string) => log.info(message),
  });
  const store = openStore(spec.store, projectDir);
  if (spec.kind === "service-account") {
    const deps = { spec, instanceId, client, store, log };
    return ctx.phase === "create" ? createAccount(deps) : destroyAccount(deps);
  }
  const deps = { spec, instanceId, client, store, log, accountStore: (ref: { store: typeof spec.store }) => openStore(ref.store, projectDir) };
  return ctx.phase === "create" ? createKey(deps) : destroyKey(deps);
}
