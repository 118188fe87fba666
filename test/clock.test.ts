import { clockFrom, TEST_CLOCK_ENV } from "../src/clock";

describe("the test-only clock", () => {
  test("unset: the wall clock", () => {
    const before = Date.now();
    const now = clockFrom({})().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  test.each([
    ["+31d", 31 * 86_400_000],
    ["+2h", 2 * 3_600_000],
    ["+61m", 61 * 60_000],
    ["-1d", -86_400_000],
  ])("an offset %s moves it from the wall clock", (setting, ms) => {
    const moved = clockFrom({ [TEST_CLOCK_ENV]: setting })().getTime() - Date.now();
    expect(Math.abs(moved - ms)).toBeLessThan(1_000);
  });

  test("an RFC 3339 time fixes it", () => {
    expect(clockFrom({ [TEST_CLOCK_ENV]: "2026-12-01T00:00:00Z" })().toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });

  test.each(["tomorrow", "31d", "2026-12-01"])("%j is refused, naming the variable and saying it is for tests only", (setting) => {
    expect(() => clockFrom({ [TEST_CLOCK_ENV]: setting })).toThrow(
      new RegExp(`${TEST_CLOCK_ENV}=.* is neither an RFC 3339 time .* nor an offset such as \\+31d\\. It is a test-only setting`),
    );
  });
});
