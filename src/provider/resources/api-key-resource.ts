/**
 * `apikeys_api_key`: one API key, its value in a secret store, its non-secret facts in state.
 * Identity attributes force replacement; a changed recipient re-encrypts in place; a refresh that finds
 * the key revoked, expired, gone, or its secret missing sets `status`, and the plan replaces it.
 * Refresh and plan are read-only: nothing is written to the store and nothing is changed in the API.
 */
import type { ApiKeyType } from "../../spec";
import { createKey, deleteKey, generationOf, KeySpec, keyStatus, MintedKey, reencryptKey, RevokedButNotCleanedError, updateKeyOwner } from "../../lifecycle/key-lifecycle";
import type { KeyRecord } from "../../stores/types";
import { carryOutRevocations, describeRevocations } from "../../lifecycle/revocations";
import type { PendingRevocation } from "../../stores/types";
import { nextRotation, type RotationPolicy } from "../../rotation";
import type { ProviderContext } from "../provider-context";
import type { ApplyRequest, ApplyResponse, Diagnostic, PlanRequest, PlanResponse, ReadResponse, ResourceHandler, Schema, TfObject } from "../protocol/types";
import { sameStoreLocation as sameLocation } from "../../store-attributes";
import { API_ATTRIBUTES, apiOf, AttributeError, changedPaths, isKnown, optList, optNum, optStr, plannedForCreate, plannedForUpdate, sameValue, storeMap, storeOf, str } from "./values";

const schema: Schema = {
  version: 0,
  description: "An API key minted by the key-management API; its one-time value goes straight into the secret store, never into state.",
  attributes: {
    id: { type: "string", computed: true, description: "The key's id in the API." },
    address: { type: "string", required: true, description: "The construct that declares the key (`<stack>/<path>`)." },
    owner: {
      type: "string",
      optional: true,
      description: "The stack identity (`apikeys_stack`'s id) that owns the key's secret path: a path another identity holds is never taken over.",
    },
    ...API_ATTRIBUTES,
    service_account_id: { type: "string", required: true, description: "The account the key is minted for. Changing it replaces the key." },
    name: { type: "string", required: true, description: "The key's name. Changing it replaces the key." },
    expires_in_days: { type: "number", optional: true, description: "Days from creation until the key expires. Changing it re-mints the key." },
    scopes: { type: ["list", "string"], optional: true, description: "Scopes of the key (Flownally). Changing them replaces the key." },
    type: { type: "string", optional: true, description: "`private_key` or `publishable_key` (Flexprice). Changing it replaces the key." },
    store: { type: ["map", "string"], required: true, description: "The secret store: `kind`, `directory`, `recipient`. A new recipient re-encrypts in place; anything else replaces the key." },
    secret_path: { type: "string", required: true, description: "Where in the store the key's value is written. Changing it replaces the key." },
    prefix: { type: "string", computed: true, description: "A non-secret display fragment of the key." },
    created_at: { type: "string", computed: true, description: "When the key was minted (RFC 3339)." },
    expires_at: { type: "string", computed: true, description: "When the key expires (RFC 3339), or null if never." },
    rotate_every_days: { type: "number", optional: true, description: "Re-mint the key once it is this many days old, decided at plan time." },
    rotate_before_expiry_days: { type: "number", optional: true, description: "Re-mint the key this many days before it expires, decided at plan time." },
    overlap_minutes: { type: "number", optional: true, description: "Minutes a replaced key stays valid after its replacement is stored; its revocation waits in the store meanwhile." },
    revocations_due: {
      type: ["list", "string"],
      computed: true,
      description: "Earlier keys of this secret path whose overlap has ended, found by the last refresh; the plan shows them going, and the apply revokes them.",
    },
    generation: {
      type: "number",
      computed: true,
      description:
        "How many keys the secret path has held, this one included: it changes exactly when a new key is stored (create, rotation, replacement). Not secret: feed it to a consumer's `*_wo_version` so it re-sends the value then.",
    },
    rotates_at: { type: "string", computed: true, description: "When the rotation policy makes the key due (RFC 3339), or null without one." },
    status: {
      type: "string",
      computed: true,
      description:
        "What the last refresh found: active, revoked, expired, missing, secret_missing (no secret of this key at its path), secret_changed (the secret at its path is not the one written with this key) or rotation_due. Anything but active plans a replacement.",
    },
  },
};

/** Attributes whose change mints a new key. `store` is compared without its recipient. */
const IDENTITY = ["api", "service_account_id", "name", "expires_in_days", "scopes", "type", "secret_path"];

