import { TEST_CLOCK_ENV } from "../../src/clock";
import { carryOutRevocations } from "../../src/lifecycle/revocations";
import { before, expectTrue, run, world, type Operation } from "./fault-world";

/**
 * Nothing is lost on doubt: a store that fails one read, at every read of a create, a rotation and a
 * delete in turn (not a sample), never leads to a revoke or a delete. The operation fails, the state
 * Terraform would keep stays true, and the retry Terraform's next apply makes ends with exactly the
 * keys of the state active, the stored value authenticating as the state's key, and nothing pending.
 *
 * A replacement's create retires the old key itself once the new one is stored; the old object's
 * delete, which Terraform runs after it, then finds it retired. Real parts: the Flownally emulator, the Vault KV v2 emulator behind a loopback fault proxy that
 * answers one GET (a read or a list) with 503 before Vault sees it, the real store and client.
 */
/** How many GETs reach the store during `op` when nothing fails. */
async function readsOf(op: Operation, overlapMinutes: number): Promise<number> {
  const w = await world(overlapMinutes);
  try {
    const state = await before(w, op);
    const start = w.proxy.requests().length;
    expect(await run(w, op, state)).toBeUndefined();
    return w.proxy.requests().slice(start).filter((r) => r.method === "GET").length;
  } finally {
    await w.close();
  }
}

const cases: readonly [Operation, number][] = [
  ["create", 0],
  ["rotate", 0],
  ["rotate", 30],
  ["delete", 0],
];

describe.each(cases)("a store read that fails during a %s (overlapMinutes %d)", (op, overlapMinutes) => {
  test("at each read in turn: the operation fails, nothing is revoked or deleted, and the retry ends true", async () => {
    const reads = await readsOf(op, overlapMinutes);
    expect(reads).toBeGreaterThan(1);
    for (let n = 1; n <= reads; n++) {
      const w = await world(overlapMinutes);
      try {
        const state = await before(w, op);
        const oldKey = state.current;
        // The first n-1 reads go through; the n-th is answered 503 before Vault sees it.
        if (n > 1) w.proxy.when({ method: "GET", times: n - 1 }).delay(0);
        w.proxy.when({ method: "GET" }).failBeforeForward(503, { body: { errors: ["injected: Vault is unavailable"] } });

        const failure = await run(w, op, state);
        expect([n, failure?.message]).toEqual([n, expect.stringMatching(/unavailable|sealed|503/i)]);
        // What failed left the state true: every key it holds is live and the current one is stored.
        await expectTrue(w, state, op === "rotate" && overlapMinutes > 0 && state.deposed === undefined && oldKey !== state.current ? [oldKey!] : []);

        w.proxy.clearRules();
        expect(await run(w, op, state)).toBeUndefined();
        const inOverlap = op === "rotate" && overlapMinutes > 0 ? [oldKey!] : [];
        await expectTrue(w, state, inOverlap);
        if (inOverlap.length) {
          const due = w.ctx({ [TEST_CLOCK_ENV]: `+${overlapMinutes + 1}m` });
          const report = await carryOutRevocations({ store: due.store(w.spec.store), client: (api) => due.client(api), now: () => due.now() });
          expect(report.revoked.map((r) => r.keyId)).toEqual(inOverlap);
          await expectTrue(w, state);
        }
        expect(await w.direct.readMintIntent("team/key")).toBeUndefined();
        expect(await w.direct.listPendingRevocations()).toEqual([]);
      } finally {
        await w.close();
      }
    }
  });
});
