import axios from "axios";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { keyStatus } from "../../src/lifecycle/key-lifecycle";
import { carryOutRevocations } from "../../src/lifecycle/revocations";
import type { KeyStatus } from "../../src/provider-contract";
import { before, expectTrue, run, world, type Operation, type State, type World } from "./fault-world";

/**
 * A secret and its record change together, and a refresh checks which key the secret holds (issue 15).
 * A store that fails one write, at every write of a create and a rotation in turn (refused before Vault
 * sees it, or carried out with its answer lost), and the three failures the issue found: after the
 * failed run, the refresh reports `active` only when the secret holds the state's key and that key
 * authenticates; the applies Terraform then makes (a replacement wherever the refresh found drift) end
 * with 0 orphans, 0 lost, 0 duplicates: exactly the state's key active, its value stored and
 * authenticating, its record final, no intent, nothing pending.
 *
 * Real parts: the Flownally emulator, the Vault KV v2 emulator behind a loopback fault proxy, the real
 * store and client; each run of the lifecycle gets a fresh provider context, as each terraform run does.
 */
const WRITES = ["POST", "PUT", "DELETE"];
type Mode = "refused" | "answer lost";

/** What a refresh (each plan) reports for the state's current key; undefined when the state holds none. */
async function refresh(w: World, state: State): Promise<KeyStatus | undefined> {
  if (state.current === undefined || state.revoked) return undefined;
  return keyStatus(w.ctx(), w.spec, { id: state.current, prefix: "", createdAt: "", expiresAt: null });
}

/** Whether the secret at the path holds `keyId`'s value and that value authenticates. */
async function holds(w: World, keyId: string): Promise<boolean> {
  const payload = await w.direct.readSecret(w.spec.secretPath).catch(() => undefined);
  return payload !== undefined && payload.keyId === keyId && (await w.client.authenticates(payload.value));
}

/** The refresh says `active` exactly when the secret holds the state's key, live. */
async function expectRefreshTellsTruth(w: World, state: State): Promise<KeyStatus | undefined> {
  const status = await refresh(w, state);
  if (status !== undefined) expect([status, await holds(w, state.current!)]).toEqual(status === "active" ? ["active", true] : [status, false]);
  return status;
}

/**
 * The applies Terraform makes after a failure, until its plan shows no changes: the create again, the
 * delete of a deposed key again, or a replacement where the refresh found drift. Returns how many it took.
 */
async function heal(w: World, state: State): Promise<number> {
  for (let applies = 0; applies < 3; applies++) {
    const status = await expectRefreshTellsTruth(w, state);
    let op: Operation | undefined;
    if (state.current === undefined) op = "create";
    else if (state.deposed !== undefined || status !== "active") op = "rotate";
    if (op === undefined) return applies;
    expect(await run(w, op, state)).toBeUndefined();
  }
  throw new Error("three applies did not leave a plan without changes");
}

/** After the overlaps end: only the state's key active, its value stored and authenticating, its record final, nothing left over. */
async function expectHealed(w: World, state: State, overlapMinutes: number, lostIntentWrite = false): Promise<void> {
  if (overlapMinutes > 0) {
    const due = w.ctx({ [TEST_CLOCK_ENV]: `+${overlapMinutes + 1}m` });
    const report = await carryOutRevocations({ store: due.store(w.spec.store), client: (api) => due.client(api), now: () => due.now() });
    expect(report.failed).toEqual([]);
  }
  await expectTrue(w, state); // exactly the state's key active (no orphan, no duplicate), stored, authenticating
  // The record names the key and the secret's version. (It may still be marked pending when only its
  // finishing write failed: a pending record whose version is the secret's reads as its key.)
  const record = await w.direct.readKeyRecord(w.spec.secretPath);
  expect(record).toEqual(expect.objectContaining({ keyId: state.current, secretVersion: await w.direct.secretVersion(w.spec.secretPath) }));
  expect(await refresh(w, state)).toBe("active");
  // A mint intent whose write was carried out but answered 502 stays until the next create at the path
  // resolves it (nothing was minted under it: the checks above find no orphan); any other is gone.
  if (!lostIntentWrite) expect(await w.direct.readMintIntent(w.spec.secretPath)).toBeUndefined();
  expect(await w.direct.listPendingRevocations()).toEqual([]);
}

/** The request the proxy answered 502 (after Vault carried it out), if any. */
function failedRequest(w: World): { path: string } | undefined {
  return w.proxy.requests().find((r) => r.fault === "forwardThen502");
}

/** How many writes reach the store during `op` when nothing fails. */
async function writesOf(op: Operation, overlapMinutes: number): Promise<number> {
  const w = await world(overlapMinutes);
  try {
    const state = await before(w, op);
    const start = w.proxy.requests().length;
    expect(await run(w, op, state)).toBeUndefined();
    return w.proxy.requests().slice(start).filter((r) => WRITES.includes(r.method)).length;
  } finally {
    await w.close();
  }
}

