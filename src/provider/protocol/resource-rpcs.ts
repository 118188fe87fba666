/**
 * The managed-resource RPCs of tfplugin6.Provider: values decoded per the resource's schema, handed
 * to its {@link ResourceHandler}, and its answer encoded back. `private` bytes pass through unchanged.
 */
import { decodeObject, objectFromJson } from "./codec";
import { diagnosticMessage, diagnosticMessages, errorDiagnostic, pathMessage, unknownTypeDiagnostic } from "./diagnostics";
import {
  ApplyResourceChangeRequest,
  ConfigRequest,
  dynamicValue,
  ImportResourceStateRequest,
  NULL_VALUE,
  PlanResourceChangeRequest,
  ReadResourceRequest,
  Rpc,
  UpgradeResourceStateRequest,
} from "./messages";
import type { Diagnostic, ProviderHandler, ResourceHandler, Schema } from "./types";

/** The resource RPCs over the provider's resource handlers. */
export function resourceRpcs(provider: ProviderHandler): Record<string, Rpc> {
  /** Runs `rpc` with the type's handler, or answers with an unknown-type error diagnostic. */
  const withResource =
    <R extends { type_name: string }>(rpc: (request: R, resource: ResourceHandler) => Promise<object>) =>
    async (request: R): Promise<object> => {
      const resource = Object.hasOwn(provider.resources, request.type_name) ? provider.resources[request.type_name] : undefined;
      if (resource) return rpc(request, resource);
      return { diagnostics: [diagnosticMessage(unknownTypeDiagnostic("resource", request.type_name, Object.keys(provider.resources)))] };
    };

  return {
    ValidateResourceConfig: withResource(async (request: ConfigRequest, resource) => {
      const config = decodeObject(request.config, resource.schema) ?? {};
      return { diagnostics: diagnosticMessages(resource.validate?.(config)) };
    }),

    UpgradeResourceState: withResource(async (request: UpgradeResourceStateRequest, resource) => {
      const problem = upgradeProblem(request, resource.schema);
      if (problem) return { diagnostics: [diagnosticMessage(problem)] };
      const state = objectFromJson(request.raw_state?.json ?? "null", resource.schema);
      return { upgraded_state: dynamicValue(state, resource.schema), diagnostics: [] };
    }),

    ReadResource: withResource(async (request: ReadResourceRequest, resource) => {
      const current = decodeObject(request.current_state, resource.schema);
      if (current === null) return { new_state: NULL_VALUE, private: request.private, diagnostics: [] };
      try {
        const response = await resource.read(current);
        return { new_state: dynamicValue(response.newState, resource.schema), private: request.private, diagnostics: diagnosticMessages(response.diagnostics) };
      } catch (error) {
        // Keep the state as it was: the read failed, the object did not go away.
        return { new_state: request.current_state ?? NULL_VALUE, private: request.private, diagnostics: [diagnosticMessage(errorDiagnostic(error))] };
      }
    }),

    PlanResourceChange: withResource(async (request: PlanResourceChangeRequest, resource) => {
      const schema = resource.schema;
      const response = await resource.plan({
        prior: decodeObject(request.prior_state, schema),
        proposed: decodeObject(request.proposed_new_state, schema),
        config: decodeObject(request.config, schema),
      });
      return {
        planned_state: dynamicValue(response.planned, schema),
        requires_replace: (response.requiresReplace ?? []).map(pathMessage),
        planned_private: request.prior_private,
        diagnostics: diagnosticMessages(response.diagnostics),
        legacy_type_system: false,
      };
    }),

    ApplyResourceChange: withResource(async (request: ApplyResourceChangeRequest, resource) => {
      const schema = resource.schema;
      try {
        const response = await resource.apply({
          prior: decodeObject(request.prior_state, schema),
          planned: decodeObject(request.planned_state, schema),
          config: decodeObject(request.config, schema),
        });
        return { new_state: dynamicValue(response.newState, schema), private: request.planned_private, diagnostics: diagnosticMessages(response.diagnostics), legacy_type_system: false };
      } catch (error) {
        // A thrown error says nothing about what changed: report the prior state as still true.
        return { new_state: request.prior_state ?? NULL_VALUE, private: request.planned_private, diagnostics: [diagnosticMessage(errorDiagnostic(error))], legacy_type_system: false };
      }
    }),

    ImportResourceState: withResource(async (request: ImportResourceStateRequest, resource) => {
      if (!resource.importState) {
        const diagnostic: Diagnostic = {
          severity: "error",
          summary: `Resource type "${request.type_name}" cannot be imported`,
          detail: "This resource type does not support `terraform import`: declare it in the configuration and let Terraform create it.",
        };
        return { diagnostics: [diagnosticMessage(diagnostic)] };
      }
      const response = await resource.importState(request.id);
      const imported = response.imported.map((state) => ({ type_name: request.type_name, state: dynamicValue(state, resource.schema), private: Buffer.alloc(0) }));
      return { imported_resources: imported, diagnostics: diagnosticMessages(response.diagnostics) };
    }),
  };
}

/** Why stored state cannot be brought to the current schema, if it cannot. */
function upgradeProblem(request: UpgradeResourceStateRequest, schema: Schema): Diagnostic | undefined {
  if (request.version > schema.version) {
    return {
      severity: "error",
      summary: `The state of this ${request.type_name} was written by a newer version of the provider`,
      detail:
        `The stored state has schema version ${request.version}; this provider version only knows versions up to ${schema.version}. ` +
        "Use the provider version that wrote the state, or a newer one.",
    };
  }
  const json = request.raw_state?.json;
  if ((!json || json.length === 0) && Object.keys(request.raw_state?.flatmap ?? {}).length > 0) {
    return {
      severity: "error",
      summary: `The state of this ${request.type_name} is in the legacy flatmap format`,
      detail: "This provider reads only JSON state (Terraform 0.12 and later). Refresh the state with the Terraform version that wrote it first.",
    };
  }
  return undefined;
}