export function apiKeyResource(ctx: ProviderContext): ResourceHandler {
  // A refresh reads each store's pending revocations once per provider run, and revokes none of them.
  const pending = new Map<string, Promise<PendingRevocation[]>>();
  const dueAtPath = async (spec: KeySpec): Promise<PendingRevocation[]> => {
    const key = JSON.stringify(spec.store);
    let listed = pending.get(key);
    if (!listed) pending.set(key, (listed = ctx.store(spec.store).listPendingRevocations()));
    const now = ctx.now().getTime();
    return (await listed).filter((r) => r.secretPath === spec.secretPath && r.address.split("/")[0] === spec.address.split("/")[0] && Date.parse(r.dueAt) <= now);
  };
  return {
    schema,

    validate(config: TfObject): Diagnostic[] {
      return guard(() => {
        if (isKnown(config.api) && isKnown(config.token_env) && config.api !== null) apiOf(config);
        if (isKnown(config.store) && config.store !== null) storeOf(config);
      });
    },

    async plan({ prior, proposed }: PlanRequest): Promise<PlanResponse> {
      if (!proposed) return { planned: null };
      const forCreate = (): TfObject => plannedForCreate(schema, proposed, { status: "active", revocations_due: null, ...(policyOf(proposed) ? {} : { rotates_at: null }) });
      if (!prior) return { planned: forCreate() };
      const replace = changedPaths(prior, proposed, IDENTITY);
      if (!sameStoreLocation(prior, proposed)) replace.push(["store"]);
      // The rotation is decided here, with the proposed policy and the times in state: due today, not earlier.
      const due = rotationOf(prior, proposed);
      const isDue = due !== undefined && due.at.getTime() <= ctx.now().getTime();
      const diagnostics: Diagnostic[] = [];
      if (isDue) {
        diagnostics.push(warning(`API key ${str(proposed, "address")} is due for rotation`, `Due since ${due.at.toISOString()} (${due.reason}): a new key is minted and stored first, then the old one is revoked.`));
        replace.push(prior.status === "rotation_due" ? ["status"] : ["rotates_at"]);
      } else if (prior.status !== "active" && prior.status !== "rotation_due") {
        replace.push(["status"]);
      }
      if (replace.length) return { planned: forCreate(), requiresReplace: replace, diagnostics };
      // Not due (any more: the policy changed since the refresh): an in-place update of the date. Earlier
      // keys whose overlap ended are shown going: the apply of this update revokes them (a plan does not).
      return { planned: { ...plannedForUpdate(schema, prior, proposed), rotates_at: due?.at.toISOString() ?? null, status: "active", revocations_due: null } };
    },

    async apply({ prior, planned }: ApplyRequest): Promise<ApplyResponse> {
      if (!planned) {
        if (!prior) return { newState: null };
        try {
          const spec = specOf(prior);
          const done = await ctx.gate.run(`revoking key ${str(prior, "id")}`, () => deleteKey(ctx, spec, str(prior, "id")));
          const swept = await sweep(ctx, spec);
          return { newState: null, diagnostics: [...done, ...swept].map((w) => warning(`API key ${spec.address}`, w)) };
        } catch (e) {
          // Terraform keeps the returned state beside the error: it must not claim a live key that is revoked.
          const newState = e instanceof RevokedButNotCleanedError ? { ...prior, status: "revoked" } : prior;
          return { newState, diagnostics: [error(`Could not delete API key ${str(prior, "id")}`, e)] };
        }
      }
      const spec = specOf(planned);
      const swept = await sweep(ctx, spec);
      if (!prior) {
        const { value, warnings } = await ctx.gate.run(`minting key "${spec.name}"`, () => createKey(ctx, spec));
        return { newState: stateOf(planned, value), diagnostics: [...swept, ...warnings].map((w) => warning(`API key ${spec.address}`, w)) };
      }
      if (spec.store.kind === "age-file" && !sameValue(storeMap(prior).recipient, spec.store.recipient)) {
        await ctx.gate.run(`re-encrypting ${spec.secretPath}`, () => reencryptKey(ctx, spec, str(prior, "id")));
      }
      if (!sameValue(prior.address, planned.address) || !sameValue(prior.owner, planned.owner)) {
        // Moved (a `moved` block), or the stack identity came: the record at the path names them now.
        await ctx.gate.run(`recording ${spec.address} at ${spec.secretPath}`, () => updateKeyOwner(ctx, spec, str(prior, "id")));
      }
      return { newState: planned, diagnostics: swept.map((w) => warning(`API key ${spec.address}`, w)) };
    },

    async read(current: TfObject): Promise<ReadResponse> {
      if (current.api === null) return { newState: current }; // nothing to check against yet
      // A refresh changes nothing, in the store or the API: due revocations are reported, carried out by apply.
      const spec = specOf(current);
      const revocations = await dueAtPath(spec);
      const found: { record?: KeyRecord } = {};
      const live = await keyStatus(ctx, spec, keyOf(current), found);
      // The record names this key: its generation is the true one (1 for a record from before generations,
      // so an older state gets one). A record that names another key keeps the state's: `status` says
      // secret_missing and the plan replaces the key, which takes the next generation at create.
      const generation = found.record?.keyId === str(current, "id") ? generationOf(found.record) : (current.generation ?? null);
      const due = rotationOf(current, current);
      const status = live === "active" && due !== undefined && due.at.getTime() <= ctx.now().getTime() ? "rotation_due" : live;
      const rotatesAt = due?.at.toISOString() ?? null;
      const revocationsDue = revocations.length ? revocations.map((r) => r.keyId) : null;
      const notes = revocations.map((r) => `key ${r.keyId} of ${r.address} (${r.secretPath}) was due for revocation at ${r.dueAt}: the next apply (or \`cdktf-api-keys revoke-due\`) revokes it`);
      // A summary of its own: Terraform folds warnings with one summary into one, and the apply's report of the revocation must show.
      const diagnostics = notes.map((w) => warning(`Revocation due at the secret path of API key ${spec.address}`, w));
      return { newState: { ...current, status, generation, rotates_at: rotatesAt, revocations_due: revocationsDue }, diagnostics };
    },

    async importState(id: string) {
      return {
        imported: [],
        diagnostics: [
          {
            severity: "error",
            summary: `API key ${id} cannot be imported`,
            detail:
              "An API shows a key's value only once, when it is minted, so an existing key's value cannot be stored. " +
              "Remove the import and apply: this stack mints a new key and stores its value. Then revoke the old key in " +
              "the API's console (or with the API's revoke endpoint) once its consumers read the new secret.",
          },
        ],
      } as const;
    },
  };
}

