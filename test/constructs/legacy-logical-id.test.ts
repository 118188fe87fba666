import { Construct } from "constructs";
import { TerraformResource, TerraformStack } from "cdktf";
import { legacyResourceLogicalId, makeUniqueId } from "../../src/constructs/legacy-logical-id";
import { testApp } from "./fixtures";

/** What cdktf itself names a TerraformResource `<path>/resource` (the layout of earlier versions). */
function cdktfName(stack: TerraformStack, path: string[]): { construct: Construct; name: string } {
  let scope: Construct = stack;
  for (const id of path) scope = new Construct(scope, id);
  const resource = new TerraformResource(scope, "resource", { terraformResourceType: "apikeys_api_key" });
  return { construct: scope, name: stack.getLogicalId(resource) };
}

describe("the Terraform names of earlier versions (for the moved blocks)", () => {
  test.each([
    [["billing-prod"]],
    [["team", "billing", "prod"]],
    [["with spaces & symbols!", "ok"]],
    [["Default", "key"]],
    [["Resource", "key"]],
    [["bucket", "bucket"]],
    [["my-bucket", "bucket", "x"]],
    [["a".repeat(300)]],
  ])("equal cdktf's own for %j", (path) => {
    const stack = new TerraformStack(testApp(), "names");
    const { construct, name } = cdktfName(stack, path);
    expect(legacyResourceLogicalId(construct)).toBe(name);
  });

  test("an empty path cannot be named", () => {
    expect(() => makeUniqueId(["Default"])).toThrow(/empty path/);
  });
});
