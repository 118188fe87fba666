/**
 * The `ephemeral "apikeys_secret"` blocks of a stack (Terraform >= 1.11 for the write-only arguments
 * they feed), and the synth-time check that their value goes only where Terraform accepts an
 * ephemeral value.
 *
 * With CDK Terrain (cdktn >= 0.24) each block is its `TerraformEphemeralResource`; cdktf 0.21 has no
 * ephemeral class, so one element of the library's own writes the stack's blocks, as KeyResources
 * writes the keys.
 */
import type { Construct } from "constructs";
import { ref, TerraformElement, TerraformEphemeralResource, TerraformStack, Token } from "../cdktf";
import { EPHEMERAL_TYPES, PROVIDER } from "../provider-contract";
import { ephemeralValueMisused, hclOutputNotSupported } from "./errors";

const ELEMENT_ID = "apikeys_secrets";
const TYPE = EPHEMERAL_TYPES.secret;

/** The stack's blocks written by the library itself (cdktf 0.21). */
class EphemeralSecrets extends TerraformElement {
  public static of(stack: TerraformStack): EphemeralSecrets {
    return (stack.node.tryFindChild(ELEMENT_ID) as EphemeralSecrets | undefined) ?? new EphemeralSecrets(stack);
  }

  public readonly blocks: { [name: string]: { [attribute: string]: unknown } } = {};

  private constructor(stack: TerraformStack) {
    super(stack, ELEMENT_ID, `ephemeral.${TYPE}`);
  }

  public toTerraform(): { [block: string]: unknown } {
    return { ephemeral: { [TYPE]: this.blocks } };
  }

  /** Called only for `new App({ hclOutput: true })`. */
  public toHclTerraform(): never {
    throw hclOutputNotSupported();
  }
}

/** Per stack: block name -> the construct path of the key it opens, and the value's token. */
const declared = new WeakMap<TerraformStack, Map<string, { owner: string; value: string }>>();

/**
 * Declares `ephemeral "apikeys_secret" "<name>"` in `scope`'s stack (once per name) and returns a token
 * for its `value`, valid in that stack only. `attributes` are the block's (snake_case).
 */
export function ephemeralSecretValue(scope: Construct, name: string, owner: string, attributes: () => { [attribute: string]: unknown }): string {
  const stack = TerraformStack.of(scope);
  let blocks = declared.get(stack);
  if (!blocks) {
    declared.set(stack, (blocks = new Map()));
    stack.node.addValidation({ validate: () => misuses(stack, blocks!) });
  }
  const existing = blocks.get(name);
  if (existing) return existing.value;
  let value: string;
  if (TerraformEphemeralResource) {
    const block = new TerraformEphemeralResource(stack, `${TYPE}_${name}`, { terraformResourceType: TYPE, terraformGeneratorMetadata: { providerName: PROVIDER.type } });
    (block as unknown as { overrideLogicalId(id: string): void }).overrideLogicalId(name);
    for (const [attribute, v] of Object.entries(attributes())) if (v !== undefined) block.addOverride(attribute, v);
    value = block.getStringAttribute("value");
  } else {
    EphemeralSecrets.of(stack).blocks[name] = attributes();
    value = Token.asString(ref(`ephemeral.${TYPE}.${name}.value`, stack));
  }
  blocks.set(name, { owner, value });
  return value;
}

/**
 * Where the stack uses a block's value that Terraform refuses: a resource argument that is not
 * write-only (write-only arguments are named `*_wo` by Terraform's convention: `secret_string_wo`,
 * `value_wo`, `data_wo`), a data source, an output (a root module's outputs cannot be ephemeral), and
 * locals used there. Provider blocks, other ephemeral blocks, provisioners and connections may use it.
 */
function misuses(stack: TerraformStack, blocks: Map<string, { owner: string }>): string[] {
  type Blocks = { [type: string]: { [name: string]: { [attribute: string]: unknown } } };
  const tf = stack.toTerraform() as { resource?: Blocks; data?: Blocks; output?: { [name: string]: unknown }; locals?: { [name: string]: unknown } };
  const problems: string[] = [];
  for (const [name, { owner }] of blocks) {
    const tainted = taintedPatterns(name, tf.locals ?? {});
    const uses = (value: unknown) => tainted.some((pattern) => pattern.test(JSON.stringify(value) ?? ""));
    const places: string[] = [];
    for (const [type, bodies] of Object.entries(tf.resource ?? {})) {
      for (const [resource, body] of Object.entries(bodies)) {
        for (const [attribute, value] of Object.entries(body)) {
          if (attribute.endsWith("_wo") || attribute === "provisioner" || attribute === "connection" || attribute === "//") continue;
          if (uses(value)) places.push(`argument "${attribute}" of resource ${type}.${resource}`);
        }
      }
    }
    for (const [type, bodies] of Object.entries(tf.data ?? {})) {
      for (const data of Object.keys(bodies)) if (uses(bodies[data])) places.push(`data source ${type}.${data}`);
    }
    for (const [output, body] of Object.entries(tf.output ?? {})) if (uses(body)) places.push(`output "${output}"`);
    if (places.length > 0) problems.push(ephemeralValueMisused(owner, places).message);
  }
  return problems;
}

/** The references that carry block `name`'s value: the block's own, and every local derived from it. */
function taintedPatterns(name: string, locals: { [name: string]: unknown }): RegExp[] {
  const patterns = [new RegExp(`\\bephemeral\\.${TYPE}\\.${name}\\b`)];
  const found = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [local, value] of Object.entries(locals)) {
      if (found.has(local) || !patterns.some((p) => p.test(JSON.stringify(value) ?? ""))) continue;
      found.add(local);
      patterns.push(new RegExp(`\\blocal\\.${local.replace(/[^A-Za-z0-9_-]/g, "")}\\b`));
      grew = true;
    }
  }
  return patterns;
}
