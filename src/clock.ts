/**
 * The time the provider and the CLI go by. The wall clock, unless the test-only variable
 * `CDKTF_API_KEYS_TEST_NOW` moves it: tests use it to make a key due for rotation, or a pending
 * revocation due, without waiting days. Never set it outside tests: a moved clock rotates keys early
 * and carries out revocations before their time.
 */

/** The test-only variable: an RFC 3339 time, or an offset from now such as `+31d`, `+2h`, `+15m`, `-1d`. */
export const TEST_CLOCK_ENV = "CDKTF_API_KEYS_TEST_NOW";

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** A clock reading `env[TEST_CLOCK_ENV]` on every call; throws naming the variable when its value cannot be read. */
export function clockFrom(env: NodeJS.ProcessEnv): () => Date {
  const setting = env[TEST_CLOCK_ENV];
  if (setting === undefined || setting === "") return () => new Date();
  const offset = /^([+-]\d+(?:\.\d+)?)([dhms])$/.exec(setting.trim());
  if (offset) {
    const ms = Number(offset[1]) * UNIT_MS[offset[2]];
    return () => new Date(Date.now() + ms);
  }
  const fixed = Date.parse(setting);
  if (Number.isNaN(fixed) || !/^\d{4}-\d{2}-\d{2}T/.test(setting)) {
    throw new Error(
      `${TEST_CLOCK_ENV}=${JSON.stringify(setting)} is neither an RFC 3339 time (2026-12-01T00:00:00Z) nor an offset such as +31d. ` +
        `It is a test-only setting: unset it outside tests.`,
    );
  }
  return () => new Date(fixed);
}
