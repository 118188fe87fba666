export * from "./constructs";
export { startEmulator } from "./emulator/start-emulator";
export type { EmulatorOptions, RunningEmulator } from "./emulator/start-emulator";
export { createClient } from "./clients/create-client";
export {
  ApiError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "./clients/errors";
export type { FieldViolation } from "./clients/errors";
export type * from "./clients/types";
export { AgeFileStore } from "./stores/age-file-store";
export type * from "./stores/types";
export type * from "./spec";
export { FLEXPRICE_BUILT_IN_ROLES } from "./spec";
export type { EmulatedApiName } from "./emulator/registry";
