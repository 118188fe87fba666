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
  TerraformResource,
  TerraformStack,
  Token,
} from "cdktf";
export type { ITerraformDependable, TerraformResourceConfig } from "cdktf";
