import { startVaultEmulator, type RunningVaultEmulator } from "../../src/emulator/vault-kv2-emulator";
import { OpenApiContract } from "../../src/emulator/openapi-validator";
import { VaultKv2Store } from "../../src/stores/vault-kv2-store";
import * as path from "path";

/** The Vault emulator speaks Vault's wire format and checks requests against Vault's own OpenAPI document. */
describe("Vault KV v2 emulator", () => {
  let vault: RunningVaultEmulator;
  beforeEach(async () => {
    vault = await startVaultEmulator({ kvV1Mounts: ["kv1"] });
  });
  afterEach(async () => vault.close());

  const call = async (method: string, p: string, body?: unknown, token: string | null = vault.token) => {
    const res = await fetch(`${vault.url}/v1/${p}`, {
      method,
      headers: { ...(token !== null ? { "x-vault-token": token } : {}), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  test("the document is Vault 1.15's KV v2 extract, and the emulator handles exactly its operations", () => {
    const contract = OpenApiContract.fromFile(path.resolve(__dirname, "../../openapi/vault-kv2.json"));
    expect(contract.title).toBe("HashiCorp Vault API: KV secrets engine version 2 (extract)");
    // startVaultEmulator asserts it too: a handler without an operation, or the reverse, fails the start.
    expect(vault.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("answers come in Vault's envelope ({ data: ... }); a missing path is 404 with { errors: [] }", async () => {
    const written = await call("POST", "secret/data/a/b", { data: { x: "1" } });
    expect(written).toMatchObject({ status: 200, body: { data: { version: 1, destroyed: false, deletion_time: "" }, lease_id: "", wrap_info: null } });
    const read = await call("GET", "secret/data/a/b");
    expect(read).toMatchObject({ status: 200, body: { data: { data: { x: "1" }, metadata: { version: 1 } } } });
    expect(await call("GET", "secret/data/nope")).toEqual({ status: 404, body: { errors: [] } });
  });

  test("requests are validated against the document: a `data` that is not an object is a 400 naming the field", async () => {
    const bad = await call("POST", "secret/data/a", { data: "not-a-map" });
    expect(bad).toEqual({ status: 400, body: { errors: ["/data: must be object"] } });
    const badVersions = await call("POST", "secret/destroy/a", { versions: ["one"] });
    expect(badVersions.status).toBe(400);
    expect(badVersions.body.errors[0]).toMatch(/^\/versions\/0: must be integer/);
  });

  test("check-and-set: cas 0 creates only; a stale version is refused with Vault's message", async () => {
    expect((await call("POST", "secret/data/c", { data: { v: "1" }, options: { cas: 0 } })).status).toBe(200);
    expect(await call("POST", "secret/data/c", { data: { v: "2" }, options: { cas: 0 } })).toEqual({ status: 400, body: { errors: ["check-and-set parameter did not match the current version"] } });
    expect((await call("POST", "secret/data/c", { data: { v: "2" }, options: { cas: 1 } })).status).toBe(200);
  });

  test("custom_metadata on the metadata endpoint, within Vault's limits; DELETE metadata removes all versions", async () => {
    await call("POST", "secret/data/m", { data: { v: "1" } });
    expect((await call("POST", "secret/metadata/m", { custom_metadata: { owner: "ci" } })).status).toBe(204);
    expect((await call("GET", "secret/metadata/m")).body.data).toMatchObject({ current_version: 1, custom_metadata: { owner: "ci" } });
    const tooLong = await call("POST", "secret/metadata/m", { custom_metadata: { owner: "x".repeat(513) } });
    expect(tooLong).toEqual({ status: 400, body: { errors: ['custom_metadata value of "owner" is longer than 512 bytes'] } });
    expect((await call("DELETE", "secret/metadata/m")).status).toBe(204);
    expect((await call("GET", "secret/metadata/m")).status).toBe(404);
  });

  test("listing with ?list=true: keys and folders (with /), 404 when empty", async () => {
    await call("POST", "secret/data/f/one", { data: { v: "1" } });
    await call("POST", "secret/data/f/sub/two", { data: { v: "2" } });
    expect((await call("GET", "secret/metadata/f/?list=true")).body.data).toEqual({ keys: ["one", "sub/"] });
    expect((await call("GET", "secret/metadata/empty/?list=true")).status).toBe(404);
  });

  test("soft delete, undelete and destroy of versions", async () => {
    await call("POST", "secret/data/s", { data: { v: "1" } });
    expect((await call("DELETE", "secret/data/s")).status).toBe(204);
    expect((await call("GET", "secret/data/s")).status).toBe(404);
    await call("POST", "secret/undelete/s", { versions: [1] });
    expect((await call("GET", "secret/data/s")).body.data.data).toEqual({ v: "1" });
    await call("POST", "secret/destroy/s", { versions: [1] });
    expect((await call("GET", "secret/data/s")).status).toBe(404);
  });

  test("a missing or wrong token is 403 permission denied; a sealed Vault 503; a KV v1 mount reports version 1", async () => {
    expect(await call("GET", "secret/data/a", undefined, null)).toEqual({ status: 403, body: { errors: ["permission denied"] } });
    expect(await call("GET", "secret/data/a", undefined, "hvs.nope")).toEqual({ status: 403, body: { errors: ["permission denied"] } });
    expect((await call("GET", "sys/internal/ui/mounts/kv1")).body.data).toMatchObject({ type: "kv", options: { version: "1" } });
    expect((await call("GET", "sys/internal/ui/mounts/secret")).body.data).toMatchObject({ type: "kv", options: { version: "2" } });
    vault.setSealed(true);
    expect(await call("GET", "secret/data/a")).toEqual({ status: 503, body: { errors: ["Vault is sealed"] } });
  });

  describe("the read-only token (a policy of read and list on the mounts)", () => {
    const ACL_DENIED = { errors: ["1 error occurred:\n\t* permission denied\n\n"] };
    const readOnly = (method: string, p: string, body?: unknown) => call(method, p, body, vault.readOnlyToken);
    /** Every entry, and each version's deletion and destruction (which `inspect` shows for the current version only). */
    const state = async () => ({
      entries: vault.inspect().entries,
      versions: await Promise.all(["ci/a", "ci/gone"].map(async (p) => (await call("GET", `secret/metadata/${p}`)).body?.data?.versions)),
    });

    beforeEach(async () => {
      await call("POST", "secret/data/ci/a", { data: { v: "1" } });
      await call("POST", "secret/data/ci/a", { data: { v: "2" } });
      await call("POST", "secret/metadata/ci/a", { custom_metadata: { owner: "ci" } });
      await call("POST", "secret/data/ci/gone", { data: { v: "1" } });
      await call("DELETE", "secret/data/ci/gone");
    });

    test("is a fresh random token by default, or the one given; it may not equal the token", async () => {
      expect(vault.readOnlyToken).toMatch(/^hvs\./);
      expect(vault.readOnlyToken).not.toBe(vault.token);
      const other = await startVaultEmulator({ token: "root", readOnlyToken: "reader" });
      try {
        expect([other.token, other.readOnlyToken]).toEqual(["root", "reader"]);
      } finally {
        await other.close();
      }
      await expect(startVaultEmulator({ token: "same", readOnlyToken: "same" })).rejects.toThrow(/`readOnlyToken` must differ from `token`/);
    });

    test("reads data (current, a version, a deleted one), metadata, subkeys, config, lists, and the mount's description", async () => {
      const current = await readOnly("GET", "secret/data/ci/a");
      expect(current).toMatchObject({ status: 200, body: { data: { data: { v: "2" }, metadata: { version: 2 } } } });
      expect((await readOnly("GET", "secret/data/ci/a?version=1")).body.data.data).toEqual({ v: "1" });
      expect((await readOnly("GET", "secret/data/ci/gone")).status).toBe(404);
      expect((await readOnly("GET", "secret/metadata/ci/a")).body.data).toMatchObject({ current_version: 2, custom_metadata: { owner: "ci" } });
      expect((await readOnly("GET", "secret/subkeys/ci/a")).body.data.subkeys).toEqual({ v: null });
      expect((await readOnly("GET", "secret/config")).status).toBe(200);
      expect((await readOnly("GET", "secret/metadata/ci/?list=true")).body.data).toEqual({ keys: ["a", "gone"] });
      expect((await readOnly("GET", "sys/internal/ui/mounts/secret")).body.data).toMatchObject({ type: "kv", options: { version: "2" } });
    });

    test.each([
      ["write", "POST", "secret/data/ci/a", { data: { v: "3" } }],
      ["write (PUT)", "PUT", "secret/data/ci/new", { data: { v: "1" } }],
      ["soft delete", "DELETE", "secret/data/ci/a", undefined],
      ["delete versions", "POST", "secret/delete/ci/a", { versions: [1] }],
      ["undelete", "POST", "secret/undelete/ci/gone", { versions: [1] }],
      ["destroy", "POST", "secret/destroy/ci/a", { versions: [1, 2] }],
      ["metadata write", "POST", "secret/metadata/ci/a", { custom_metadata: { owner: "someone-else" } }],
      ["metadata and all versions delete", "DELETE", "secret/metadata/ci/a", undefined],
      ["config write", "POST", "secret/config", { max_versions: 1 }],
      ["write to another mount", "POST", "other/data/x", { data: { v: "1" } }],
      ["a body Vault would refuse", "POST", "secret/data/ci/a", { data: "not-a-map" }],
    ])("%s is 403 permission denied, as Vault's ACL answers, and changes nothing", async (_label, method, p, body) => {
      // GIVEN
      const before = await state();

      // WHEN
      const reply = await readOnly(method, p, body);

      // THEN
      expect(reply).toEqual({ status: 403, body: ACL_DENIED });
      expect(await state()).toEqual(before);
    });

    test("the Vault store reads with it, and its writes and deletes are refused", async () => {
      // GIVEN a secret the admin token wrote through the store
      const options = { address: vault.url, mount: "secret", pathPrefix: "ro", tokenEnv: "VAULT_TOKEN" };
      const payload = { value: "read-only-probe-123456", keyId: "k", serviceAccountId: "s", name: "n", createdAt: "2025-01-01T00:00:00.000Z", expiresAt: null };
      await new VaultKv2Store({ ...options, token: vault.token }).writeSecret("probe", payload);
      const store = new VaultKv2Store({ ...options, token: vault.readOnlyToken });
      const before = vault.inspect().entries;

      // WHEN / THEN
      expect(await store.readSecret("probe")).toEqual(payload);
      await expect(store.writeSecret("probe", { ...payload, value: "changed-value-1234567" })).rejects.toThrow(/403 permission denied/);
      await expect(store.deleteSecret("probe")).rejects.toThrow(/403 permission denied/);
      expect(vault.inspect().entries).toEqual(before);
    });
  });
});
