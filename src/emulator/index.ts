/** The API emulators: in-memory key-management APIs on loopback, for tests, demos and local runs. */
export { startEmulator, EMULATED_APIS } from "./start-emulator";
export type {
  EmulatedApiName,
  EmulatorOptions,
  FaultSpec,
  RunningEmulator,
  EmulatorRequest,
  EmulatorResponse,
  EmulatedApi,
} from "./start-emulator";
export { FlownallyEmulator } from "./flownally-emulator";
export type {
  FlownallyEmulatorOptions,
  FlownallySnapshot,
  InspectedServiceAccount,
  InspectedApiKey,
} from "./flownally-emulator";
export { FactoryEmulator } from "./factory-emulator";
export type { FactoryEmulatorOptions, FactorySnapshot, FactoryInspectedServiceAccount, FactoryInspectedApiKey } from "./factory-emulator";
export { OpenApiContract, loadOpenApiContract, openApiDocumentPath } from "./openapi-validator";
export type {
  FieldViolation,
  OpenApiOperation,
  RouteMatch,
  RequestToValidate,
  RequestValidation,
  ResponseToValidate,
  HeaderSource,
} from "./openapi-validator";
export { FlexpriceEmulator } from "./flexprice-emulator";
export type {
  FlexpriceEmulatorOptions,
  FlexpriceCreateResponseShape,
  FlexpriceSnapshot,
  FlexpriceInspectedServiceAccount,
  FlexpriceInspectedApiKey,
} from "./flexprice-emulator";
export { startSecretsManagerEmulator } from "./secrets-manager-emulator";
export type { SecretsManagerEmulatorOptions, SecretsManagerEmulatorSnapshot, RunningSecretsManagerEmulator } from "./secrets-manager-emulator";
export { startVaultEmulator } from "./vault-kv2-emulator";
export type { VaultEmulatorOptions, VaultEmulatorSnapshot, RunningVaultEmulator } from "./vault-kv2-emulator";
