import { Construct } from "constructs";
import { TerraformStack } from "../cdktf";

/**
 * The stable address of a construct: its stack's name and its path inside the stack, e.g.
 * `quickstart/billing`. Records in the secret store are keyed by it.
 */
export function addressOf(construct: Construct): string {
  const stack = TerraformStack.of(construct);
  const inner = construct.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id);
  return [stack.node.id, ...inner].join("/");
}
