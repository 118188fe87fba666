import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProviderContext } from "../../../src/provider/provider-context";
import { UNKNOWN, TfObject } from "../../../src/provider/protocol/types";
import { apiKeyResource } from "../../../src/provider/resources/api-key-resource";

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
    store: { kind: "age-file", directory: "secrets", recipient: "age1old" },
    secret_path: "team/key",
  };
  const state: TfObject = { ...config, id: "key_1", prefix: "fln_abc", created_at: "2026-11-01T00:00:00Z", expires_at: null, status: "active" };
  const computedNull = { id: null, prefix: null, created_at: null, expires_at: null, status: null };
  const plan = (prior: TfObject | null, proposed: TfObject | null) => resource.plan({ prior, proposed, config: proposed });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-plan-"));
    const ctx = new ProviderContext({}, dir);
    ctx.configure(".");
    resource = apiKeyResource(ctx);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a new key: computed attributes are unknown until apply, status will be active", async () => {
    const { planned, requiresReplace } = await plan(null, { ...config, ...computedNull });
    expect(planned).toMatchObject({ id: UNKNOWN, prefix: UNKNOWN, created_at: UNKNOWN, expires_at: UNKNOWN, status: "active", name: "key" });
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
    ["store", { store: { kind: "age-file", directory: "elsewhere", recipient: "age1old" } }],
  ] as [string, TfObject][])("a changed %s re-mints the key", async (attribute, change) => {
    const { planned, requiresReplace } = await plan(state, { ...state, ...change });
    expect(requiresReplace).toEqual([[attribute]]);
    expect(planned).toMatchObject({ id: UNKNOWN, status: "active" });
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

  test("importing a key is refused with what to do instead", async () => {
    const result = await resource.importState!("key_1");
    expect(result.imported).toEqual([]);
    expect(result.diagnostics?.[0]).toMatchObject({ severity: "error", detail: expect.stringMatching(/shows a key's value only once.*mints a new key/) });
  });
});
