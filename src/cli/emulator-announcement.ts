/**
 * What `cdktf-api-keys emulator` tells its user once it listens, in three forms: lines for people,
 * one JSON line for scripts (`--json`), and environment variables for a file (`--write-env`), named as
 * the examples and the demo read them (`FLOWNALLY_URL`, `FLOWNALLY_TOKEN`, `FLOWNALLY_READ_ONLY_TOKEN`,
 * `FACTORY_SERVICE_ACCOUNT_ID`...).
 */
import type { RunningEmulator } from "../emulator/start-emulator";

/** The facts a user of a running emulator needs. */
export interface EmulatorFacts {
  readonly api: string;
  readonly url: string;
  readonly adminToken: string;
  /** The token that may only read: lists and gets work, every write is 403. */
  readonly readOnlyToken: string;
  /** Accounts that exist from the start (Factory's, as if made in its web app): keys need their ids. */
  readonly serviceAccounts: readonly { readonly name: string; readonly id: string }[];
}

export function emulatorFacts(emulator: RunningEmulator): EmulatorFacts {
  const serviceAccounts = emulator.inspect().serviceAccounts.map(({ name, id }) => ({ name, id }));
  return { api: emulator.api, url: emulator.url, adminToken: emulator.adminToken, readOnlyToken: emulator.readOnlyToken, serviceAccounts };
}

/** For people: `Flownally emulator listening on <url>`, then the admin and read-only tokens and each seeded account. */
export function announcementText(facts: EmulatorFacts): string {
  const displayName = facts.api.charAt(0).toUpperCase() + facts.api.slice(1);
  const seeded = facts.serviceAccounts.map((a) => `Service account ${a.name}: ${a.id}\n`).join("");
  return `${displayName} emulator listening on ${facts.url}\nAdmin token: ${facts.adminToken}\nRead-only token: ${facts.readOnlyToken}\n${seeded}`;
}

/** For scripts: one line of JSON, `{ api, url, adminToken, readOnlyToken, serviceAccounts: [{ name, id }] }`. */
export function announcementJson(facts: EmulatorFacts): string {
  return `${JSON.stringify(facts)}\n`;
}

/** The prefix of the API's variables: `FLOWNALLY`, `FACTORY`, `FLEXPRICE`. */
export function envPrefix(api: string): string {
  return api.toUpperCase();
}

/**
 * The variables of an env file: `<API>_URL`, `<API>_TOKEN`, `<API>_READ_ONLY_TOKEN`, and
 * `<API>_SERVICE_ACCOUNT_ID` (the first seeded account) when the API starts with one.
 */
export function emulatorEnv(facts: EmulatorFacts): [name: string, value: string][] {
  const prefix = envPrefix(facts.api);
  const vars: [string, string][] = [
    [`${prefix}_URL`, facts.url],
    [`${prefix}_TOKEN`, facts.adminToken],
    [`${prefix}_READ_ONLY_TOKEN`, facts.readOnlyToken],
  ];
  if (facts.serviceAccounts.length > 0) vars.push([`${prefix}_SERVICE_ACCOUNT_ID`, facts.serviceAccounts[0].id]);
  return vars;
}
