/**
 * The provider's top level: its configuration block, its resource types and its ephemeral
 * resource type, and what StopProvider
 * does. The protocol layer serves it; the resources do the work.
 */
import { EPHEMERAL_TYPES, RESOURCE_TYPES } from "../provider-contract";
import { ProviderContext } from "./provider-context";
import type { ProviderHandler, Schema, TfObject } from "./protocol/types";
import { apiKeyResource } from "./resources/api-key-resource";
import { secretEphemeral } from "./resources/secret-ephemeral";
import { serviceAccountResource } from "./resources/service-account-resource";
import { stackIdentityResource } from "./resources/stack-identity-resource";

const schema: Schema = {
  version: 0,
  description: "Service accounts and API keys whose values go straight into a secret store, never into state.",
  attributes: {
    project_dir: {
      type: "string",
      optional: true,
      description: "The project directory, relative to the stack directory: relative store directories resolve against it.",
    },
  },
};

/** The provider over the process's environment and working directory (the stack directory). */
export function createProvider(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ProviderHandler {
  const ctx = new ProviderContext(env, cwd);
  return {
    schema,
    resources: {
      [RESOURCE_TYPES.stackIdentity]: stackIdentityResource(ctx),
      [RESOURCE_TYPES.serviceAccount]: serviceAccountResource(ctx),
      [RESOURCE_TYPES.apiKey]: apiKeyResource(ctx),
    },
    ephemeralResources: {
      [EPHEMERAL_TYPES.secret]: secretEphemeral(ctx),
    },
    async configure(config: TfObject) {
      const projectDir = config.project_dir;
      ctx.configure(typeof projectDir === "string" ? projectDir : undefined);
      return [];
    },
    async stop() {
      await ctx.gate.stop();
    },
  };
}
