import { createClient } from "../clients/create-client";
import type { KeyManagementClient } from "../clients/types";
import { clockFrom } from "../clock";
import type { ApiSpec, StoreSpec } from "../spec";
import { openStore } from "../stores/open-store";
import type { SecretStoreBackend } from "../stores/types";
import { parseStackDirArgs, UsageError } from "./args";
import { EXIT_FAILED, EXIT_OK } from "./exit-status";
import { readStackState, type StackState } from "./stack-state";
import { stackHealth, type KeyHealth, type StackHealth } from "./stack-status";
import { errorText } from "./store-settings";
import { textTable } from "./text-table";

/** Exit code of `status` when something drifted or is overdue (like `terraform plan -detailed-exitcode`). */
export const EXIT_ATTENTION = 2;

/** The `status` command's usage text. */
export const STATUS_USAGE = `usage: cdktf-api-keys status <stack dir> [--json]

Shows, for every service account and API key in the stack's state, what the API and the store say
now: the live state (active, revoked, expired, missing; "unknown" without the admin token), the
expiry and the days left, the next rotation, whether the secret is present and the one written with
the key (present, missing, other_key, changed), and the store's pending revocations. Deposed keys (old keys a replacement set aside whose delete did not finish) are checked
too, and so is every active key of the stack's accounts that neither the state nor the store knows
(an orphan). Reads the state with \`terraform show -json\` in <stack dir> (e.g. cdktf.out/stacks/keys),
so it works with any backend terraform reaches. Changes nothing.

options:
  --json       print the report as JSON (accounts, keys, pendingRevocations, orphans, notes, summary)
  -h, --help   print this help

environment:
  the admin token's variable of each API (its \`tokenEnv\`, e.g. FLOWNALLY_TOKEN): needed only to ask
  the API; without it the live state is "unknown" and the rest is still shown
  CDKTF_API_KEYS_PROJECT_DIR   where relative store directories resolve, as for the provider

exit status (like terraform plan -detailed-exitcode):
  0  everything is healthy
  1  failure (no state, terraform failed, a usage error)
  2  something drifted (revoked, expired, missing, secret gone or changed, a deposed key still live), is
     overdue (rotation due, pending revocation past its time), or an orphaned key is active
`;

/**
 * `cdktf-api-keys status <stack dir> [--json]`: the stack's health for people (tables) or pipelines (JSON).
 * @returns 0 healthy, 1 failure, 2 drifted or overdue
 */
export async function statusCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const fail = (message: string, usage = false): number => {
    err.write(`cdktf-api-keys status: ${message}\n${usage ? `\n${STATUS_USAGE}` : ""}`);
    return EXIT_FAILED;
  };
  let stackDir: string;
  let json: boolean;
  try {
    const args = parseStackDirArgs(argv, "status");
    if (args.help) {
      out.write(STATUS_USAGE);
      return EXIT_OK;
    }
    ({ stackDir, json } = args);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, true);
    throw e;
  }

  let health: StackHealth;
  try {
    const now = clockFrom(env)();
    const state = await readStackState(stackDir, env);
    health = await stackHealth(state, sourcesFor(state, env, now));
  } catch (e) {
    return fail(errorText(e));
  }
  out.write(json ? `${JSON.stringify(health, null, 2)}\n` : report(health));
  return health.summary.ok ? EXIT_OK : EXIT_ATTENTION;
}

/** Real clients (with the token from each API's variable) and stores (relative to the project directory). */
export function sourcesFor(state: StackState, env: NodeJS.ProcessEnv, now: Date) {
  const clients = new Map<string, KeyManagementClient>();
  const stores = new Map<string, SecretStoreBackend>();
  return {
    now,
    client(api: ApiSpec): KeyManagementClient | { missing: string } {
      const token = env[api.tokenEnv];
      if (!token) return { missing: `${api.tokenEnv} is not set: the live state of what ${api.baseUrl} holds is unknown. Export the admin token in ${api.tokenEnv} to check it.` };
      const cacheKey = `${api.kind} ${api.baseUrl} ${api.tokenEnv} ${api.environmentId ?? ""}`;
      let client = clients.get(cacheKey);
      if (!client) clients.set(cacheKey, (client = createClient(api, token, { timeoutMs: 30_000 })));
      return client;
    },
    store(spec: StoreSpec): SecretStoreBackend {
      const cacheKey = JSON.stringify(spec);
      let store = stores.get(cacheKey);
      if (!store) stores.set(cacheKey, (store = openStore(spec, state.projectDir)));
      return store;
    },
  };
}

/** The tables and the summary line, for people. */
function report(health: StackHealth): string {
  const parts: string[] = [];
  if (health.accounts.length) {
    parts.push(textTable(["ACCOUNT", "ID", "LIVE"], health.accounts.map((a) => [a.address, a.id, a.live])));
  }
  if (health.keys.length) {
    parts.push(
      textTable(
        ["KEY", "SECRET PATH", "KEY ID", "LIVE", "SECRET", "EXPIRES", "NEXT ROTATION"],
        health.keys.map((k) => [k.deposed === null ? k.address : `${k.address} (deposed ${k.deposed})`, k.secretPath, k.id, k.live, k.secret, expiry(k), rotation(k)]),
      ),
    );
  } else {
    parts.push("No API keys in the state.\n");
  }
  if (health.pendingRevocations.length) {
    parts.push(
      textTable(
        ["PENDING REVOCATION", "OF", "SECRET PATH", "DUE"],
        health.pendingRevocations.map((r) => [r.keyId, r.address, r.secretPath, r.overdue ? `${r.dueAt} (overdue: run revoke-due)` : r.dueAt]),
      ),
    );
  }
  if (health.orphans.length) {
    parts.push(
      textTable(
        ["ORPHAN KEY", "NAME", "ACCOUNT", "CREATED"],
        health.orphans.map((o) => [o.id, o.name, o.serviceAccountId ?? "-", o.createdAt]),
      ),
    );
  }
  const problems = [
    ...health.accounts.flatMap((a) => a.problems.map((p) => `${a.address}: ${p}`)),
    ...health.keys.flatMap((k) => k.problems.map((p) => `${k.address}: ${p}`)),
    ...health.orphans.map((o) => `orphaned ${o.hint}`),
  ];
  if (problems.length) parts.push(problems.map((p) => `! ${p}\n`).join(""));
  if (health.notes.length) parts.push(health.notes.map((n) => `note: ${n}\n`).join(""));
  parts.push(summaryLine(health.summary));
  return parts.join("\n");
}

function summaryLine({ keys, accounts, drifted, overdue, deposed, orphans, ok }: StackHealth["summary"]): string {
  if (ok) return `${keys} keys and ${accounts} accounts healthy.\n`;
  const actions: string[] = [];
  if (drifted || overdue) {
    actions.push(`\`terraform apply\` heals drift${deposed ? ", retires deposed keys" : ""} and rotates due keys`, "`cdktf-api-keys revoke-due` carries out overdue revocations");
  }
  if (orphans) actions.push("orphaned keys are not Terraform's: revoke them in the API if nothing uses them");
  return `${drifted} drifted, ${overdue} overdue${orphans ? `, ${orphans} orphaned` : ""}: ${actions.join("; ")}.\n`;
}

function expiry(k: KeyHealth): string {
  if (k.expiresAt === null) return "never";
  return `${k.expiresAt} (${k.daysLeft! < 0 ? "expired" : `${k.daysLeft} days left`})`;
}

function rotation(k: KeyHealth): string {
  if (!k.nextRotation) return "-";
  return k.nextRotation.due ? `${k.nextRotation.at} (due)` : k.nextRotation.at;
}
