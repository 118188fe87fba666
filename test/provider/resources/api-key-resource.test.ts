import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProviderContext } from "../../../src/provider/provider-context";
import { UNKNOWN, TfObject } from "../../../src/provider/protocol/types";
import { apiKeyResource } from "../../../src/provider/resources/api-key-resource";
import { TEST_CLOCK_ENV } from "../../../src/clock";
import { RECIPIENT } from "../../constructs/fixtures";
import { AgeFileStore } from "../../../src/stores/age-file-store";

/**
 * How the key resource plans: which changes mint a new key, which are updated in place, and what a
 * refreshed status does. Plans read only the store (to confirm the key), here an empty folder.
 */
describe("apikeys_api_key plans", () => {
  let dir: string;
  let resource: ReturnType<typeof apiKeyResource>;
  const config: TfObject = {
    address: "stack/key",
    api: { kind: "flownally", base_url: "https://api.flownally.example" },
    token_env: "FLOWNALLY_TOKEN",
    service_account_id: "sa_1",
    name: "key",
    expires_in_days: null,
    scopes: null,
    type: null,
    store: { kind: "age-file", directory: "secrets", recipient: RECIPIENT },
    secret_path: "team/key",
    rotate_every_days: null,
    rotate_before_expiry_days: null,
    overlap_minutes: null,
  };
  const state: TfObject = { ...config, id: "key_1", prefix: "fln_abc", created_at: "2026-11-01T00:00:00Z", expires_at: null, generation: 1, rotates_at: null, revocations_due: null, status: "active" };
  const computedNull = { id: null, prefix: null, created_at: null, expires_at: null, generation: null, rotates_at: null, revocations_due: null, status: null };
  const plan = (prior: TfObject | null, proposed: TfObject | null) => resource.plan({ prior, proposed, config: proposed });
  /** The key resource of a provider whose clock reads `now` (the test-only clock variable). */
  const at = (now: string) => {
    const ctx = new ProviderContext({ [TEST_CLOCK_ENV]: now }, dir);
    ctx.configure(".");
    const clocked = apiKeyResource(ctx);
    return (prior: TfObject | null, proposed: TfObject | null) => clocked.plan({ prior, proposed, config: proposed });
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-plan-"));
    const ctx = new ProviderContext({}, dir);
    ctx.configure(".");
    resource = apiKeyResource(ctx);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a new key: computed attributes are unknown until apply, status will be active", async () => {
    const { planned, requiresReplace } = await plan(null, { ...config, ...computedNull });
    expect(planned).toMatchObject({ id: UNKNOWN, prefix: UNKNOWN, created_at: UNKNOWN, expires_at: UNKNOWN, generation: UNKNOWN, status: "active", name: "key" });
    expect(requiresReplace).toBeUndefined();
  });

  test("nothing changed: the plan is the state", async () => {
    const { planned, requiresReplace } = await plan(state, { ...state });
    expect(planned).toEqual(state);
    expect(requiresReplace).toBeUndefined();
  });

  test.each([
    ["name", { name: "key-v2" }],
    ["expires_in_days", { expires_in_days: 30 }],
    ["scopes", { scopes: ["a:read"] }],
    ["type", { type: "publishable_key" }],
    ["service_account_id", { service_account_id: UNKNOWN }],
    ["secret_path", { secret_path: "team/other" }],
    ["api", { api: { kind: "flownally", base_url: "https://eu.flownally.example" } }],
    ["store", { store: { kind: "age-file", directory: "elsewhere", recipient: RECIPIENT } }],
  ] as [string, TfObject][])("a changed %s re-mints the key", async (attribute, change) => {
    const { planned, requiresReplace } = await plan(state, { ...state, ...change });
    expect(requiresReplace).toEqual([[attribute]]);
    expect(planned).toMatchObject({ id: UNKNOWN, status: "active" });
  });

  test("a replacement's plan writes nothing to the store", async () => {
    const store = new AgeFileStore({ directory: path.join(dir, "secrets") });
    const record = { address: "stack/key", instanceId: "key_1", keyId: "key_1", serviceAccountId: "sa_1", name: "key", prefix: "fln_abc", createdAt: "2026-11-01T00:00:00Z", expiresAt: null };
    await store.writeKeyRecord("team/key", { ...record, confirmed: false });
    const files = () => fs
        .readdirSync(path.join(dir, "secrets"), { recursive: true })
        .map(String)
        .filter((f) => fs.statSync(path.join(dir, "secrets", f)).isFile())
        .map((f) => [f, fs.readFileSync(path.join(dir, "secrets", f)).toString("base64")]);
    const before = files();
    const { requiresReplace } = await plan(state, { ...state, name: "key-v2" });
    expect(requiresReplace).toEqual([["name"]]);
    expect(files()).toEqual(before);
  });

  test("a new recipient, a new token variable or a new address is an update in place", async () => {
    const proposed = { ...state, store: { kind: "age-file", directory: "secrets", recipient: "age1new" }, token_env: "OTHER_TOKEN", address: "stack/moved" };
    const { planned, requiresReplace } = await plan(state, proposed);
    expect(requiresReplace).toBeUndefined();
    expect(planned).toEqual(proposed);
  });

  test.each(["revoked", "expired", "missing", "secret_missing"])("a refresh that found the key %s plans its replacement", async (status) => {
    const { requiresReplace, planned } = await plan({ ...state, status }, { ...state, status });
    expect(requiresReplace).toEqual([["status"]]);
    expect(planned).toMatchObject({ status: "active", id: UNKNOWN });
  });

  describe("rotation, decided at plan time from the times in state", () => {
    const everyThirty = { ...state, rotate_every_days: 30, rotates_at: "2026-12-01T00:00:00.000Z" };

    test("the day before it is due: no replacement, the plan shows when it will be", async () => {
      const { planned, requiresReplace, diagnostics } = await at("2026-11-30T23:59:59Z")(everyThirty, { ...everyThirty });
      expect(requiresReplace).toBeUndefined();
      expect(planned).toEqual(everyThirty);
      expect(diagnostics ?? []).toEqual([]);
    });

    test("on the day it is due: replaced, and a warning says why", async () => {
      const { planned, requiresReplace, diagnostics } = await at("2026-12-01T00:00:00Z")(everyThirty, { ...everyThirty });
      expect(requiresReplace).toEqual([["rotates_at"]]);
      expect(planned).toMatchObject({ id: UNKNOWN, rotates_at: UNKNOWN, status: "active" });
      expect(diagnostics).toEqual([
        expect.objectContaining({ severity: "warning", summary: "API key stack/key is due for rotation", detail: expect.stringContaining("rotateEveryDays = 30: minted 2026-11-01T00:00:00Z") }),
      ]);
    });

    test("a refresh that found it due shows the status as the reason", async () => {
      const { requiresReplace } = await at("2026-12-02T00:00:00Z")({ ...everyThirty, status: "rotation_due" }, { ...everyThirty, status: "rotation_due" });
      expect(requiresReplace).toEqual([["status"]]);
    });

    test("a longer period set after the refresh found it due: no replacement, the new date in place", async () => {
      const prior = { ...everyThirty, status: "rotation_due" };
      const { planned, requiresReplace } = await at("2026-12-02T00:00:00Z")(prior, { ...prior, rotate_every_days: 60 });
      expect(requiresReplace).toBeUndefined();
      expect(planned).toMatchObject({ status: "active", rotates_at: "2026-12-31T00:00:00.000Z", id: "key_1" });
    });

    test("before expiry: due that many days before expires_at", async () => {
      const expiring = { ...state, expires_in_days: 60, expires_at: "2026-12-31T00:00:00Z", rotate_before_expiry_days: 7 };
      const early = await at("2026-12-23T12:00:00Z")({ ...expiring, rotates_at: null }, { ...expiring, rotates_at: null });
      expect(early.requiresReplace).toBeUndefined();
      expect(early.planned).toMatchObject({ rotates_at: "2026-12-24T00:00:00.000Z" });
      const due = await at("2026-12-24T00:00:00Z")(expiring, { ...expiring });
      expect(due.requiresReplace).toEqual([["rotates_at"]]);
    });

    test("a new key with a policy: its date is known after apply; without one it is null", async () => {
      expect((await plan(null, { ...config, rotate_every_days: 30, ...computedNull })).planned).toMatchObject({ rotates_at: UNKNOWN });
      expect((await plan(null, { ...config, ...computedNull })).planned).toMatchObject({ rotates_at: null });
    });
  });

  test("importing a key is refused with what to do instead", async () => {
    const result = await resource.importState!("key_1");
    expect(result.imported).toEqual([]);
    expect(result.diagnostics?.[0]).toMatchObject({ severity: "error", detail: expect.stringMatching(/shows a key's value only once.*mints a new key/) });
  });
});