const cases: readonly [Operation, number, Mode][] = [
  ["create", 0, "refused"],
  ["create", 0, "answer lost"],
  ["rotate", 0, "refused"],
  ["rotate", 0, "answer lost"],
  ["rotate", 30, "refused"],
  ["rotate", 30, "answer lost"],
];

describe.each(cases)("a store write that fails during a %s (overlapMinutes %d, %s)", (op, overlapMinutes, mode) => {
  test("at each write in turn: the refresh tells which key the secret holds, and the next applies end with exactly the state's key stored and live", async () => {
    const writes = await writesOf(op, overlapMinutes);
    expect(writes).toBeGreaterThan(3);
    for (let n = 1; n <= writes; n++) {
      const w = await world(overlapMinutes);
      try {
        const state = await before(w, op);
        // The first n-1 writes go through; the n-th is refused before Vault sees it, or carried out and answered 502.
        if (n > 1) w.proxy.when({ method: WRITES, times: n - 1 }).delay(0);
        if (mode === "refused") w.proxy.when({ method: WRITES }).failBeforeForward(503, { body: { errors: ["injected: Vault is unavailable"] } });
        else w.proxy.when({ method: WRITES }).forwardThen502();
        await run(w, op, state); // may fail, or succeed with a warning: either way the store must tell the truth
        w.proxy.clearRules();
        await expectRefreshTellsTruth(w, state);
        await heal(w, state);
        const lostIntentWrite = mode === "answer lost" && failedRequest(w)?.path.includes("/.cdktf-api-keys/intents/") === true;
        await expectHealed(w, state, overlapMinutes, lostIntentWrite);
      } catch (e) {
        throw new Error(`write ${n} of ${writes}: ${(e as Error).message}`);
      } finally {
        await w.close();
      }
    }
  });
});

describe("the failures of issue 15", () => {
  /** Vault's soft delete of the secret's current version (`vault kv delete`): the record in the metadata stays. */
  const softDelete = (w: World) =>
    axios.delete(`${w.vault.url}/v1/secret/data/ci/${w.spec.secretPath}`, { headers: { "X-Vault-Token": w.vault.token }, proxy: false });

  test("a replacement whose record writes fail leaves the old key and its secret as they were, never a revoked value under an active record", async () => {
    const w = await world(0);
    try {
      const state = await before(w, "rotate"); // one key, stored
      const old = state.current!;
      w.proxy.when({ method: "POST", path: /\/metadata\/ci\/team\/key$/, times: "always" }).failBeforeForward(503, { body: { errors: ["injected: Vault is unavailable"] } });
      expect((await run(w, "rotate", state))?.message).toMatch(/could not store the new key/);
      w.proxy.clearRules();
      expect(state.current).toBe(old);
      expect(await expectRefreshTellsTruth(w, state)).toBe("active");
      expect(await holds(w, old)).toBe(true);
      await heal(w, state);
      await expectHealed(w, state, 0);
    } finally {
      await w.close();
    }
  });

  test("a secret deleted out of band, then a replacement whose record write fails: the refresh keeps showing drift until an apply stores a live key", async () => {
    const w = await world(0);
    try {
      const state = await before(w, "rotate"); // one key, stored
      await softDelete(w);
      expect(await refresh(w, state)).toBe("secret_missing");
      w.proxy.when({ method: "POST", path: /\/metadata\/ci\/team\/key$/ }).failBeforeForward(503, { body: { errors: ["injected: Vault is unavailable"] } });
      expect((await run(w, "rotate", state))?.message).toMatch(/could not store the new key/);
      w.proxy.clearRules();
      // Not "No changes": the path holds no live key, and the plan says so.
      expect(await expectRefreshTellsTruth(w, state)).toBe("secret_missing");
      expect(await heal(w, state)).toBe(1);
      await expectHealed(w, state, 0);
    } finally {
      await w.close();
    }
  });

  test("an outside writer replacing the secret (even with a payload naming the state's key) shows as secret_changed, and the replacement stores a live key", async () => {
    const w = await world(0);
    try {
      const state = await before(w, "rotate"); // one key, stored
      const stored = await w.direct.readSecret(w.spec.secretPath);
      await w.direct.writeSecret(w.spec.secretPath, { ...stored, value: "fln_not-the-key-the-record-names" });
      expect(await expectRefreshTellsTruth(w, state)).toBe("secret_changed");
      expect(await heal(w, state)).toBe(1);
      await expectHealed(w, state, 0);
    } finally {
      await w.close();
    }
  });

  test("an old version of the secret put back (a restored backup of a replaced, revoked key) shows as secret_changed", async () => {
    const w = await world(0);
    try {
      const state = await before(w, "rotate"); // one key, stored
      const first = await w.direct.readSecret(w.spec.secretPath);
      expect(await run(w, "rotate", state)).toBeUndefined();
      await w.direct.writeSecret(w.spec.secretPath, { ...first, keyId: state.current! });
      expect(await expectRefreshTellsTruth(w, state)).toBe("secret_changed");
      expect(await heal(w, state)).toBe(1);
      await expectHealed(w, state, 0);
    } finally {
      await w.close();
    }
  });
});
