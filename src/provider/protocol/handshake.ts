/**
 * HashiCorp go-plugin's start-up handshake, as Terraform drives it: the environment Terraform starts
 * a provider with, and the one line the provider answers with on stdout.
 */

/** The magic cookie every Terraform plugin is started with (TF_PLUGIN_MAGIC_COOKIE). */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/** go-plugin's core protocol version (first field of the handshake line). */
const CORE_PROTOCOL_VERSION = 1;
/** The Terraform plugin protocol this provider speaks: tfplugin6. */
export const PLUGIN_PROTOCOL_VERSION = 6;

/** A problem that stops the provider before it serves: the message says what to do. */
export class PluginStartError extends Error {
  constructor(
    message: string,
    /** True when Terraform (or something posing as it) started the process: it shows stdout to the user. */
    public readonly startedByTerraform: boolean,
  ) {
    super(message);
    this.name = "PluginStartError";
  }
}

/** What Terraform told the provider through its environment. */
export interface HandshakeRequest {
  /** PEM of Terraform's client certificate: the only client the server accepts. */
  readonly clientCertPem: string;
}

/** Checks the environment Terraform starts a provider with; throws {@link PluginStartError}. */
export function readHandshakeRequest(env: NodeJS.ProcessEnv): HandshakeRequest {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new PluginStartError(
      "This program is a Terraform provider plugin: Terraform starts it, it is not meant to be run directly.\n" +
        "Run `terraform init` and `terraform apply` in a directory whose configuration uses this provider instead.",
      false,
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? "").split(",").map((v) => v.trim()).filter(Boolean);
  if (!offered.includes(String(PLUGIN_PROTOCOL_VERSION))) {
    throw new PluginStartError(
      `This provider speaks Terraform plugin protocol ${PLUGIN_PROTOCOL_VERSION}, but this Terraform offered only ` +
        `${offered.length > 0 ? offered.join(", ") : "none"} (PLUGIN_PROTOCOL_VERSIONS). Use Terraform 1.0 or newer.`,
      true,
    );
  }
  const clientCertPem = env.PLUGIN_CLIENT_CERT ?? "";
  if (!clientCertPem.includes("BEGIN CERTIFICATE")) {
    throw new PluginStartError(
      "PLUGIN_CLIENT_CERT is missing or not a PEM certificate: this provider only serves over mutual TLS, " +
        "which Terraform sets up when it starts a provider. Start the provider through Terraform.",
      true,
    );
  }
  return { clientCertPem };
}

/** `1|6|tcp|127.0.0.1:<port>|grpc|<certificate>` plus newline: the line go-plugin's client waits for. */
export function handshakeLine(port: number, certificateBase64: string): string {
  return `${CORE_PROTOCOL_VERSION}|${PLUGIN_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certificateBase64}\n`;
}
