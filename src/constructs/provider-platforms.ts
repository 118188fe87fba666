/**
 * Which platforms a stack's provider mirror carries, and on which Linux platforms the provider is the
 * self-contained executable (no `node` needed where terraform runs) rather than the Node.js script.
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import type { Construct } from "constructs";
import { TerraformStack } from "../cdktf";
import { MIRROR_PLATFORMS, MirrorPlatform, SELF_CONTAINED_EXECUTABLE, SELF_CONTAINED_PACKAGES, SelfContainedPlatform } from "../provider-contract";
import { ConfigurationError, invalidProp, selfContainedExecutableMissing, selfContainedPackageMissing, selfContainedVersionMismatch } from "./errors";

export interface ProviderPlatformsProps {
  /**
   * The platforms (`<os>_<arch>`) whose folder the stack's mirror carries: terraform can run the stack
   * on these only. Fewer platforms make a smaller stack directory to copy or upload.
   * @default ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"]
   */
  readonly platforms?: readonly MirrorPlatform[];
  /**
   * The Linux platforms whose folder must hold the self-contained executable, which needs no `node` on
   * the runner, from its package installed in the app (`cdktf-api-keys-provider-linux-x64` for
   * `linux_amd64`, `cdktf-api-keys-provider-linux-arm64` for `linux_arm64`): synth fails, naming the
   * package to install, when one is missing. The other platforms get the Node.js script; `[]` puts the
   * script everywhere, even where a package is installed.
   * @default each Linux platform of `platforms` whose package is installed gets the executable, the others the script
   */
  readonly selfContained?: readonly SelfContainedPlatform[];
}

/** What one platform folder of the mirror holds: the script, or the executable from its package. */
export type PlatformProvider =
  | { readonly platform: MirrorPlatform; readonly kind: "script" }
  | { readonly platform: MirrorPlatform; readonly kind: "executable"; readonly file: string };

const WHERE = "ProviderPlatforms";
const configured = new WeakMap<TerraformStack, ProviderPlatformsProps>();

export class ProviderPlatforms {
  /**
   * Sets the platforms of `scope`'s stack, at any time before synth (once per stack). Without it, the
   * stack carries all four platforms and the executable where its package is installed.
   */
  public static configure(scope: Construct, props: ProviderPlatformsProps): void {
    const stack = TerraformStack.of(scope);
    if (configured.has(stack))
      throw new ConfigurationError(`${WHERE} of stack ${stack.node.id}: configure is called once per stack; pass every setting in one call.`);
    configured.set(stack, validate(stack, props));
  }

  /** What each platform folder of `stack`'s mirror holds, the packages resolved from `projectDir` (the app's directory). */
  public static resolve(stack: TerraformStack, projectDir: string, version: string): PlatformProvider[] {
    const props = configured.get(stack) ?? {};
    const platforms = props.platforms ?? MIRROR_PLATFORMS;
    return platforms.map((platform): PlatformProvider => {
      if (!isSelfContainedPlatform(platform)) return { platform, kind: "script" };
      const pkg = SELF_CONTAINED_PACKAGES[platform];
      const required = props.selfContained?.includes(platform);
      if (props.selfContained && !required) return { platform, kind: "script" };
      const dir = packageDir(pkg, projectDir);
      if (!dir) {
        if (required) throw selfContainedPackageMissing(stack.node.id, platform, pkg, version, projectDir);
        return { platform, kind: "script" };
      }
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: unknown };
      if (manifest.version !== version) throw selfContainedVersionMismatch(pkg, String(manifest.version), version, dir);
      const file = path.join(dir, SELF_CONTAINED_EXECUTABLE);
      if (!fs.existsSync(file)) throw selfContainedExecutableMissing(pkg, file);
      return { platform, kind: "executable", file };
    });
  }
}

function isSelfContainedPlatform(platform: MirrorPlatform): platform is SelfContainedPlatform {
  return Object.prototype.hasOwnProperty.call(SELF_CONTAINED_PACKAGES, platform);
}

/** The directory of `pkg` as the app's own `require` finds it from `projectDir`, or undefined. */
function packageDir(pkg: string, projectDir: string): string | undefined {
  try {
    return path.dirname(createRequire(path.join(projectDir, "package.json")).resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

function validate(stack: TerraformStack, props: ProviderPlatformsProps): ProviderPlatformsProps {
  const where = `${WHERE} of stack ${stack.node.id}`;
  const { platforms, selfContained } = props;
  if (platforms !== undefined) {
    if (!Array.isArray(platforms) || platforms.length === 0)
      throw invalidProp(where, "platforms", platforms, `must list one or more of ${MIRROR_PLATFORMS.join(", ")}`);
    for (const platform of platforms) {
      if (!MIRROR_PLATFORMS.includes(platform)) throw invalidProp(where, "platforms", platform, `must list only ${MIRROR_PLATFORMS.join(", ")}`);
    }
    if (new Set(platforms).size !== platforms.length) throw invalidProp(where, "platforms", platforms, "must name each platform once");
  }
  if (selfContained !== undefined) {
    const linux = Object.keys(SELF_CONTAINED_PACKAGES);
    if (!Array.isArray(selfContained)) throw invalidProp(where, "selfContained", selfContained, `must be a list of ${linux.join(", ")}`);
    for (const platform of selfContained) {
      if (!linux.includes(platform))
        throw invalidProp(where, "selfContained", platform, `must list only ${linux.join(", ")} (the platforms with a self-contained executable)`);
      if (platforms && !platforms.includes(platform))
        throw invalidProp(where, "selfContained", platform, "must list only platforms that `platforms` carries; add it there too");
    }
  }
  return { platforms: platforms ? [...platforms] : undefined, selfContained: selfContained ? [...selfContained] : undefined };
}
