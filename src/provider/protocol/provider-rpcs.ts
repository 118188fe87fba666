/**
 * The provider-level RPCs of tfplugin6.Provider: what the provider has (metadata, schemas), its own
 * configuration, and StopProvider.
 */
import { decodeObject } from "./codec";
import { diagnosticMessages, errorDiagnostic } from "./diagnostics";
import { ConfigRequest, Rpc } from "./messages";
import { schemaMessage } from "./schema-message";
import type { ProviderHandler } from "./types";

/**
 * plan_destroy false: Terraform does not ask to plan a destroy. get_provider_schema_optional true:
 * Terraform may reuse the schema it already has instead of asking every provider process again.
 */
const SERVER_CAPABILITIES = { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false };

/** The provider-level RPCs over the provider's handler. */
export function providerRpcs(provider: ProviderHandler): Record<string, Rpc> {
  const typeNames = () => Object.keys(provider.resources).sort();
  const ephemeral = provider.ephemeralResources ?? {};
  const ephemeralNames = () => Object.keys(ephemeral).sort();
  return {
    GetMetadata: async () => ({
      server_capabilities: SERVER_CAPABILITIES,
      resources: typeNames().map((type_name) => ({ type_name })),
      data_sources: [],
      functions: [],
      ephemeral_resources: ephemeralNames().map((type_name) => ({ type_name })),
      diagnostics: [],
    }),

    GetProviderSchema: async () => ({
      provider: schemaMessage(provider.schema),
      resource_schemas: Object.fromEntries(typeNames().map((name) => [name, schemaMessage(provider.resources[name].schema)])),
      data_source_schemas: {},
      functions: {},
      ephemeral_resource_schemas: Object.fromEntries(ephemeralNames().map((name) => [name, schemaMessage(ephemeral[name].schema)])),
      server_capabilities: SERVER_CAPABILITIES,
      diagnostics: [],
    }),

    ValidateProviderConfig: async (request: ConfigRequest) => {
      const config = decodeObject(request.config, provider.schema) ?? {};
      return { diagnostics: diagnosticMessages(provider.validateConfig?.(config)) };
    },

    ConfigureProvider: async (request: ConfigRequest) => {
      const config = decodeObject(request.config, provider.schema) ?? {};
      return { diagnostics: diagnosticMessages(await provider.configure(config)) };
    },

    StopProvider: async () => {
      try {
        return { Error: (await provider.stop()) ?? "" };
      } catch (error) {
        return { Error: errorDiagnostic(error).summary };
      }
    },
  };
}
