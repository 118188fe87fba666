/**
 * The tfplugin6.Provider RPCs for what this kind of provider does not have: data sources, functions,
 * and moving state between resource types (ephemeral resources are in ephemeral-rpcs.ts). Terraform only calls most of them
 * for configuration that names such a thing, so each answers with a diagnostic saying so.
 */
import { diagnosticMessage, unknownTypeDiagnostic, unsupportedDiagnostic } from "./diagnostics";
import { Rpc, TypeNameRequest } from "./messages";

const unknownType = (kind: string) => async (request: TypeNameRequest) => ({
  diagnostics: [diagnosticMessage(unknownTypeDiagnostic(kind, request.type_name, []))],
});

/** The RPCs for data sources, functions and MoveResourceState. */
export function unsupportedRpcs(): Record<string, Rpc> {
  return {
    ValidateDataResourceConfig: unknownType("data source"),
    ReadDataSource: unknownType("data source"),
    GetFunctions: async () => ({ functions: {}, diagnostics: [] }),
    CallFunction: async (request: { name: string }) => ({ error: { text: `This provider has no function "${request.name}".` } }),
    MoveResourceState: async (request: { source_type_name: string; target_type_name: string }) => ({
      diagnostics: [
        diagnosticMessage(
          unsupportedDiagnostic(
            "Moving state between resource types",
            `Terraform asked to move "${request.source_type_name}" state to "${request.target_type_name}". ` +
              "Remove the `moved` block and use `terraform state rm` and `terraform import` instead.",
          ),
        ),
      ],
    }),
  };
}
