/**
 * The main entry: what a CDK app needs to synthesize (the constructs, and the store they name). It
 * loads only the CDK core the app has, `constructs` and this package's own modules: the emulators
 * (ajv, yaml) are `cdktf-api-keys/emulator` and the API clients (axios) `cdktf-api-keys/clients`.
 * The type-only exports below cost nothing at run time.
 */
export * from "./constructs";
export { AgeFileStore } from "./stores/age-file-store";
export type * from "./stores/types";
export type * from "./spec";
export type { MirrorPlatform, SelfContainedPlatform } from "./provider-contract";
export { FLEXPRICE_BUILT_IN_ROLES } from "./spec";
export type { EmulatorOptions, RunningEmulator } from "./emulator/start-emulator";
export type { EmulatedApiName } from "./emulator/registry";
export type { FieldViolation } from "./clients/errors";
export type * from "./clients/types";
