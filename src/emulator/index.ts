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
