/**
 * Who owns what a store holds, independent of Terraform state and of names.
 *
 * - The **stack identity** (`apikeys_stack`, an id minted at a stack's first apply and kept in its
 *   state) is the owner every key record, mint intent and account record names. A second checkout of
 *   the stack, or a stack whose state was lost, has another identity, so it can never take over (and
 *   retire) the first one's keys by sharing its stack name; the lost state gets the old identity back
 *   with `terraform import`.
 * - The **declaration tag** ties each minted key to its declaration in a way the API keeps and returns:
 *   a suffix of the key's name, a hash of the owner, the construct, the store and the secret path. A
 *   create lists the account's keys and revokes every active key with its tag that the store does not
 *   hold, whatever the state, the clock or another key's name says.
 *
 * Records written before owners existed carry none: they are owned by stack name, as they were, until
 * the apply that brings the identity writes it into them.
 */
import { createHash } from "crypto";
import { RESOURCE_TYPES, STACK_IDENTITY_NAME } from "../provider-contract";
import { storeLocationKey, storeToAttributes } from "../store-attributes";
import type { StoreSpec } from "../spec";

/** What a record, an intent or a spec says about its owner. */
export interface Owned {
  /** `<stack>/<construct path>` */
  readonly address: string;
  /** The stack identity; absent on records written before identities (and on hook-engine records). */
  readonly owner?: string;
}

/** The stack name of an address (`<stack>/<construct path>`). */
export const stackOf = (address: string): string => address.split("/")[0];

/**
 * Whether `held` (a record or an intent at a path) belongs to another owner than `spec`: another stack
 * identity when both have one, else another stack name.
 */
export function ownedByAnother(held: Owned, spec: Owned): boolean {
  if (held.owner && spec.owner) return held.owner !== spec.owner;
  return stackOf(held.address) !== stackOf(spec.address);
}

/** Words for the owner of `held`, for messages. */
export function describeOwner(held: Owned): string {
  return held.owner ? `${held.address} (stack identity ${held.owner})` : held.address;
}

/**
 * Why `held` is not this stack's, and the way out: another stack, another checkout of this one, or this
 * stack with a lost state (whose identity `terraform import` brings back).
 */
export function ownershipConflict(what: string, held: Owned, spec: Owned): string {
  if (held.owner && spec.owner && stackOf(held.address) === stackOf(spec.address)) {
    return (
      `${what} belongs to stack "${stackOf(held.address)}" under identity ${held.owner}, and this state's identity is ${spec.owner}: ` +
      "another checkout or pipeline of this stack applies it with a state of its own. Nothing was changed. If that is so, give this " +
      "checkout its own store or secret paths. If instead this state was lost or replaced, take the identity back: " +
      `${importIdentityCommand(held.owner)}, then apply again.`
    );
  }
  return `${what} belongs to ${describeOwner(held)}, another stack. Nothing was changed. Give this one another store or secret path, or destroy the other stack's first.`;
}

/** The stack identity resource's address in every stack. */
export const STACK_IDENTITY_ADDRESS = `${RESOURCE_TYPES.stackIdentity}.${STACK_IDENTITY_NAME}`;

/** The commands that give a state the stack identity `id` (the state's own one, if any, is dropped first). */
export const importIdentityCommand = (id: string): string =>
  `terraform state rm ${STACK_IDENTITY_ADDRESS}; terraform import ${STACK_IDENTITY_ADDRESS} ${id} (in the stack's directory, cdktf.out/stacks/<stack>)`;

/** Length of the tag's hex digest: 48 bits, so two declarations of one account never share one. */
const TAG_LENGTH = 12;
const TAG_SUFFIX = new RegExp(` #([0-9a-f]{${TAG_LENGTH}})$`);
/** What the tag adds to a key's name: ` #` and the digest. */
export const TAG_NAME_LENGTH = 2 + TAG_LENGTH;

/** The declaration's tag, or undefined without an owner (records and keys of earlier versions). */
export function declarationTag(spec: { readonly owner?: string; readonly address: string; readonly store: StoreSpec; readonly secretPath: string }): string | undefined {
  if (!spec.owner) return undefined;
  const location = storeLocationKey(storeToAttributes(spec.store));
  return createHash("sha256").update([spec.owner, spec.address, location, spec.secretPath].join("\n")).digest("hex").slice(0, TAG_LENGTH);
}

/** The name a key is minted with: the declared name, then the tag. */
export const taggedName = (name: string, tag: string | undefined): string => (tag ? `${name} #${tag}` : name);

/** The tag at the end of an API key's name, if it has one. */
export const tagOf = (apiName: string): string | undefined => TAG_SUFFIX.exec(apiName)?.[1];

/** The declared name of a key, its tag taken off. */
export const declaredName = (apiName: string): string => apiName.replace(TAG_SUFFIX, "");
