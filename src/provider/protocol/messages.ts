/**
 * The request fields of tfplugin6 messages this layer reads, as grpc-services.ts delivers them
 * (snake_case, defaults filled in), and the small pieces every RPC builds its response from.
 */
import { encodeObject, WireValue } from "./codec";
import type { Schema, TfObject } from "./types";

/** `tfplugin6.DynamicValue`; null when the field was not sent. */
export type DynamicValueMessage = WireValue | null;

/** What every RPC implementation is: a request in, a response out (thrown errors are caught by the caller). */
export type Rpc = (request: never) => Promise<object>;

export interface TypeNameRequest {
  readonly type_name: string;
}

export interface ConfigRequest extends TypeNameRequest {
  readonly config: DynamicValueMessage;
}

export interface UpgradeResourceStateRequest extends TypeNameRequest {
  readonly version: number;
  readonly raw_state: { readonly json: Buffer; readonly flatmap: Record<string, string> } | null;
}

export interface ReadResourceRequest extends TypeNameRequest {
  readonly current_state: DynamicValueMessage;
  readonly private: Buffer;
}

export interface PlanResourceChangeRequest extends TypeNameRequest {
  readonly prior_state: DynamicValueMessage;
  readonly proposed_new_state: DynamicValueMessage;
  readonly config: DynamicValueMessage;
  readonly prior_private: Buffer;
}

export interface ApplyResourceChangeRequest extends TypeNameRequest {
  readonly prior_state: DynamicValueMessage;
  readonly planned_state: DynamicValueMessage;
  readonly config: DynamicValueMessage;
  readonly planned_private: Buffer;
}

export interface ImportResourceStateRequest extends TypeNameRequest {
  readonly id: string;
}

/** An object value as a `DynamicValue` response field (always msgpack). */
export const dynamicValue = (value: TfObject | null, schema: Schema): { msgpack: Uint8Array } => ({ msgpack: encodeObject(value, schema) });

/** msgpack nil: "no object". */
export const NULL_VALUE = { msgpack: Uint8Array.of(0xc0) };
