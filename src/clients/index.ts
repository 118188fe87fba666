/** The API client layer: one {@link KeyManagementClient} per key-management API, built by {@link createClient}. */

export * from "./types";
export * from "./errors";
export * from "./retry";
export * from "./http";
export * from "./flownally-client";
export * from "./factory-client";
export * from "./flexprice-client";
export * from "./create-client";
