import type { ApiKeyInfo } from "../../src/clients/types";
import { orphanKeys, type ListedKeys, type OrphanQuery } from "../../src/cli/orphan-keys";
import type { ApiSpec } from "../../src/spec";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const flownally: ApiSpec = { kind: "flownally", baseUrl: "https://flownally.test", tokenEnv: "FLOWNALLY_TOKEN" };
const flexprice: ApiSpec = { kind: "flexprice", baseUrl: "https://flexprice.test", tokenEnv: "FLEXPRICE_TOKEN" };

function key(id: string, overrides: Partial<ApiKeyInfo> = {}): ApiKeyInfo {
  return {
    id,
    serviceAccountId: "sa_1",
    name: `name-of-${id}`,
    prefix: `pre_${id}`,
    scopes: [],
    createdAt: "2026-02-01T00:00:00.000Z",
    expiresAt: null,
    revokedAt: null,
    status: "active",
    ...overrides,
  };
}

function query(listed: ListedKeys[], overrides: Partial<OrphanQuery> = {}): OrphanQuery {
  return { listed, known: new Set(), declared: [], now: NOW, ...overrides };
}

test("an active key that no state, record or pending revocation names is an orphan, with its account, dates and a hint", () => {
  // GIVEN an account with a key the stack knows and one it does not
  const listed = [{ api: flownally, serviceAccountId: "sa_1", keys: [key("key_known"), key("key_stray", { name: "out-of-band" })] }];

  // WHEN
  const orphans = orphanKeys(query(listed, { known: new Set(["key_known"]) }));

  // THEN
  expect(orphans).toEqual([
    {
      id: "key_stray",
      name: "out-of-band",
      prefix: "pre_key_stray",
      createdAt: "2026-02-01T00:00:00.000Z",
      expiresAt: null,
      serviceAccountId: "sa_1",
      api: "https://flownally.test",
      hint: expect.stringMatching(/^key key_stray \("out-of-band"\) of account sa_1 is active in https:\/\/flownally.test, .*revoke it in the API/),
    },
  ]);
});

test("revoked, expired and past-expiry keys are no orphans: they no longer authenticate", () => {
  const listed = [
    {
      api: flownally,
      serviceAccountId: "sa_1",
      keys: [
        key("key_revoked", { status: "revoked", revokedAt: "2026-02-02T00:00:00.000Z" }),
        key("key_expired", { status: "expired" }),
        key("key_past", { expiresAt: "2026-03-01T11:59:59.000Z" }),
        key("key_future", { expiresAt: "2026-03-01T12:00:01.000Z" }),
      ],
    },
  ];
  expect(orphanKeys(query(listed)).map((o) => o.id)).toEqual(["key_future"]);
});

test("a key listed twice (two lists of the same API) is reported once; the same id at another API is another key", () => {
  const listed = [
    { api: flownally, serviceAccountId: "sa_1", keys: [key("key_a")] },
    { api: flownally, serviceAccountId: "sa_1", keys: [key("key_a")] },
    { api: { ...flownally, baseUrl: "https://other.test" }, serviceAccountId: "sa_1", keys: [key("key_a")] },
  ];
  expect(orphanKeys(query(listed)).map((o) => `${o.api} ${o.id}`)).toEqual(["https://flownally.test key_a", "https://other.test key_a"]);
});

test("an API that does not say a key's account: the account listed is taken", () => {
  const listed = [{ api: flownally, serviceAccountId: "sa_9", keys: [key("key_a", { serviceAccountId: "" })] }];
  expect(orphanKeys(query(listed))[0].serviceAccountId).toBe("sa_9");
});

describe("Flexprice, whose list is every key of the environment", () => {
  const listed = (keys: ApiKeyInfo[]) => [{ api: flexprice, serviceAccountId: "user_1", keys: keys.map((k) => ({ ...k, serviceAccountId: "" })) }];

  test("only keys named like one of the stack's keys count; their account is unknown (null)", () => {
    const orphans = orphanKeys(
      query(listed([key("key_1", { name: "billing" }), key("key_2", { name: "someone-elses" })]), { declared: [{ name: "billing", type: "private_key" }] }),
    );
    expect(orphans).toEqual([expect.objectContaining({ id: "key_1", name: "billing", serviceAccountId: null })]);
    expect(orphans[0].hint).not.toContain("of account");
  });

  test("a publishable key's name does not count: the API never lists publishable keys", () => {
    const orphans = orphanKeys(query(listed([key("key_1", { name: "web" })]), { declared: [{ name: "web", type: "publishable_key" }] }));
    expect(orphans).toEqual([]);
  });

  test("a known key named like a declared one is no orphan", () => {
    const orphans = orphanKeys(query(listed([key("key_1", { name: "billing" })]), { declared: [{ name: "billing" }], known: new Set(["key_1"]) }));
    expect(orphans).toEqual([]);
  });
});
