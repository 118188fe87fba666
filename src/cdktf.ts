/**
 * The one place the library imports cdktf. cdktf 0.21 is final (archived by HashiCorp); its community
 * continuation, CDK Terrain (`cdktn`), has the same API under another package name: switching is a
 * change to this file (and package.json).
 */
export {
  Annotations,
  App,
  AssetType,
  Lazy,
  LocalBackend,
  TerraformBackend,
  TerraformAsset,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Token,
} from "cdktf";
export type { ISynthesisSession, ITerraformDependable, TerraformResourceConfig } from "cdktf";

import type { IConstruct } from "constructs";
import type { ISynthesisSession } from "cdktf";

/**
 * Runs `write` while the stack that holds `construct` is synthesized, with the session (and so the
 * stack's output directory). cdktf's own `addCustomSynthesis` (used by TerraformAsset) is not exported;
 * it marks the construct with this well-known symbol, which the stack synthesizer looks for.
 */
export function onSynthesize(construct: IConstruct, write: (session: ISynthesisSession) => void): void {
  Object.defineProperty(construct, Symbol.for("cdktf/customSynthesis"), { value: { onSynthesize: write }, enumerable: false });
}
