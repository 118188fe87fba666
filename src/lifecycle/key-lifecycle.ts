/**
 * An API key's life as the provider carries it out: mint (crash-safe, with an intent recorded first),
 * check (what a refresh reports), re-encrypt, revoke. Knows the clients and stores, not Terraform.
 *
 * The guarantees, each with the step that keeps it:
 * - never an active key whose value is not stored: the intent written before minting survives any
 *   crash, and the next create at the path revokes what that attempt minted but never stored;
 * - never two active keys for one resource: the key a path held before is retired by the create that
 *   stores a new one there, whether or not a state still holds it (a lost state, a killed apply);
 * - never the secret of a newer key removed: delete removes the secret only when the record at the
 *   path names the key being deleted, and reads everything it decides by before its first change (a
 *   failed read fails the delete, nothing revoked);
 * - nothing written by a refresh: `keyStatus` only reads (see the key resource for due revocations);
 * - never an empty secret path during a replacement: the resource is create-before-destroy, so the
 *   new key is stored before the old one is revoked (after `overlapMinutes`, through a pending
 *   revocation recorded in the store);
 * - a secret and its record change together: the record is written first, naming the new key as
 *   pending, the version its secret will have, and the record it replaces; only then the secret. At
 *   every point the store tells which key the secret holds (its version is the pending record's: the
 *   new one; else the previous record's), so a failed or killed create never leaves a revoked value
 *   under an active record, and the next create at the path settles what it left (`settleRecord`);
 * - a refresh checks which key the secret holds: the record names the state's key and the secret's
 *   non-secret version is the record's, or the key shows as drift (`secret_missing`,
 *   `secret_changed`). Records written before versions were kept are not checked.
 */
import type { ApiKeyInfo } from "../clients/types";
import type { KeyStatus } from "../provider-contract";
import { describeStore } from "../spec";
import type { ApiSpec, ApiKeyType, StoreSpec } from "../spec";
import type { RotationPolicy } from "../rotation";
import type { KeyRecord, MintIntent, PreparedSecret, SecretStoreBackend } from "../stores/types";
import type { LifecycleContext } from "./context";
import { API_CAPABILITIES, listsKeyType } from "../apis";
import { apiStatus, mayHaveActed } from "../clients/errors";
import { carryOutRevocations, postponeRevocation } from "./revocations";
import { declarationTag, declaredName, ownedByAnother, ownershipConflict, stackOf, tagOf, taggedName } from "./ownership";
import { heldRecord, storedKeyState, valueFingerprint, withoutPending } from "./stored-key";

/** What the configuration asks for: the key's identity and where its value goes. */
export interface KeySpec {
  /** `<stack>/<construct path>`: the declaration. */
  readonly address: string;
  /** The stack identity (`apikeys_stack`) that owns the secret path; see ./ownership. */
  readonly owner?: string;
  readonly api: ApiSpec;
  readonly serviceAccountId: string;
  readonly name: string;
  readonly expiresInDays?: number;
  readonly scopes?: readonly string[];
  readonly type?: ApiKeyType;
  readonly store: StoreSpec;
  readonly secretPath: string;
  readonly rotation?: RotationPolicy;
  /** Minutes a replaced key stays valid after its replacement is stored (0: revoked at once). */
  readonly overlapMinutes?: number;
  /** The hook engine's resource instance (`self.id`), which its destroy matches the record by; else the key's id. */
  readonly instanceId?: string;
}

/** The key's non-secret facts, as the state holds them. */
export interface MintedKey {
  readonly id: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** How many keys the secret path has held, this one included (see {@link generationOf}); set on create. */
  readonly generation?: number;
}

/** A result plus the warnings worth showing (Terraform prints warning diagnostics). */
export interface WithWarnings<T> {
  readonly value: T;
  readonly warnings: readonly string[];
}

/** Keys minted this long before an intent was written still count as its possible results (clock skew). */
const INTENT_SKEW_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** A delete that revoked the key but could not remove its secret: the state must say "revoked". */
export class RevokedButNotCleanedError extends Error {}

