/**
 * `apikeys_service_account`: a service account the stack creates and deletes. Its id is in state;
 * `terraform import <address> <id>` adopts an existing one.
 */
import type { ProviderContext } from "../provider-context";
import type { ApplyRequest, ApplyResponse, PlanRequest, PlanResponse, ReadResponse, ResourceHandler, Schema, TfObject } from "../protocol/types";
import { AccountSpec, createAccount, forgetAccount, mayDeleteAccount, updateAccountRecord } from "../../lifecycle/account-lifecycle";
import { API_ATTRIBUTES, apiOf, changedPaths, isKnown, optList, optStr, plannedForCreate, plannedForUpdate, storeOf, str } from "./values";

const schema: Schema = {
  version: 0,
  description: "A service account that API keys are minted for, created and deleted by this stack.",
  attributes: {
    id: { type: "string", computed: true, description: "The account's id in the API." },
    address: { type: "string", optional: true, description: "The construct that declares the account (`<stack>/<path>`)." },
    owner: { type: "string", optional: true, description: "The stack identity (`apikeys_stack`'s id) that owns the account's record." },
    ...API_ATTRIBUTES,
    name: { type: "string", required: true, description: "The account's name. Changing it replaces the account and its keys." },
    description: { type: "string", optional: true, description: "Description (Flownally). Changing it replaces the account." },
    roles: { type: ["list", "string"], optional: true, description: "Roles its keys inherit (Flexprice). Changing them replaces the account and its keys." },
    store: { type: ["map", "string"], optional: true, description: "The secret store that keeps the pending record of a create in flight, so an interrupted create is resolved by the next apply." },
    created_at: { type: "string", computed: true, description: "When the account was created (RFC 3339)." },
    status: { type: "string", computed: true, description: "What the last refresh found: active or missing. Missing plans a replacement." },
  },
};

const IDENTITY = ["api", "name", "description", "roles"];

export function serviceAccountResource(ctx: ProviderContext): ResourceHandler {
  return {
    schema,

    async plan({ prior, proposed }: PlanRequest): Promise<PlanResponse> {
      if (!proposed) return { planned: null };
      if (!prior) return { planned: plannedForCreate(schema, proposed, { status: "active" }) };
      if (prior.name === null) return planImported(ctx, prior, proposed);
      const replace = changedPaths(prior, proposed, IDENTITY);
      if (prior.status !== "active") replace.push(["status"]);
      if (replace.length) return { planned: plannedForCreate(schema, proposed, { status: "active" }), requiresReplace: replace };
      return { planned: plannedForUpdate(schema, prior, proposed) };
    },

    async apply({ prior, planned }: ApplyRequest): Promise<ApplyResponse> {
      if (!planned) {
        if (!prior) return { newState: null };
        const api = apiOf(prior);
        if (!mayDeleteAccount(ctx, str(prior, "id"))) {
          const detail = `Account ${str(prior, "id")} was adopted by its replacement in this apply (it still matched the configuration), so it was not deleted.`;
          return { newState: null, diagnostics: [{ severity: "warning", summary: `Service account ${str(prior, "address")}`, detail }] };
        }
        await ctx.gate.run(`deleting service account ${str(prior, "id")}`, () => ctx.client(api).deleteServiceAccount(str(prior, "id")));
        ctx.changed(api);
        await forgetAccount(ctx, specOf(prior), str(prior, "id")); // no record of it is left behind
        return { newState: null };
      }
      if (prior) {
        // The stack identity came, the construct moved, the store changed: the record says so.
        const id = str(prior, "id");
        await ctx.gate.run(`recording service account ${id}`, () =>
          updateAccountRecord(ctx, specOf(planned), { id, name: str(planned, "name"), createdAt: optStr(prior, "created_at") ?? ctx.now().toISOString() }),
        );
        return { newState: planned };
      }
      const spec = specOf(planned);
      const { value: account, warnings } = await ctx.gate.run(`creating service account "${spec.name}"`, () => createAccount(ctx, spec));
      return {
        newState: { ...planned, id: account.id, created_at: account.createdAt, status: "active" },
        diagnostics: warnings.map((detail) => ({ severity: "warning" as const, summary: `Service account ${spec.address}`, detail })),
      };
    },

    async read(current: TfObject): Promise<ReadResponse> {
      if (current.api === null) return { newState: current }; // just imported: the plan looks it up with the configuration's API
      const id = str(current, "id");
      // A refresh writes nothing: the record says what a create needs since the account was created.
      const found = (await ctx.listAccounts(apiOf(current))).some((a) => a.id === id);
      return { newState: { ...current, status: found ? "active" : "missing" } };
    },

    async importState(id: string) {
      const imported: TfObject = Object.fromEntries(Object.keys(schema.attributes).map((name) => [name, null]));
      return { imported: [{ ...imported, id, status: "active" }] };
    },
  };
}

/** The first plan after an import: the state has only the id, the configuration says where to look. */
async function planImported(ctx: ProviderContext, prior: TfObject, proposed: TfObject): Promise<PlanResponse> {
  const id = str(prior, "id");
  const api = apiOf(proposed);
  const account = (await ctx.listAccounts(api)).find((a) => a.id === id);
  if (!account) {
    return {
      planned: null,
      diagnostics: [
        {
          severity: "error",
          summary: `Service account ${id} does not exist in ${api.baseUrl}`,
          detail: "Check the id passed to `terraform import` (list the accounts in the API's console), then import again.",
        },
      ],
    };
  }
  const planned = { ...proposed, id, created_at: account.createdAt, status: "active" };
  const replace = account.name === proposed.name ? [] : [["name"]];
  return { planned: replace.length ? plannedForCreate(schema, proposed, { status: "active" }) : planned, requiresReplace: replace };
}

function specOf(obj: TfObject): AccountSpec {
  return {
    address: optStr(obj, "address") ?? str(obj, "name"),
    owner: isKnown(obj.owner) ? optStr(obj, "owner") : undefined,
    api: apiOf(obj),
    name: str(obj, "name"),
    description: optStr(obj, "description"),
    roles: optList(obj, "roles"),
    store: obj.store !== null && obj.store !== undefined ? storeOf(obj) : undefined,
  };
}
