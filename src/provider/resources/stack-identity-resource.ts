/**
 * `apikeys_stack`: the stack's identity, an id minted at its first apply and kept in its state. Every
 * key record, mint intent and account record the stack writes names it (src/lifecycle/ownership.ts),
 * so a second checkout of the stack, with a state of its own, can never take over the first one's
 * secret paths. Its create looks in the stack's stores first: keys of this stack name under another
 * identity mean another checkout, or this stack with its state lost, and the create stops there,
 * naming the `terraform import` that takes the identity back. Nothing remote: refresh and delete are
 * state-only.
 */
import { randomBytes } from "crypto";
import { describeStore } from "../../spec";
import { storeFromAttributes } from "../../store-attributes";
import type { StoredKeyRecord } from "../../stores/types";
import { STACK_IDENTITY_ADDRESS, stackOf } from "../../lifecycle/ownership";
import type { ProviderContext } from "../provider-context";
import type { ApplyRequest, ApplyResponse, Diagnostic, PlanRequest, PlanResponse, ReadResponse, ResourceHandler, Schema, TfObject } from "../protocol/types";
import { plannedForCreate, plannedForUpdate, str } from "./values";

const schema: Schema = {
  version: 0,
  description: "The stack's identity: minted at its first apply, named by every record the stack writes in its stores.",
  attributes: {
    id: { type: "string", computed: true, description: "The identity (`stk_` and 26 base32 characters). `terraform import` gives a lost state its identity back." },
    name: { type: "string", required: true, description: "The stack's name." },
    stores: {
      type: ["list", ["map", "string"]],
      optional: true,
      description:
        "Where the stack's keys and accounts are stored (each store's map without the fields that only writing needs, such as the age recipient): " +
        "the first apply checks that no other identity holds this stack's keys there.",
    },
    created_at: { type: "string", computed: true, description: "When the identity was minted (RFC 3339); null when imported." },
  },
};

const ID_PATTERN = /^stk_[a-z2-7]{26}$/;

export function stackIdentityResource(ctx: ProviderContext): ResourceHandler {
  return {
    schema,

    async plan({ prior, proposed }: PlanRequest): Promise<PlanResponse> {
      if (!proposed) return { planned: null };
      if (!prior) return { planned: plannedForCreate(schema, proposed) };
      return { planned: plannedForUpdate(schema, prior, proposed) };
    },

    async apply({ prior, planned }: ApplyRequest): Promise<ApplyResponse> {
      if (!planned) return { newState: null }; // the records it named are gone with the stack's keys and accounts
      if (prior) return { newState: planned };
      const name = str(planned, "name");
      const held = await ctx.gate.run(`checking the stores of stack ${name}`, () => heldElsewhere(ctx, name, storesOf(planned)));
      if (held.length) return { newState: null, diagnostics: [conflict(name, held)] };
      return { newState: { ...planned, id: mintId(), created_at: ctx.now().toISOString() } };
    },

    async read(current: TfObject): Promise<ReadResponse> {
      return { newState: current };
    },

    async importState(id: string) {
      if (!ID_PATTERN.test(id)) {
        return {
          imported: [],
          diagnostics: [
            {
              severity: "error",
              summary: `"${id}" is not a stack identity`,
              detail: "A stack identity is `stk_` and 26 characters of a-z and 2-7, as the records in the store and the error that sent you here name it.",
            },
          ],
        } as const;
      }
      return { imported: [{ id, name: null, stores: null, created_at: null }] };
    },
  };
}

interface Held {
  readonly owner: string;
  readonly store: string;
  readonly records: readonly StoredKeyRecord[];
}

/** This stack's key records, in its stores, that name an identity: a new identity must not meet any. */
async function heldElsewhere(ctx: ProviderContext, name: string, stores: Record<string, string>[]): Promise<Held[]> {
  const held: Held[] = [];
  for (const attributes of stores) {
    const spec = storeFromAttributes(attributes, { reading: true });
    let records: StoredKeyRecord[];
    try {
      records = await ctx.store(spec).listKeyRecords();
    } catch (e) {
      throw new Error(`could not list the key records in store ${describeStore(spec)}: ${(e as Error).message}. Nothing was created; apply again once the store answers.`);
    }
    const byOwner = new Map<string, StoredKeyRecord[]>();
    for (const r of records) {
      if (!r.record.owner || stackOf(r.record.address) !== name) continue;
      byOwner.set(r.record.owner, [...(byOwner.get(r.record.owner) ?? []), r]);
    }
    for (const [owner, list] of byOwner) held.push({ owner, store: describeStore(spec), records: list });
  }
  return held;
}

function conflict(name: string, held: readonly Held[]): Diagnostic {
  const lines = held.map((h) => {
    const first = h.records[0];
    return `- stack identity ${h.owner}: ${h.records.length} key(s) in store ${h.store}, e.g. ${first.secretPath} (key ${first.record.keyId} of ${first.record.address})`;
  });
  const owners = [...new Set(held.map((h) => h.owner))];
  return {
    severity: "error",
    summary: `Stack "${name}" already has keys in its stores under another identity`,
    detail:
      `${lines.join("\n")}\n\nThis state has no identity yet, so it is either another checkout or pipeline of this stack with a state of its ` +
      "own, or this stack with its state lost. Nothing was created.\n" +
      "- Another checkout: give it stores or secret paths of its own (a prefix per environment).\n" +
      `- A lost state: take the identity back with \`terraform import ${STACK_IDENTITY_ADDRESS} ${owners[0]}\` in the stack's directory ` +
      "(cdktf.out/stacks/<stack>), then apply again: the keys the lost state held are retired, new ones stored, and the accounts adopted.",
  };
}

function storesOf(planned: TfObject): Record<string, string>[] {
  const stores = planned.stores;
  return Array.isArray(stores) ? (stores as Record<string, string>[]) : [];
}

/** `stk_` and 26 characters of RFC 4648 base32 (lower case): 128 random bits. */
function mintId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `stk_${out}`;
}
