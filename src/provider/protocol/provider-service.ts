/**
 * The gRPC implementations of the three services a provider serves: tfplugin6.Provider (every RPC of
 * the protocol), plugin.GRPCController and grpc.health.v1.Health. Every call is counted as in flight
 * (see lifetime.ts), and an error thrown by a handler becomes an error diagnostic, never a gRPC error
 * or a stack trace in front of the user.
 */
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import { diagnosticMessage, errorDiagnostic } from "./diagnostics";
import { ephemeralRpcs } from "./ephemeral-rpcs";
import type { Lifetime } from "./lifetime";
import type { Rpc } from "./messages";
import { providerRpcs } from "./provider-rpcs";
import { resourceRpcs } from "./resource-rpcs";
import type { ProviderHandler } from "./types";
import { unsupportedRpcs } from "./unsupported-rpcs";

type Log = (line: string) => void;

/** tfplugin6.Provider over the provider's handler. */
export function providerService(provider: ProviderHandler, lifetime: Lifetime, log: Log): UntypedServiceImplementation {
  const rpcs = { ...providerRpcs(provider), ...resourceRpcs(provider), ...ephemeralRpcs(provider), ...unsupportedRpcs() };
  return Object.fromEntries(Object.entries(rpcs).map(([name, rpc]) => [name, unary(name, rpc, lifetime, log)]));
}

/** plugin.GRPCController: Shutdown answers, then the server closes once nothing is in flight. */
export function controllerService(lifetime: Lifetime): UntypedServiceImplementation {
  return {
    Shutdown: (_call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => {
      callback(null, {});
      setImmediate(() => lifetime.end("Terraform asked the provider to shut down"));
    },
  };
}

/** grpc.health.v1.Health: go-plugin's ping; always SERVING while the server runs. */
export function healthService(): UntypedServiceImplementation {
  const SERVING = 1;
  return { Check: (_call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => callback(null, { status: SERVING }) };
}

/** One RPC as a grpc-js unary handler: tracked, logged, errors turned into a diagnostic. */
function unary(name: string, rpc: Rpc, lifetime: Lifetime, log: Log) {
  const run = rpc as (request: object) => Promise<object>;
  return (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>): void => {
    const typeName = (call.request as { type_name?: string }).type_name;
    log(`${name}${typeName ? ` ${typeName}` : ""}`);
    lifetime
      .track(() =>
        run(call.request).catch((error: unknown) => {
          log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          return { diagnostics: [diagnosticMessage(errorDiagnostic(error))] };
        }),
      )
      .then((response) => callback(null, response))
      .catch((error: unknown) => log(`${name}: could not send the response: ${String(error)}`));
  };
}
