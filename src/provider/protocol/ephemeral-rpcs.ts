/**
 * The ephemeral-resource RPCs of tfplugin6.Provider (Terraform >= 1.10): the configuration decoded per
 * the type's schema and handed to its {@link EphemeralResourceHandler}, its result encoded back.
 * Terraform keeps the result in memory for the run only: it is never written to a plan or state.
 * `private` bytes go to Terraform and come back to renew and close unchanged.
 */
import { decodeObject } from "./codec";
import { diagnosticMessage, diagnosticMessages, errorDiagnostic, unknownTypeDiagnostic } from "./diagnostics";
import { ConfigRequest, dynamicValue, NULL_VALUE, Rpc, TypeNameRequest } from "./messages";
import type { EphemeralResourceHandler, ProviderHandler } from "./types";

interface PrivateRequest extends TypeNameRequest {
  readonly private?: Buffer | null;
}

/** `google.protobuf.Timestamp` of a date. */
const timestamp = (date: Date) => ({ seconds: Math.floor(date.getTime() / 1000), nanos: (date.getTime() % 1000) * 1_000_000 });

/** The optional fields of an open or renew answer that are set. */
const renewal = (response: { renewAt?: Date; private?: Uint8Array }) => ({
  ...(response.renewAt ? { renew_at: timestamp(response.renewAt) } : {}),
  ...(response.private ? { private: Buffer.from(response.private) } : {}),
});

/** The ephemeral resource RPCs over the provider's ephemeral resource handlers. */
export function ephemeralRpcs(provider: ProviderHandler): Record<string, Rpc> {
  const handlers = provider.ephemeralResources ?? {};
  const withType =
    <R extends TypeNameRequest>(rpc: (request: R, handler: EphemeralResourceHandler) => Promise<object>) =>
    async (request: R): Promise<object> => {
      const handler = Object.hasOwn(handlers, request.type_name) ? handlers[request.type_name] : undefined;
      if (handler) return rpc(request, handler);
      return { diagnostics: [diagnosticMessage(unknownTypeDiagnostic("ephemeral resource", request.type_name, Object.keys(handlers)))] };
    };
  const privateOf = (request: PrivateRequest) => (request.private && request.private.length > 0 ? new Uint8Array(request.private) : undefined);

  return {
    ValidateEphemeralResourceConfig: withType(async (request: ConfigRequest, handler) => {
      const config = decodeObject(request.config, handler.schema) ?? {};
      return { diagnostics: diagnosticMessages(handler.validate?.(config)) };
    }),

    OpenEphemeralResource: withType(async (request: ConfigRequest, handler) => {
      // Terraform opens only a wholly known configuration (an unknown one makes the result unknown).
      const config = decodeObject(request.config, handler.schema) ?? {};
      try {
        const response = await handler.open(config);
        return { result: dynamicValue(response.result, handler.schema), ...renewal(response), diagnostics: diagnosticMessages(response.diagnostics) };
      } catch (error) {
        return { result: NULL_VALUE, diagnostics: [diagnosticMessage(errorDiagnostic(error))] };
      }
    }),

    RenewEphemeralResource: withType(async (request: PrivateRequest, handler) => {
      if (!handler.renew) return { diagnostics: [] };
      const response = await handler.renew(privateOf(request));
      return { ...renewal(response), diagnostics: diagnosticMessages(response.diagnostics) };
    }),

    CloseEphemeralResource: withType(async (request: PrivateRequest, handler) => ({
      diagnostics: diagnosticMessages(handler.close ? await handler.close(privateOf(request)) : []),
    })),
  };
}
