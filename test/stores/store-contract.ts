/**
 * The behaviour every SecretStoreBackend owes the provider and the hooks, one suite for every store:
 * `describeStoreContract(name, open)` runs it against a store opened afresh for each case (a real
 * folder, or an emulator over real HTTP with the real client). See store-contract.test.ts.
 */
import type { AccountRecord, KeyRecord, MintIntent, PendingRevocation, SecretPayload, SecretStoreBackend } from "../../src/stores/types";

/** A key value that must never leave the store. */
export const VALUE = "fk_live_5ecret-Value-0123456789";

export function payload(value = VALUE): SecretPayload {
  return { value, keyId: "key_123", serviceAccountId: "sa_456", name: "stripe-webhook", createdAt: "2025-01-02T03:04:05.000Z", expiresAt: null };
}

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    address: "quickstart/payments/webhook-key",
    instanceId: "key_123",
    keyId: "key_123",
    serviceAccountId: "sa_456",
    name: "Stripe webhook (prod) — ünïcode",
    prefix: "fk_live_5e",
    createdAt: "2025-01-02T03:04:05.000Z",
    expiresAt: null,
    confirmed: false,
    ...overrides,
  };
}

export function accountRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return { address: "quickstart/billing", instanceId: "created", serviceAccountId: "sa_456", name: "billing", createdAt: "2025-01-02T03:04:05.000Z", ...overrides };
}

export function intent(overrides: Partial<MintIntent> = {}): MintIntent {
  return { address: "quickstart/payments/webhook-key", serviceAccountId: "sa_456", name: "stripe-webhook", startedAt: "2025-01-02T03:04:05.123Z", ...overrides };
}

