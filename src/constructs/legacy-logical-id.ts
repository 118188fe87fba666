/**
 * The Terraform name a key had in versions whose keys were TerraformResources named after the construct
 * path (`<construct path>/resource`, e.g. `billing-prod_resource_6E6F2CEC`), for the `moved` block that
 * carries such states over. It is cdktf's own naming (`makeUniqueId` in cdktf/lib/private/unique.js, the
 * same in cdktf 0.21 and CDK Terrain), which is not exported; test/constructs/legacy-logical-id.test.ts
 * checks it against a real TerraformResource at the same path.
 */
import { createHash } from "crypto";
import type { Construct } from "constructs";
import { TerraformStack } from "../cdktf";

/** Left out of the name and of the hash. */
const HIDDEN_ID = "Default";
/** Left out of the readable part of the name, kept in the hash. */
const HIDDEN_FROM_HUMAN_ID = "Resource";
const MAX_HUMAN_LEN = 240;
const MAX_ID_LEN = 255;

/** What cdktf named the TerraformResource `<construct>/resource` of a stack without a naming override. */
export function legacyResourceLogicalId(construct: Construct): string {
  const stack = TerraformStack.of(construct);
  const scopes = construct.node.scopes;
  return makeUniqueId([...scopes.slice(scopes.indexOf(stack) + 1).map((c) => c.node.id), "resource"]);
}

/** cdktf's `makeUniqueId`: a readable rendition of the path, `_`, and 8 hex digits of its MD5. */
export function makeUniqueId(path: readonly string[]): string {
  const components = path.filter((c) => c !== HIDDEN_ID);
  if (components.length === 0) throw new Error("cannot name an empty path");
  if (components.length === 1) {
    const candidate = allowedCharacters(components[0]);
    if (candidate.length <= MAX_ID_LEN) return candidate;
  }
  const hash = createHash("md5").update(components.join("/")).digest("hex").slice(0, 8).toUpperCase();
  const human = withoutRepeats(components)
    .filter((c) => c !== HIDDEN_FROM_HUMAN_ID)
    .map(allowedCharacters)
    .join("_")
    .slice(0, MAX_HUMAN_LEN);
  return `${human}_${hash}`;
}

function allowedCharacters(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "");
}

/** Drops a component when the one before it ends with it (`Bucket/Bucket` names once). */
function withoutRepeats(path: readonly string[]): string[] {
  const out: string[] = [];
  for (const component of path) {
    if (!out.length || !out[out.length - 1].endsWith(component)) out.push(component);
  }
  return out;
}
