/**
 * gRPC service definitions for @grpc/grpc-js, built from the precompiled protobufjs descriptor
 * (descriptor.ts) instead of parsing .proto text at start-up. Messages cross as plain objects with the
 * proto's own snake_case field names, int64 as number, bytes as Buffer, and every field present
 * (defaults filled in).
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { IConversionOptions, INamespace, Root, Type } from "protobufjs/light";
import { PROTOCOL_DESCRIPTOR } from "./descriptor";

/** The three services a Terraform provider serves, by fully qualified name. */
export const SERVICE_NAMES = {
  provider: "tfplugin6.Provider",
  controller: "plugin.GRPCController",
  health: "grpc.health.v1.Health",
} as const;

const TO_OBJECT: IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true };

let root: Root | undefined;

/** The service definition `server.addService` and `makeGenericClientConstructor` take. */
export function serviceDefinition(fullName: string): ServiceDefinition {
  root ??= Root.fromJSON(PROTOCOL_DESCRIPTOR as INamespace);
  const service = root.lookupService(fullName);
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType as Type;
    const response = method.resolvedResponseType as Type;
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
    };
  }
  return definition;
}

const serializer = (type: Type) => (value: object): Buffer => Buffer.from(type.encode(type.fromObject(value)).finish());
const deserializer = (type: Type) => (bytes: Buffer): object => type.toObject(type.decode(bytes), TO_OBJECT);