/**
 * Mints the key and stores its value; first resolves whatever an earlier attempt at this path left.
 * Whatever key of this stack the path held before is retired once the new one is stored (revoked, or
 * after `overlapMinutes`), whether the state still holds it (a replacement, whose own delete then finds
 * it retired) or not (an apply killed before Terraform saved it, a lost or restored state): so the
 * create needs no word from the plan, and a plan writes nothing.
 */
export async function createKey(ctx: LifecycleContext, spec: KeySpec): Promise<WithWarnings<MintedKey>> {
  const store = ctx.store(spec.store);
  const warnings: string[] = [];
  const where = `secret_path "${spec.secretPath}" in store ${describeStore(spec.store)}`;
  // What an unfinished create of this owner left is settled first; another owner's record is never touched.
  const previous = await settleRecord(ctx, store, spec, warnings);
  if (previous && ownedByAnother(previous, spec)) throw new Error(ownershipConflict(`${where} holds key ${previous.keyId}, which`, previous, spec));
  const intent = await store.readMintIntent(spec.secretPath);
  if (intent && ownedByAnother(intent, spec)) {
    // Another owner's apply holds the path (minting now, or interrupted): only that owner, serialized
    // by its own state lock, may resolve its intent.
    throw new Error(ownershipConflict(`an attempt to mint a key at ${where} (started ${intent.startedAt})`, intent, spec));
  }
  // An earlier attempt of a version without tags is found by its name and time, as it was then.
  if (intent && !intent.tag) warnings.push(...(await resolveIntent(ctx, store, spec, intent, previous)));
  const tag = declarationTag(spec);
  if (tag) warnings.push(...(await reconcile(ctx, store, spec, spec.serviceAccountId, tag, previous)));
  if (intent?.tag && (intent.tag !== tag || intent.serviceAccountId !== spec.serviceAccountId)) {
    // The attempt was made for another account or under another tag (the construct moved since).
    warnings.push(...(await reconcile(ctx, store, spec, intent.serviceAccountId, intent.tag, previous)));
  }
  if (intent?.tag) await store.deleteMintIntent(spec.secretPath);

  const rotated = previous && previous.address === spec.address ? await nativeRotation(ctx, spec, previous) : undefined;
  const minted = await mintAndStore(ctx, store, spec, rotated, warnings, generationOf(previous) + 1);
  if (rotated) warnings.push(`rotated key ${rotated.keyId} with the API's rotate endpoint; it stays valid for ${rotated.graceMinutes} more minutes`);
  if (previous) {
    // The path's earlier key: the replaced object of a replacement (its delete, still to run, finds
    // it retired), a renamed construct's, or one no state holds any more. Never left active unretired.
    const what = previous.address === spec.address ? "(replaced at its path)" : `of ${previous.address}, which held ${spec.secretPath} before`;
    warnings.push(
      await retire(ctx, store, spec, previous, what).catch(async (e: Error) => {
        // The new key is stored and must reach the state: the old one waits as a revocation due now.
        const now = ctx.now().toISOString();
        const pending = { keyId: previous.keyId, serviceAccountId: previous.serviceAccountId, api: spec.api, address: previous.address, secretPath: spec.secretPath, name: previous.name, dueAt: now, recordedAt: now };
        return postponeRevocation(store, pending).then(
          () => `could not retire key ${previous.keyId} ${what} (${e.message}); its revocation is recorded as due now, for the next apply or \`revoke-due\``,
          (again: Error) => `could not retire key ${previous.keyId} ${what} (${e.message}), nor record its revocation (${again.message}): revoke it in the API`,
        );
      }),
    );
  }
  return { value: minted, warnings };
}

/** The old key of a replacement, to be rotated by the API itself (Factory), and for how long it stays valid. */
interface NativeRotation {
  readonly keyId: string;
  readonly graceMinutes: number;
}

/**
 * A replacement of a live key with the same account and name, on an API that rotates keys
 * itself with a grace period that covers the overlap (Factory: 1 to 10 minutes).
 */
