import { LocalBackend, TerraformBackend, TerraformStack } from "../cdktf";

const patched = new WeakSet<TerraformStack>();

/**
 * cdktf's default backend (added when a stack configures none) writes the state to an ABSOLUTE path on
 * the synthesizing machine, which breaks a stack directory that is planned in one CI job and applied in
 * another. For stacks with our constructs and no backend of their own, the state goes to
 * `terraform.tfstate` in the stack directory instead, as plain Terraform would. A backend the user
 * configures, at any point before synth, is left alone.
 */
export function usePortableDefaultBackend(stack: TerraformStack): void {
  if (patched.has(stack)) return;
  patched.add(stack);
  const prepareStack = stack.prepareStack.bind(stack);
  stack.prepareStack = () => {
    if (!stack.node.findAll().some((c) => TerraformBackend.isBackend(c))) {
      new LocalBackend(stack, { path: "terraform.tfstate" });
    }
    prepareStack();
  };
}