function specOf(obj: TfObject): KeySpec {
  return {
    address: str(obj, "address"),
    owner: isKnown(obj.owner) ? optStr(obj, "owner") : undefined,
    api: apiOf(obj),
    serviceAccountId: str(obj, "service_account_id"),
    name: str(obj, "name"),
    expiresInDays: optNum(obj, "expires_in_days"),
    scopes: optList(obj, "scopes"),
    type: optStr(obj, "type") as ApiKeyType | undefined,
    store: storeOf(obj),
    secretPath: str(obj, "secret_path"),
    rotation: policyOf(obj),
    overlapMinutes: optNum(obj, "overlap_minutes"),
  };
}

function policyOf(obj: TfObject): RotationPolicy | undefined {
  const rotateEveryDays = isKnown(obj.rotate_every_days) ? optNum(obj, "rotate_every_days") : undefined;
  const rotateBeforeExpiryDays = isKnown(obj.rotate_before_expiry_days) ? optNum(obj, "rotate_before_expiry_days") : undefined;
  return rotateEveryDays === undefined && rotateBeforeExpiryDays === undefined ? undefined : { rotateEveryDays, rotateBeforeExpiryDays };
}

/** When the key in `state` is due under the policy of `config` (the state's own, on a refresh). */
function rotationOf(state: TfObject, config: TfObject) {
  const policy = policyOf(config);
  const createdAt = optStr(state, "created_at");
  if (!policy || !createdAt) return undefined;
  return nextRotation({ createdAt, expiresAt: optStr(state, "expires_at") ?? null }, policy);
}

/** Revocations of the resource's store that are due, carried out once per store per provider run. */
async function sweep(ctx: ProviderContext, spec: KeySpec): Promise<string[]> {
  const report = await ctx.once(`revocations ${JSON.stringify(spec.store)}`, () =>
    carryOutRevocations({ store: ctx.store(spec.store), client: (api) => ctx.client(api), now: () => ctx.now(), changed: (api, id) => ctx.changed(api, id) }),
  ).catch((e: Error) => ({ revoked: [], waiting: [], failed: [], error: e.message }));
  if (!report) return [];
  if ("error" in report) return [`could not check the store's pending revocations: ${report.error}. The next run tries again.`];
  return describeRevocations(report);
}

const keyOf = (obj: TfObject): MintedKey => ({
  id: str(obj, "id"),
  prefix: optStr(obj, "prefix") ?? "",
  createdAt: optStr(obj, "created_at") ?? "",
  expiresAt: optStr(obj, "expires_at") ?? null,
});

const stateOf = (planned: TfObject, key: MintedKey): TfObject => ({
  ...planned,
  id: key.id,
  prefix: key.prefix,
  created_at: key.createdAt,
  expires_at: key.expiresAt,
  generation: key.generation ?? null,
  rotates_at: rotationOf({ created_at: key.createdAt, expires_at: key.expiresAt }, planned)?.at.toISOString() ?? null,
  revocations_due: null,
  status: "active",
});

function sameStoreLocation(prior: TfObject, proposed: TfObject): boolean {
  if (!isKnown(proposed.store)) return false;
  return sameLocation(storeMap(prior), storeMap(proposed));
}

function guard(check: () => void): Diagnostic[] {
  try {
    check();
    return [];
  } catch (e) {
    const attribute = e instanceof AttributeError ? [e.attribute] : undefined;
    return [{ severity: "error", summary: (e as Error).message, attribute }];
  }
}

const error = (summary: string, e: unknown): Diagnostic => ({ severity: "error", summary, detail: (e as Error).message });
const warning = (summary: string, detail: string): Diagnostic => ({ severity: "warning", summary, detail });
