/**
 * The hook program Terraform runs from each resource's local-exec provisioners:
 *   node hook.cjs <create|destroy> <instance id>
 * with the resource's spec in CDKTF_API_KEYS_SPEC. Bundled into one file (dist/hook.cjs) and shipped
 * as a stack asset. It prints progress for people and never a key value or the token.
 */
import { redact } from "../redact";
import { HOOK_ENV } from "../constructs/hook-env";
import { readContext } from "./context";
import { createLog } from "./log";
import { runHook } from "./run-hook";

async function main(): Promise<number> {
  let address = addressIn(process.env[HOOK_ENV.spec]);
  let token: string | undefined;
  try {
    const ctx = readContext(process.argv.slice(2), process.env, process.cwd());
    address = ctx.spec.address;
    token = ctx.token;
    await runHook(ctx, createLog(address, process.stdout, process.stderr));
    return 0;
  } catch (e) {
    const err = e as unknown;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${address}: error: ${redact(message, token ? [token] : [])}\n`);
    return 1;
  }
}

/** The construct's address for the error prefix, even when the rest of the context is unusable. */
function addressIn(spec: string | undefined): string {
  try {
    return (JSON.parse(spec ?? "") as { address?: string }).address ?? "cdktf-api-keys";
  } catch {
    return "cdktf-api-keys";
  }
}

main().then((code) => {
  process.exitCode = code;
});