async function nativeRotation(ctx: LifecycleContext, spec: KeySpec, previous: KeyRecord): Promise<NativeRotation | undefined> {
  const client = ctx.client(spec.api);
  const overlap = spec.overlapMinutes ?? 0;
  // Without an overlap the rotate endpoint would revoke the old key before the new one is stored:
  // a plain create, then the revocation once it is stored, leaves no such gap.
  if (!client.rotateApiKey || overlap < 1 || overlap > API_CAPABILITIES[spec.api.kind].rotateGraceMinutes) return undefined;
  if (previous.serviceAccountId !== spec.serviceAccountId || declaredName(previous.name) !== spec.name) return undefined;
  const live = (await ctx.listKeys(spec.api, spec.serviceAccountId)).find((k) => k.id === previous.keyId);
  if (!live || live.status !== "active") return undefined;
  return { keyId: previous.keyId, graceMinutes: overlap };
}

/**
 * A key replaced at its path: revoked now, or, with `overlapMinutes`, recorded as a pending revocation
 * due then (carried out by a later provider run or `revoke-due`). Returns what was done, for a warning.
 */
async function retire(ctx: LifecycleContext, store: SecretStoreBackend, spec: KeySpec, old: Pick<KeyRecord, "keyId" | "serviceAccountId" | "name" | "address">, what: string): Promise<string> {
  const overlap = spec.overlapMinutes ?? 0;
  if (overlap > 0) {
    const now = ctx.now();
    const dueAt = new Date(now.getTime() + overlap * MINUTE_MS).toISOString();
    await postponeRevocation(store, {
      keyId: old.keyId,
      serviceAccountId: old.serviceAccountId,
      api: spec.api,
      address: old.address,
      secretPath: spec.secretPath,
      name: old.name,
      dueAt,
      recordedAt: now.toISOString(),
    });
    return `key ${old.keyId} ${what} stays valid until ${dueAt} (overlapMinutes = ${overlap}); its revocation is recorded as pending`;
  }
  await ctx.client(spec.api).revokeApiKey(old.serviceAccountId, old.keyId);
  ctx.changed(spec.api, old.serviceAccountId);
  return `revoked key ${old.keyId} ${what}`;
}

/**
 * The generation of the key a record names: its `generation`; 1 for a record written before there were
 * generations; 0 with no record (the path is empty). A create stores the previous record's plus one, so
 * it changes exactly when a new key is stored at the path, and a consumer's `*_wo_version` re-sends then.
 */
export function generationOf(record: KeyRecord | undefined): number {
  if (!record) return 0;
  const g = record.generation;
  return typeof g === "number" && Number.isSafeInteger(g) && g > 0 ? g : 1;
}

