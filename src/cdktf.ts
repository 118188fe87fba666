/**
 * The one place the library imports the CDK for Terraform core. The app brings it (a peer dependency):
 * cdktf 0.21 (final: archived by HashiCorp) or its community continuation, CDK Terrain (`cdktn`), which
 * has the same API under another package name. The constructs must extend the app's own copy: classes
 * of a second copy are not the app's classes (synth calls methods the other copy does not have), so
 * the library never depends on either itself and uses the app's (see {@link corePackage}).
 *
 * Types come from `cdktf/lib/index.js`, which `./cdktf-fallback` maps to cdktn's types when cdktf is
 * not installed, so the published declarations type-check against either core.
 */
import "./cdktf-fallback";
import type * as Core from "cdktf/lib/index.js";
import type { IConstruct } from "constructs";

/** The packages that provide the core, in the order they are tried. */
export const CORE_PACKAGES = ["cdktf", "cdktn"] as const;

/**
 * The core this library was loaded with: of the {@link CORE_PACKAGES} that resolve from here, the one
 * the app has loaded already (an app imports its core before this library; with both installed, e.g.
 * when a dependency brought the other one along, that is the app's), else the first.
 */
export const corePackage: (typeof CORE_PACKAGES)[number] = findCore();

const core = require(corePackage) as typeof Core;

function findCore(): (typeof CORE_PACKAGES)[number] {
  const installed = CORE_PACKAGES.flatMap((name) => {
    try {
      return [{ name, file: require.resolve(name) }];
    } catch {
      return []; // not installed
    }
  });
  if (installed.length === 0) {
    throw new Error(
      "cdktf-api-keys needs CDK for Terraform in the app, and found neither `cdktf` nor `cdktn`. Install one of them, " +
        "with `constructs`: `npm install cdktf@^0.21 constructs` (CDK for Terraform) or `npm install cdktn constructs` " +
        "(CDK Terrain).",
    );
  }
  return (installed.find(({ file }) => require.cache[file] !== undefined) ?? installed[0]).name;
}

export const Annotations: typeof Core.Annotations = core.Annotations;
export type Annotations = Core.Annotations;
export const App: typeof Core.App = core.App;
export type App = Core.App;
export const AssetType: typeof Core.AssetType = core.AssetType;
export type AssetType = Core.AssetType;
export const Lazy: typeof Core.Lazy = core.Lazy;
export type Lazy = Core.Lazy;
export const LocalBackend: typeof Core.LocalBackend = core.LocalBackend;
export type LocalBackend = Core.LocalBackend;
export const TerraformBackend: typeof Core.TerraformBackend = core.TerraformBackend;
export type TerraformBackend = Core.TerraformBackend;
export const TerraformAsset: typeof Core.TerraformAsset = core.TerraformAsset;
export type TerraformAsset = Core.TerraformAsset;
export const TerraformProvider: typeof Core.TerraformProvider = core.TerraformProvider;
export type TerraformProvider = Core.TerraformProvider;
export const TerraformResource: typeof Core.TerraformResource = core.TerraformResource;
export type TerraformResource = Core.TerraformResource;
export const TerraformLocal: typeof Core.TerraformLocal = core.TerraformLocal;
export type TerraformLocal = Core.TerraformLocal;
export const TerraformStack: typeof Core.TerraformStack = core.TerraformStack;
export type TerraformStack = Core.TerraformStack;
export const TerraformElement: typeof Core.TerraformElement = core.TerraformElement;
export type TerraformElement = Core.TerraformElement;
/**
 * CDK Terrain's (cdktn >= 0.24) class for an `ephemeral` block; undefined with cdktf 0.21, which has no
 * ephemeral class (the library then writes the block through an element of its own).
 */
export const TerraformEphemeralResource: EphemeralResourceClass | undefined = (core as { TerraformEphemeralResource?: EphemeralResourceClass }).TerraformEphemeralResource;
/** What the library uses of cdktn's `TerraformEphemeralResource` (its declarations are not cdktf 0.21's). */
export interface EphemeralResourceClass {
  new (scope: IConstruct, id: string, config: { terraformResourceType: string; terraformGeneratorMetadata?: { providerName: string } }): Core.TerraformElement & {
    getStringAttribute(name: string): string;
  };
}
export const Token: typeof Core.Token = core.Token;
export const ref: typeof Core.ref = core.ref;
export type Token = Core.Token;
export type ISynthesisSession = Core.ISynthesisSession;
export type ITerraformDependable = Core.ITerraformDependable;
export type TerraformResourceConfig = Core.TerraformResourceConfig;

/**
 * Runs `write` while the stack that holds `construct` is synthesized, with the session (and so the
 * stack's output directory). The core's own `addCustomSynthesis` (used by TerraformAsset) is not
 * exported; it marks the construct with this well-known symbol (the same in cdktf and cdktn), which the
 * stack synthesizer looks for.
 */
export function onSynthesize(construct: IConstruct, write: (session: ISynthesisSession) => void): void {
  Object.defineProperty(construct, Symbol.for("cdktf/customSynthesis"), { value: { onSynthesize: write }, enumerable: false });
}
