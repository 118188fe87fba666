/**
 * The one place that picks a client implementation for an API kind. Adding an API means adding a
 * case here (and to `ApiKind`); the compiler flags the switch until it is handled.
 */

import { ApiSpec } from "../spec";
import { FactoryClient } from "./factory-client";
import { FlexpriceClient } from "./flexprice-client";
import { FlownallyClient } from "./flownally-client";
import { ClientOptions } from "./http";
import { KeyManagementClient } from "./types";

/**
 * Returns the {@link KeyManagementClient} for `api`.
 *
 * @param api which API, its base URL, and the name of the environment variable the token came from
 *   (named in authentication errors)
 * @param token the admin token itself, redacted from every error the client throws
 * @param options retry policy overrides, a progress callback for retries, and the per-request timeout
 */
export function createClient(api: ApiSpec, token: string, options: ClientOptions = {}): KeyManagementClient {
  if (!token) {
    throw new Error(`No API token: set the environment variable ${api.tokenEnv} to an admin token for ${api.baseUrl}`);
  }
  switch (api.kind) {
    case "flownally":
      return new FlownallyClient(api, token, options);
    case "factory":
      return new FactoryClient(api, token, options);
    case "flexprice":
      return new FlexpriceClient(api, token, options);
    default: {
      const unknownKind: never = api.kind;
      throw new Error(`Unsupported API kind "${String(unknownKind)}"`);
    }
  }
}