async function mintAndStore(ctx: LifecycleContext, store: SecretStoreBackend, spec: KeySpec, rotation: NativeRotation | undefined, warnings: string[], generation: number): Promise<MintedKey> {
  const client = ctx.client(spec.api);
  const now = ctx.now();
  // What the path holds now, read before anything is minted: the pending record carries it.
  const before = await heldAt(store, spec.secretPath);
  const tag = declarationTag(spec);
  await store.writeMintIntent(spec.secretPath, {
    address: spec.address,
    ...(spec.owner ? { owner: spec.owner } : {}),
    serviceAccountId: spec.serviceAccountId,
    name: spec.name,
    ...(tag ? { tag } : {}),
    startedAt: now.toISOString(),
  });
  const expiresAt = spec.expiresInDays !== undefined ? new Date(now.getTime() + spec.expiresInDays * DAY_MS) : undefined;
  let created;
  try {
    const create = () => client.createApiKey(spec.serviceAccountId, { name: taggedName(spec.name, tag), expiresAt, scopes: spec.scopes, type: spec.type });
    created = rotation
      ? await client.rotateApiKey!(spec.serviceAccountId, rotation.keyId, { expiresAt, gracePeriodMinutes: rotation.graceMinutes }).catch(async (e: unknown) => {
          // Rotated already (409 naming the replacement): an earlier rotation whose answer was lost (a
          // 502 after the server acted). Its value was never stored (the record would name it), so the
          // replacement is revoked and a plain create mints the key; the old one retires as usual.
          const replacedBy = (e as { replacedBy?: unknown }).replacedBy;
          if (apiStatus(e) !== 409 || typeof replacedBy !== "string") throw e;
          await client.revokeApiKey(spec.serviceAccountId, replacedBy);
          warnings.push(`revoked key ${replacedBy}: an earlier rotation of key ${rotation.keyId} minted it but its answer was lost, so its value was never stored; a new key was created instead`);
          return create();
        })
      : await create();
  } catch (e) {
    if (mayHaveActed(e)) {
      throw new Error(
        `${(e as Error).message}. The API may have created key "${taggedName(spec.name, tag)}" anyway. Its value was not stored; the next apply ` +
          (tag
            ? "finds such a key by its name's tag and revokes it before minting again."
            : `finds such a key (intent recorded at ${spec.secretPath}) and revokes it before minting again.`),
      );
    }
    await store.deleteMintIntent(spec.secretPath);
    throw e;
  } finally {
    ctx.changed(spec.api, spec.serviceAccountId);
  }
  const { info } = created;
  const record: KeyRecord = {
    address: spec.address,
    ...(spec.owner ? { owner: spec.owner } : {}),
    instanceId: spec.instanceId ?? info.id,
    keyId: info.id,
    serviceAccountId: spec.serviceAccountId,
    name: declaredName(info.name),
    prefix: info.prefix,
    createdAt: info.createdAt,
    expiresAt: info.expiresAt,
    confirmed: false,
    generation,
    fingerprint: valueFingerprint(created.value),
  };
  const payload = { value: created.value, keyId: info.id, serviceAccountId: spec.serviceAccountId, name: declaredName(info.name), createdAt: info.createdAt, expiresAt: info.expiresAt };
  let prepared: PreparedSecret | undefined;
  try {
    // Record first: the path's record names the new key as pending, with the version its secret will
    // have and the record it replaces, before the secret is written.
    prepared = await store.prepareSecret(spec.secretPath, payload);
    await store.writeKeyRecord(spec.secretPath, { ...record, secretVersion: prepared.version, pending: true, ...(before ? { previous: before } : {}) });
    await prepared.write();
  } catch (e) {
    const landed = prepared ? await store.secretVersion(spec.secretPath).then((v) => v === prepared!.version, () => undefined) : false;
    if (landed === undefined) {
      // Unclear (the write may have landed, and the store does not answer): nothing is revoked on doubt.
      throw new Error(
        `could not store the new key at ${spec.secretPath} (${(e as Error).message}), and could not tell whether its value landed. ` +
          `Key ${info.id} is left as it is, its record pending; the next apply at this path settles it (keeps it if its value is stored, else revokes it).`,
      );
    }
    if (!landed) {
      const undo = await client.revokeApiKey(spec.serviceAccountId, info.id).then(
        () => `so key ${info.id} was revoked again`,
        (undoError: Error) => `and revoking key ${info.id} again failed too (${undoError.message}); the next apply revokes it`,
      );
      ctx.changed(spec.api, spec.serviceAccountId);
      // The path still holds what it held: its record goes back (best effort: a pending record whose value
      // never landed reads as the previous one anyway).
      await (before ? store.writeKeyRecord(spec.secretPath, before) : store.deleteKeyRecord(spec.secretPath)).catch(() => undefined);
      if (undo.startsWith("so")) await store.deleteMintIntent(spec.secretPath).catch(() => undefined);
      throw new Error(`could not store the new key at ${spec.secretPath} (${(e as Error).message}), ${undo}.`);
    }
    // The value landed although the store answered with an error (its answer was lost): the key is stored.
  }
  await store.writeKeyRecord(spec.secretPath, { ...record, secretVersion: prepared!.version }).catch((e: Error) => {
    // The pending record already names the key and its version: the secret reads as holding it.
    warnings.push(`stored key ${info.id} at ${spec.secretPath}, but could not finish its record (${e.message}); it stays marked pending, which reads the same`);
  });
  await store.deleteMintIntent(spec.secretPath);
  return { id: info.id, prefix: info.prefix, createdAt: info.createdAt, expiresAt: info.expiresAt, generation };
}

