/**
 * The emulated APIs by name: adding an API is one entry here (and its name in `EmulatedApiName`).
 */
import { FactoryEmulator } from "./factory-emulator";
import { FlexpriceEmulator } from "./flexprice-emulator";
import { FlownallyEmulator } from "./flownally-emulator";
import type { EmulatorSnapshot } from "./snapshot";
import type { EmulatedApi } from "./start-emulator";

/** The APIs an emulator can play. */
export type EmulatedApiName = "flownally" | "factory" | "flexprice";

/** What every emulated API is built from. */
export interface EmulatedApiOptions {
  /** The credential that may do everything (sent as the API's own auth header). */
  readonly adminToken: string;
  /**
   * A credential that may only read: writes are refused with 403 in the API's own error shape.
   * @default none: no token is read-only
   */
  readonly readOnlyToken?: string;
  readonly now?: () => Date;
  /**
   * Service accounts that exist from the start, by name (for APIs whose accounts are created outside
   * the API, such as Factory's web app).
   */
  readonly seedServiceAccounts?: readonly string[];
}

export const EMULATORS: { readonly [name in EmulatedApiName]: (options: EmulatedApiOptions) => EmulatedApi<EmulatorSnapshot> } = {
  flownally: (options) => new FlownallyEmulator(options),
  factory: (options) => new FactoryEmulator(options),
  flexprice: (options) => new FlexpriceEmulator(options),
};

/** The APIs {@link startEmulator} knows, for flag parsing and messages. */
export const EMULATED_APIS = Object.keys(EMULATORS) as readonly EmulatedApiName[];
