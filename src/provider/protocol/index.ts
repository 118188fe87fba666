/**
 * The protocol layer of the Terraform provider: serves a {@link ProviderHandler} to Terraform over
 * tfplugin6 (go-plugin handshake, mutual TLS, msgpack values, diagnostics). It knows nothing about
 * what the resources manage.
 */
export { serve } from "./serve";
export type { ServeOptions } from "./serve";
export { PluginStartError } from "./handshake";
export * from "./types";