/** The record of what the path's secret holds now (a pending record resolved against the secret's version), without its pending marks. */
async function heldAt(store: SecretStoreBackend, secretPath: string): Promise<KeyRecord | undefined> {
  const record = await store.readKeyRecord(secretPath);
  if (!record?.pending) return record && withoutPending(record);
  const held = heldRecord(record, await store.secretVersion(secretPath));
  return held && withoutPending(held);
}

/**
 * The record at the path, with what an unfinished earlier create of this stack left there settled
 * first (a pending record): if its value landed, the key it replaced is retired (its value is gone
 * from the secret) and the record finished; if not, the key it minted is revoked (its value is
 * nowhere) and the record it replaced put back. Another stack's record is returned as it is.
 */
async function settleRecord(ctx: LifecycleContext, store: SecretStoreBackend, spec: KeySpec, warnings: string[]): Promise<KeyRecord | undefined> {
  const record = await store.readKeyRecord(spec.secretPath);
  if (!record?.pending || ownedByAnother(record, spec)) return record;
  const version = await store.secretVersion(spec.secretPath);
  const landed = version !== undefined && version === record.secretVersion;
  if (landed) {
    const previous = record.previous;
    if (previous && previous.keyId !== record.keyId) {
      warnings.push(await retire(ctx, store, spec, previous, `(an earlier create stored key ${record.keyId} over it at ${spec.secretPath} but did not finish)`));
    }
    const settled = withoutPending(record);
    await store.writeKeyRecord(spec.secretPath, settled);
    return settled;
  }
  await ctx.client(spec.api).revokeApiKey(record.serviceAccountId, record.keyId);
  ctx.changed(spec.api, record.serviceAccountId);
  warnings.push(`revoked key ${record.keyId}: an earlier create minted it for ${spec.secretPath}, but its value never landed there`);
  const previous = record.previous && withoutPending(record.previous);
  await (previous ? store.writeKeyRecord(spec.secretPath, previous) : store.deleteKeyRecord(spec.secretPath));
  return previous;
}

/** Revokes every key an unclear earlier attempt may have minted whose value never reached the store. */
async function resolveIntent(ctx: LifecycleContext, store: SecretStoreBackend, spec: KeySpec, intent: MintIntent, stored?: KeyRecord): Promise<string[]> {
  const api = spec.api;
  const since = Date.parse(intent.startedAt) - INTENT_SKEW_MS;
  let keys: ApiKeyInfo[];
  try {
    ctx.changed(api, intent.serviceAccountId);
    keys = await ctx.listKeys(api, intent.serviceAccountId);
  } catch (e) {
    throw new Error(
      `an earlier attempt to mint "${intent.name}" at ${spec.secretPath} ended unclearly, and listing the account's keys to resolve it ` +
        `failed: ${(e as Error).message}. Nothing new was minted; apply again once the API answers.`,
    );
  }
  const strays = keys.filter(
    (k) => k.status === "active" && k.name === intent.name && Date.parse(k.createdAt) >= since && k.id !== stored?.keyId,
  );
  const warnings: string[] = [];
  for (const key of strays) {
    await ctx.client(api).revokeApiKey(intent.serviceAccountId, key.id);
    warnings.push(`revoked key ${key.id} ("${key.name}"): an earlier attempt minted it at ${spec.secretPath} but its value was never stored`);
  }
  ctx.changed(api, intent.serviceAccountId);
  await store.deleteMintIntent(spec.secretPath);
  return warnings;
}

/**
 * Revokes every active key of this declaration (its name's tag) that the store does not hold: what an
 * unclear or interrupted attempt minted, whatever the state, the clock or the record says. The key the
 * record names and keys in their overlap (pending revocations) stay. A key of the same name at another
 * path, or of another checkout, has another tag and is never touched.
 */
