import { clockFrom } from "../clock";
import { carryOutRevocations, describeRevocations, type RevocationReport } from "../lifecycle/revocations";
import { describeStore } from "../spec";
import { parseStackDirArgs, UsageError } from "./args";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitStatusText } from "./exit-status";
import { readStackState } from "./stack-state";
import { distinctStores } from "./stack-status";
import { sourcesFor } from "./status-command";
import { errorText } from "./store-settings";

/** The `revoke-due` command's usage text. */
export const REVOKE_DUE_USAGE = `usage: cdktf-api-keys revoke-due <stack dir> [--json]

Carries out the pending revocations that are due in the stores of the stack at <stack dir> (e.g.
cdktf.out/stacks/keys): the keys replaced with an \`overlapMinutes\` whose overlap has ended. For a
scheduled pipeline; any provider run that reaches the store does the same. Reads the state with
\`terraform show -json\` to find the stores; the admin token comes from each API's variable (its
\`tokenEnv\`, e.g. FLOWNALLY_TOKEN). A revocation that fails stays recorded for the next run.

options:
  --json       print what was revoked, what failed and what waits, as JSON
  -h, --help   print this help

${exitStatusText("every due revocation carried out (or none due)", "no state; a revocation failed, e.g. its token variable is not set")}`;

/**
 * `cdktf-api-keys revoke-due <stack dir> [--json]`.
 * @returns 0 all due revocations done, 1 a failure (one left for the next run), 2 usage error
 */
export async function revokeDueCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const fail = (code: number, message: string): number => {
    err.write(`cdktf-api-keys revoke-due: ${message}\n${code === EXIT_USAGE ? `\n${REVOKE_DUE_USAGE}` : ""}`);
    return code;
  };
  let stackDir: string;
  let json: boolean;
  try {
    const args = parseStackDirArgs(argv, "revoke-due");
    if (args.help) {
      out.write(REVOKE_DUE_USAGE);
      return EXIT_OK;
    }
    ({ stackDir, json } = args);
  } catch (e) {
    if (e instanceof UsageError) return fail(EXIT_USAGE, e.message);
    throw e;
  }

  const reports: { store: string; report: RevocationReport }[] = [];
  try {
    const now = clockFrom(env)();
    const state = await readStackState(stackDir, env);
    const sources = sourcesFor(state, env, now);
    for (const spec of distinctStores(state)) {
      const report = await carryOutRevocations({
        store: sources.store(spec),
        now: () => now,
        client: (api) => {
          const client = sources.client(api);
          if ("missing" in client) throw new Error(`${api.tokenEnv} is not set: export the admin token for ${api.baseUrl} in it`);
          return client;
        },
      });
      reports.push({ store: describeStore(spec), report });
    }
  } catch (e) {
    return fail(EXIT_FAILED, errorText(e));
  }

  const failed = reports.reduce((n, r) => n + r.report.failed.length, 0);
  const revoked = reports.reduce((n, r) => n + r.report.revoked.length, 0);
  const waiting = reports.reduce((n, r) => n + r.report.waiting.length, 0);
  if (json) {
    const item = (r: { keyId: string; address: string; secretPath: string; dueAt: string }, store: string) => ({ keyId: r.keyId, address: r.address, secretPath: r.secretPath, dueAt: r.dueAt, store });
    out.write(
      `${JSON.stringify(
        {
          revoked: reports.flatMap(({ store, report }) => report.revoked.map((r) => item(r, store))),
          failed: reports.flatMap(({ store, report }) => report.failed.map(({ revocation, reason }) => ({ ...item(revocation, store), reason }))),
          waiting: reports.flatMap(({ store, report }) => report.waiting.map((r) => item(r, store))),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    for (const { report } of reports) for (const line of describeRevocations(report)) out.write(`${line}\n`);
    out.write(`${revoked} revoked, ${failed} failed, ${waiting} not due yet.\n`);
  }
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}
