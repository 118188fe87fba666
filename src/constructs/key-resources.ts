/**
 * The stack's `apikeys_api_key` resources, written by one element per stack: each `ApiKey` (provider
 * engine) adds its row, and synth writes them all, each `create_before_destroy`, with the `moved` blocks
 * that carry states of earlier versions over.
 *
 * Why not a TerraformResource per key: cdktf resolves every element's output three times at synth, and
 * a TerraformResource adds per element its metadata block, its meta-arguments and a fragment of its own
 * to merge. For a stack of a thousand keys that made synth several times a bare cdktf stack of the same
 * size (`npm run bench`). Written here, a key costs what its attributes cost. What a key offers other
 * constructs is unchanged: `fqn` for `dependsOn`, and attribute tokens (`keyId`, ...) that cdktf wires
 * across stacks like any resource's. The construct path that cdktf's metadata block would carry is the
 * key's `address` attribute. Accounts, a few per stack, stay TerraformResources.
 */
import type { Construct } from "constructs";
import { TerraformElement, TerraformStack } from "../cdktf";
import { RESOURCE_TYPES } from "../provider-contract";
import { hclOutputNotSupported } from "./errors";

const ID = "apikeys_api_keys";

interface Row {
  /** The key's Terraform name in earlier versions (see legacy-logical-id.ts). */
  readonly movedFrom: string;
  /** Its attributes (unset ones are `undefined` and left out). They are fixed once the key is constructed. */
  readonly attributes: { readonly [name: string]: unknown };
}

export class KeyResources extends TerraformElement {
  /** The stack's element, added on first use. */
  public static of(scope: Construct): KeyResources {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(ID) as KeyResources | undefined) ?? new KeyResources(stack);
  }

  /** Each key's resource body, by Terraform name, in the order the keys were constructed. */
  private readonly resources: { [name: string]: { [attribute: string]: unknown } } = {};
  /**
   * The `moved` blocks, a stack override (kept by reference, so later keys add to it): overrides are
   * resolved once, in the last of synth's passes, where the element's own output is resolved in all three.
   */
  private readonly moved: { from: string; to: string }[] = [];

  private constructor(stack: TerraformStack) {
    super(stack, ID, RESOURCE_TYPES.apiKey);
    stack.addOverride("moved", this.moved);
  }

  /** Adds the key named `logicalId` (unique in the stack: ApiKey checks its store and path first). */
  public add(logicalId: string, row: Row): void {
    if (logicalId in this.resources) throw new Error(`cdktf-api-keys: two keys of stack ${this.node.scope!.node.id} are named ${logicalId}`);
    const body: { [attribute: string]: unknown } = {};
    for (const [attribute, value] of Object.entries(row.attributes)) if (value !== undefined) body[attribute] = value;
    // Every replacement (a rotation, a drifted key, a changed name) mints and stores the new key
    // before the old one is revoked: the secret path never goes empty.
    body.lifecycle = { create_before_destroy: true };
    this.resources[logicalId] = body;
    this.moved.push({ from: `${RESOURCE_TYPES.apiKey}.${row.movedFrom}`, to: `${RESOURCE_TYPES.apiKey}.${logicalId}` });
  }

  /** Synth's passes only read what this returns (cdktf merges it into fresh objects), so it is the element's own. */
  public toTerraform(): { [block: string]: unknown } {
    return { resource: { [RESOURCE_TYPES.apiKey]: this.resources } };
  }

  /** Called only for `new App({ hclOutput: true })`. */
  public toHclTerraform(): never {
    throw hclOutputNotSupported();
  }
}