async function reconcile(ctx: LifecycleContext, store: SecretStoreBackend, spec: KeySpec, serviceAccountId: string, tag: string, stored?: KeyRecord): Promise<string[]> {
  if (!listsKeyType(spec.api.kind, spec.type)) return []; // never listed (Flexprice's publishable keys): nothing to find
  let keys: ApiKeyInfo[];
  try {
    // Keys minted by earlier runs are in any list taken during this one: a list per account per run does.
    keys = await ctx.keysSeenThisRun(spec.api, serviceAccountId);
  } catch (e) {
    if (apiStatus(e) === 404 && serviceAccountId !== spec.serviceAccountId) return []; // that account is gone, and its keys with it
    throw new Error(
      `listing the keys of service account ${serviceAccountId}, to find keys of ${spec.address} that ${spec.secretPath} does not hold, ` +
        `failed: ${(e as Error).message}. Nothing was minted; apply again once the API answers.`,
    );
  }
  const ours = keys.filter((k) => k.status === "active" && tagOf(k.name) === tag && k.id !== stored?.keyId);
  if (!ours.length) return [];
  const waiting = new Set((await store.listPendingRevocations()).map((r) => r.keyId));
  const warnings: string[] = [];
  for (const key of ours.filter((k) => !waiting.has(k.id))) {
    await ctx.client(spec.api).revokeApiKey(serviceAccountId, key.id);
    ctx.changed(spec.api, serviceAccountId);
    warnings.push(`revoked key ${key.id} ("${key.name}"): an earlier attempt minted it for ${spec.secretPath}, but its value was never stored there`);
  }
  return warnings;
}

/**
 * What a refresh reports for the key: live in the API, unexpired, and its value in the store. The
 * record read at the path, if any, is left in `found.record` (the resource takes the generation from it).
 */
export async function keyStatus(ctx: LifecycleContext, spec: KeySpec, key: MintedKey, found: { record?: KeyRecord } = {}): Promise<KeyStatus> {
  const store = ctx.store(spec.store);
  // Some keys never appear in the API's list (Flexprice's publishable keys): only the store can vouch for them.
  if (listsKeyType(spec.api.kind, spec.type)) {
    let live: ApiKeyInfo | undefined;
    try {
      live = (await ctx.listKeys(spec.api, spec.serviceAccountId)).find((k) => k.id === key.id);
    } catch (e) {
      if (apiStatus(e) === 404) return "missing"; // the account itself is gone
      throw e;
    }
    if (!live) return "missing";
    if (live.status === "revoked") return "revoked";
    if (live.status === "expired" || (live.expiresAt !== null && Date.parse(live.expiresAt) <= ctx.now().getTime())) return "expired";
  }
  // Which key the secret holds, from the record and the secret's non-secret version (no value read).
  const stored = await storedKeyState(store, spec.secretPath, key.id, found);
  return stored === "present" ? "active" : stored === "changed" ? "secret_changed" : "secret_missing";
}

/**
 * The construct moved (a `moved` block), or the stack identity came (an upgrade, an imported identity):
 * the record at the path names the construct's address and owner, if it still holds this key.
 */
export async function updateKeyOwner(ctx: LifecycleContext, spec: KeySpec, keyId: string): Promise<void> {
  const store = ctx.store(spec.store);
  const record = await store.readKeyRecord(spec.secretPath);
  if (!record || record.keyId !== keyId) return;
  if (record.owner && spec.owner && record.owner !== spec.owner) throw new Error(ownershipConflict(`key ${keyId} at ${spec.secretPath}`, record, spec));
  if (record.address !== spec.address || (spec.owner && record.owner !== spec.owner)) {
    await store.writeKeyRecord(spec.secretPath, { ...record, address: spec.address, ...(spec.owner ? { owner: spec.owner } : {}) });
  }
}