export function revocation(overrides: Partial<PendingRevocation> = {}): PendingRevocation {
  return {
    keyId: "key_old",
    serviceAccountId: "sa_456",
    api: { kind: "flownally", baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" },
    address: "quickstart/payments/webhook-key",
    secretPath: "payments/webhook",
    name: "stripe-webhook",
    dueAt: "2025-01-02T04:04:05.000Z",
    recordedAt: "2025-01-02T03:04:05.000Z",
    ...overrides,
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected the promise to reject");
}

/** What a contract case opens: a store that writes, another instance that reads, and their cleanup. */
export interface OpenedStores {
  readonly store: SecretStoreBackend;
  readonly reader: SecretStoreBackend;
  /**
   * The store opened without what it needs to reach its secrets (the identity, the credentials, the
   * token), and the message that must say what to set.
   */
  readonly withoutCredentials: { readonly attempt: () => Promise<unknown>; readonly message: RegExp };
  close(): Promise<void>;
}

/** Defines the contract's cases for the store `open` opens. */
export function describeStoreContract(name: string, open: () => Promise<OpenedStores>): void {
  describe(`${name}: SecretStoreBackend contract`, () => {
    let opened: OpenedStores;
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(async () => {
      await opened.close();
    });

    test("a secret written by one instance reads back in another; overwriting replaces it; hasSecret follows", async () => {
      const { store, reader } = opened;
      expect(await reader.hasSecret("payments/webhook")).toBe(false);
      await store.writeSecret("payments/webhook", payload("first-value-aaaaaa"));
      expect(await reader.hasSecret("payments/webhook")).toBe(true);
      expect(await reader.readSecret("payments/webhook")).toEqual(payload("first-value-aaaaaa"));
      await store.writeSecret("payments/webhook", payload());
      expect(await reader.readSecret("payments/webhook")).toEqual(payload());
      await store.deleteSecret("payments/webhook");
      expect(await reader.hasSecret("payments/webhook")).toBe(false);
    });

    test("reading a missing secret fails naming the secretPath", async () => {
      await expect(opened.reader.readSecret("nothing/here")).rejects.toThrow(/"nothing\/here"/);
    });

    test("key records round trip (expiresAt null or a date, confirmed or not), absent ones are undefined, deletes are idempotent", async () => {
      const { store, reader } = opened;
      expect(await reader.readKeyRecord("k")).toBeUndefined();
      await store.writeSecret("k", payload());
      await store.writeKeyRecord("k", keyRecord());
      expect(await reader.readKeyRecord("k")).toEqual(keyRecord());
      await store.writeKeyRecord("k", keyRecord({ expiresAt: "2025-04-02T03:04:05.000Z", confirmed: true }));
      expect(await reader.readKeyRecord("k")).toEqual(keyRecord({ expiresAt: "2025-04-02T03:04:05.000Z", confirmed: true }));
      await store.writeKeyRecord("k", keyRecord({ generation: 7 }));
      expect(await reader.readKeyRecord("k")).toEqual(keyRecord({ generation: 7 }));
      // The owner (a stack identity) must survive every store: the guard against a second checkout reads it.
      await store.writeKeyRecord("k", keyRecord({ owner: "stk_aaaaaaaaaaaaaaaaaaaaaaaaaa" }));
      expect(await reader.readKeyRecord("k")).toEqual(keyRecord({ owner: "stk_aaaaaaaaaaaaaaaaaaaaaaaaaa" }));
      for (let round = 0; round < 2; round++) {
        await store.deleteSecret("k");
        await store.deleteKeyRecord("k");
      }
      expect(await reader.readKeyRecord("k")).toBeUndefined();
      expect(await reader.hasSecret("k")).toBe(false);
    });

    test("a secret's version: known before the write lands, read back without the value by another instance, new with every write, gone with the secret", async () => {
      const { store, reader } = opened;
      expect(await reader.secretVersion("payments/webhook")).toBeUndefined();
      const first = await store.prepareSecret("payments/webhook", payload("first-value-aaaaaa"));
      expect(await reader.secretVersion("payments/webhook")).toBeUndefined(); // prepared, not written
      expect(await reader.hasSecret("payments/webhook")).toBe(false);
      await first.write();
      expect(await reader.secretVersion("payments/webhook")).toBe(first.version);
      expect(first.version).not.toContain("first-value"); // names the write, not the value
      // Another writer (the same payload, even): a new version, so a record of the first one no longer matches.
      await store.writeSecret("payments/webhook", payload("first-value-aaaaaa"));
      const second = await reader.secretVersion("payments/webhook");
      expect(second).toEqual(expect.any(String));
      expect(second).not.toBe(first.version);
      // A record written before the secret (a create's pending record) leaves the version alone.
      await store.writeKeyRecord("payments/webhook", keyRecord({ secretVersion: "v-next", pending: true, previous: keyRecord({ keyId: "key_old", secretVersion: second }) }));
      expect(await reader.secretVersion("payments/webhook")).toBe(second);
      await store.deleteSecret("payments/webhook");
      expect(await reader.secretVersion("payments/webhook")).toBeUndefined();
    });

    test("a record written before its secret: pending, with the version and the record it replaces, round trips; the secret then lands under it", async () => {
      const { store, reader } = opened;
      const previous = keyRecord({ keyId: "key_old", instanceId: "key_old", secretVersion: "v1", fingerprint: "sha256:0123456789abcdef" });
      const prepared = await store.prepareSecret("new/path", payload());
      const pending = keyRecord({ secretVersion: prepared.version, fingerprint: "sha256:fedcba9876543210", pending: true, previous });
      await store.writeKeyRecord("new/path", pending);
      expect(await reader.readKeyRecord("new/path")).toEqual(pending);
      expect(await reader.hasSecret("new/path")).toBe(false);
      await prepared.write();
      expect(await reader.secretVersion("new/path")).toBe(prepared.version);
      expect(await reader.readKeyRecord("new/path")).toEqual(pending); // the value's write keeps the record
      const { pending: _p, previous: _q, ...final } = pending;
      await store.writeKeyRecord("new/path", final);
      expect(await reader.readKeyRecord("new/path")).toEqual(final);
      expect(await reader.readSecret("new/path")).toEqual(payload());
    });

    test("deleting in an empty store is not an error", async () => {
      const { store } = opened;
      await store.deleteSecret("a/b");
      await store.deleteKeyRecord("a/b");
      await store.deleteMintIntent("a/b");
      await store.deleteAccountRecord("x/y");
      expect(await store.listKeyRecords()).toEqual([]);
    });

    test("account records round trip by address; an empty address is refused", async () => {
      const { store, reader } = opened;
      const record = accountRecord({ address: "my stack/billing ü" });
      expect(await reader.readAccountRecord(record.address)).toBeUndefined();
      await store.writeAccountRecord(record);
      expect(await reader.readAccountRecord(record.address)).toEqual(record);
      await store.writeAccountRecord({ ...record, serviceAccountId: "sa_new" });
      expect((await reader.readAccountRecord(record.address))?.serviceAccountId).toBe("sa_new");
      await store.deleteAccountRecord(record.address);
      expect(await reader.readAccountRecord(record.address)).toBeUndefined();
      await expect(store.writeAccountRecord(accountRecord({ address: "" }))).rejects.toThrow(/`address` must be a non-empty string/);
    });

    test("a mint intent is an exclusive claim: the second writer gets code EEXIST until the intent is deleted", async () => {
      const { store, reader } = opened;
      expect(await reader.readMintIntent("p")).toBeUndefined();
      await store.writeMintIntent("p", intent());
      const second = await rejection(reader.writeMintIntent("p", intent({ address: "other/key" })));
      expect(second.code).toBe("EEXIST");
      expect(await reader.readMintIntent("p")).toEqual(intent());
      await store.deleteMintIntent("p");
      expect(await reader.readMintIntent("p")).toBeUndefined();
      await reader.writeMintIntent("p", intent({ address: "other/key" }));
      expect((await store.readMintIntent("p"))?.address).toBe("other/key");
    });

    test("listKeyRecords: every key record with its path, sorted; secrets without records, intents and accounts skipped", async () => {
      const { store, reader } = opened;
      await store.writeKeyRecord("z", keyRecord({ keyId: "z" }));
      await store.writeKeyRecord("a/b/c", keyRecord({ keyId: "abc" }));
      await store.writeKeyRecord("a/b.json", keyRecord({ keyId: "a-b.json" }));
      await store.writeSecret("a/b/c", payload());
      await store.writeSecret("no/record", payload());
      await store.writeMintIntent("z", intent());
      await store.writeAccountRecord(accountRecord());
      expect((await reader.listKeyRecords()).map((r) => [r.secretPath, r.record.keyId])).toEqual([
        ["a/b.json", "a-b.json"],
        ["a/b/c", "abc"],
        ["z", "z"],
      ]);
    });

    test("every operation refuses a secretPath outside the rules", async () => {
      const { store } = opened;
      for (const bad of ["", "/abs", "a/../b", ".hidden/x", "a//b", "a/"]) {
        await expect(store.writeSecret(bad, payload())).rejects.toThrow(/`secretPath`/);
        await expect(store.hasSecret(bad)).rejects.toThrow(/`secretPath`/);
        await expect(store.writeKeyRecord(bad, keyRecord())).rejects.toThrow(/`secretPath`/);
        await expect(store.writeMintIntent(bad, intent())).rejects.toThrow(/`secretPath`/);
      }
    });

    test("overwriting with check-and-set: a write replaces the whole payload, never a mix of two", async () => {
      const { store, reader } = opened;
      await store.writeSecret("cas/k", payload("version-one-value"));
      await reader.writeSecret("cas/k", payload("version-two-value"));
      expect(await store.readSecret("cas/k")).toEqual(payload("version-two-value"));
    });

    test("concurrent writers to one path: each write is whole, a loser is told why, the path holds one of the values", async () => {
      const { store, reader } = opened;
      const values = ["concurrent-a-value", "concurrent-b-value", "concurrent-c-value", "concurrent-d-value"];
      const results = await Promise.allSettled(values.map((v, i) => (i % 2 ? reader : store).writeSecret("race/k", payload(v))));
      expect(results.some((r) => r.status === "fulfilled")).toBe(true);
      for (const r of results) {
        if (r.status === "rejected") expect((r.reason as Error).message).toMatch(/another writer|another apply|changed .* since it was read/);
      }
      const stored = await reader.readSecret("race/k");
      expect(values).toContain(stored.value);
      expect(stored).toEqual(payload(stored.value));
    });

    test("a path claimed by another resource: concurrent intents, exactly one wins; the others get code EEXIST", async () => {
      const { store, reader } = opened;
      const claims = await Promise.allSettled(["a/key", "b/key", "c/key"].map((address, i) => (i % 2 ? reader : store).writeMintIntent("claimed", intent({ address }))));
      expect(claims.filter((c) => c.status === "fulfilled")).toHaveLength(1);
      for (const c of claims) if (c.status === "rejected") expect((c.reason as { code?: string }).code).toBe("EEXIST");
      const winner = await reader.readMintIntent("claimed");
      expect(["a/key", "b/key", "c/key"]).toContain(winner?.address);
    });

    test("pending revocations: recorded, listed earliest due first, replaced by key id, forgotten idempotently", async () => {
      const { store, reader } = opened;
      expect(await reader.listPendingRevocations()).toEqual([]);
      await store.writePendingRevocation(revocation({ keyId: "key_late", dueAt: "2025-01-03T00:00:00.000Z" }));
      await store.writePendingRevocation(revocation({ keyId: "key_early", dueAt: "2025-01-02T00:00:00.000Z" }));
      await store.writePendingRevocation(revocation({ keyId: "key_late", dueAt: "2025-01-04T00:00:00.000Z" }));
      expect((await reader.listPendingRevocations()).map((r) => [r.keyId, r.dueAt])).toEqual([
        ["key_early", "2025-01-02T00:00:00.000Z"],
        ["key_late", "2025-01-04T00:00:00.000Z"],
      ]);
      expect((await reader.listPendingRevocations())[0]).toEqual(revocation({ keyId: "key_early", dueAt: "2025-01-02T00:00:00.000Z" }));
      await store.deletePendingRevocation("key_early");
      await store.deletePendingRevocation("key_early");
      expect((await reader.listPendingRevocations()).map((r) => r.keyId)).toEqual(["key_late"]);
      expect(await reader.listKeyRecords()).toEqual([]); // revocations are no keys
    });

    test("missing credentials: the store says what to set", async () => {
      const error = await rejection(opened.withoutCredentials.attempt());
      expect(error.message).toMatch(opened.withoutCredentials.message);
    });
  });
}

