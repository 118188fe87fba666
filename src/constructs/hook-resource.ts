import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { AssetType, Lazy, TerraformAsset, TerraformResource, TerraformStack } from "../cdktf";
import type { ITerraformDependable } from "../cdktf";
import { packageRoot } from "../package-root";
import type { ResourceSpec } from "../spec";
import { escapeTemplate, escapeTemplates } from "./escape";
import { hookBundleMissing, nullProviderMissing } from "./errors";
import { HOOK_ENV } from "./hook-env";
import { usePortableDefaultBackend } from "./portable-backend";
import { projectFromStack } from "./provider-resources";

/**
 * Which Terraform resource carries the hooks.
 * - `terraform_data`: built into Terraform (>= 1.4), needs no provider.
 * - `null_resource`: the hashicorp/null provider, for teams that standardise on it.
 */
export type Carrier = "terraform_data" | "null_resource";


export interface HookResourceOptions {
  readonly carrier: Carrier;
  /** Produces the resource's spec at synth time (after every construct of the app exists). */
  readonly spec: () => ResourceSpec;
  /** The spec fields whose change must replace the resource (its identity). */
  readonly identity: (spec: ResourceSpec) => Record<string, string>;
  readonly dependsOn?: ITerraformDependable[];
}

/** `terraform_data` without cdktf's DataResource, whose validation runs `terraform version` per resource. */
class TerraformData extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly input: unknown,
    private readonly triggersReplace: unknown,
    config: { dependsOn?: ITerraformDependable[]; provisioners: object[] },
  ) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      dependsOn: config.dependsOn,
      provisioners: config.provisioners as never,
    });
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { input: this.input, triggers_replace: this.triggersReplace };
  }
}

/**
 * Creates the Terraform resource that carries one construct's hooks: a create-time and a destroy-time
 * `local-exec` provisioner that run the bundled hook program directly through `interpreter` (no shell
 * ever parses a user-supplied string). The spec travels in the resource (`input` or `triggers`) and
 * reaches the hook through `self`, the only thing a destroy-time provisioner may reference.
 */
export function createHookResource(scope: Construct, id: string, options: HookResourceOptions): TerraformResource {
  const stack = TerraformStack.of(scope);
  usePortableDefaultBackend(stack);
  const hookPath = hookAsset(stack).path;
  let cached: ResourceSpec | undefined;
  const spec = (): ResourceSpec => (cached ??= options.spec());
  const selfSpec = options.carrier === "terraform_data" ? "${jsonencode(self.input)}" : "${self.triggers.spec}";
  const provisioner = (when: "create" | "destroy") => ({
    type: "local-exec",
    ...(when === "destroy" ? { when } : {}),
    interpreter: ["node", hookPath, when],
    command: "${self.id}",
    environment: {
      [HOOK_ENV.spec]: selfSpec,
      [HOOK_ENV.projectFromStack]: Lazy.stringValue({ produce: () => projectFromStack(stack) }),
    },
  });
  const provisioners = [provisioner("create"), provisioner("destroy")];

  if (options.carrier === "null_resource") {
    const { NullResource, NullProvider } = loadNullProvider(scope.node.path);
    if (!stack.node.tryFindChild("cdktf-api-keys-null")) new NullProvider(stack, "cdktf-api-keys-null");
    return new NullResource(scope, id, {
      triggers: Lazy.anyValue({
        produce: () => ({ ...escapeTemplates(options.identity(spec())), spec: escapeTemplate(JSON.stringify(spec())) }),
      }) as unknown as Record<string, string>,
      dependsOn: options.dependsOn,
      provisioners: provisioners as never,
    });
  }
  return new TerraformData(
    scope,
    id,
    Lazy.anyValue({ produce: () => escapeTemplates(spec()) }),
    Lazy.anyValue({ produce: () => escapeTemplates(options.identity(spec())) }),
    { dependsOn: options.dependsOn, provisioners },
  );
}

/** The hook bundle, added once per stack as an asset so the stack directory is self-contained. */
function hookAsset(stack: TerraformStack): TerraformAsset {
  const existing = stack.node.tryFindChild("cdktf-api-keys-hook");
  if (existing) return existing as TerraformAsset;
  const bundle = path.join(packageRoot(), "dist", "hook.cjs");
  if (!fs.existsSync(bundle)) throw hookBundleMissing(bundle);
  return new TerraformAsset(stack, "cdktf-api-keys-hook", { path: bundle, type: AssetType.FILE });
}

type NullModule = typeof import("@cdktf/provider-null/lib/resource");
type NullProviderModule = typeof import("@cdktf/provider-null/lib/provider");

function loadNullProvider(where: string): { NullResource: NullModule["Resource"]; NullProvider: NullProviderModule["NullProvider"] } {
  try {
    // Loaded only when asked for: the provider package is an optional peer dependency.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resource } = require("@cdktf/provider-null/lib/resource") as NullModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NullProvider } = require("@cdktf/provider-null/lib/provider") as NullProviderModule;
    return { NullResource: Resource, NullProvider };
  } catch (e) {
    throw nullProviderMissing(where, (e as Error).message.split("\n")[0]);
  }
}