/** The recipient changed: the stored value is decrypted with the identity and written again to the new recipient. */
export async function reencryptKey(ctx: LifecycleContext, spec: KeySpec, keyId: string): Promise<void> {
  const store = ctx.store(spec.store, { identity: true });
  const record = await heldAt(store, spec.secretPath);
  if (!record || record.keyId !== keyId) return; // not ours any more: nothing of ours to re-encrypt
  const payload = await store.readSecret(spec.secretPath);
  if (payload.keyId !== keyId || (record.fingerprint !== undefined && valueFingerprint(payload.value) !== record.fingerprint)) {
    throw new Error(
      `the secret at ${spec.secretPath} does not hold key ${keyId}'s value (another writer replaced it?); it was not re-encrypted. ` +
        "Run `terraform apply` after a refresh: the key shows as secret_changed and is replaced.",
    );
  }
  // Record first, as for a create: until the new ciphertext lands, the pending record reads as the old one.
  const prepared = await store.prepareSecret(spec.secretPath, payload);
  const rewritten = { ...record, secretVersion: prepared.version, fingerprint: valueFingerprint(payload.value) };
  await store.writeKeyRecord(spec.secretPath, { ...rewritten, pending: true, previous: record });
  await prepared.write();
  await store.writeKeyRecord(spec.secretPath, rewritten);
}

/**
 * Deletes the key. When the path holds a newer key (a replacement: create-before-destroy, a rename),
 * the key is retired: revoked, or kept valid for `overlapMinutes` through a pending revocation. Else
 * (a removal, a destroy) it is revoked with any revocation still pending for its construct, and its
 * secret and record are removed. Idempotent.
 */
export async function deleteKey(ctx: LifecycleContext, spec: KeySpec, keyId: string): Promise<string[]> {
  const store = ctx.store(spec.store);
  let record: KeyRecord | undefined;
  try {
    record = await store.readKeyRecord(spec.secretPath);
  } catch (e) {
    // Nothing is deleted on doubt: an unreadable record may name a newer key (a replacement), whose
    // secret and record must stay, and whose overlap the old key's revocation must wait for.
    throw new Error(
      `could not read the record at ${spec.secretPath} in store ${describeStore(spec.store)}: ${(e as Error).message}. ` +
        `Nothing was revoked or deleted: key ${keyId} stays in the state. Apply again once the store answers.`,
    );
  }
  if (record && record.keyId !== keyId) {
    // A newer key holds the path: leave its secret; this one is retired now or after the overlap.
    return [await retire(ctx, store, spec, { keyId, serviceAccountId: spec.serviceAccountId, name: spec.name, address: spec.address }, "(replaced)")];
  }
  // Every read before the first change: a read that fails must leave everything as it was.
  const pending = await store.listPendingRevocations().catch((e: Error) => {
    throw new Error(
      `could not list the pending revocations in store ${describeStore(spec.store)}: ${e.message}. ` +
        `Nothing was revoked or deleted: key ${keyId} stays in the state. Apply again once the store answers.`,
    );
  });
  await ctx.client(spec.api).revokeApiKey(spec.serviceAccountId, keyId);
  ctx.changed(spec.api, spec.serviceAccountId);
  try {
    // The key is going away: earlier keys of its path (this stack's) still in their overlap go with it.
    const earlier = await carryOutRevocations(
      { store, client: (api) => ctx.client(api), now: () => ctx.now(), changed: (api, id) => ctx.changed(api, id) },
      (r) => r.secretPath === spec.secretPath && stackOf(r.address) === stackOf(spec.address),
      pending,
    );
    await store.deleteSecret(spec.secretPath);
    await store.deleteKeyRecord(spec.secretPath);
    return [
      ...earlier.revoked.map((r) => `revoked key ${r.keyId}, an earlier key of ${r.address} at ${r.secretPath} still in its overlap`),
      ...earlier.failed.map(({ revocation: r, reason }) => `could not revoke key ${r.keyId}, an earlier key of ${r.address} in its overlap: ${reason}; it stays recorded as pending`),
    ];
  } catch (e) {
    throw new RevokedButNotCleanedError(
      `revoked key ${keyId}, but could not remove its secret at ${spec.secretPath}: ${(e as Error).message}. ` +
        "The state keeps the key as revoked; fix the store and apply again to finish.",
    );
  }
}
