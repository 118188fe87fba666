/**
 * Serving a provider to Terraform, the way HashiCorp go-plugin does it: check the environment
 * Terraform started the process with, listen on 127.0.0.1 over mutual TLS, print the one handshake
 * line, serve tfplugin6.Provider, plugin.GRPCController and grpc.health.v1.Health, and end when
 * Terraform says so (Shutdown) or goes away, after the calls in flight.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { serviceDefinition, SERVICE_NAMES } from "./grpc-services";
import { handshakeLine, PluginStartError, readHandshakeRequest } from "./handshake";
import { Lifetime, watchParent } from "./lifetime";
import { controllerService, healthService, providerService } from "./provider-service";
import { createTlsIdentity, handshakeCertificate } from "./tls";
import type { ProviderHandler } from "./types";

export interface ServeOptions {
  /**
   * The environment Terraform started the process with.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Where the handshake line goes. Nothing else may be written to Terraform's end of stdout.
   * @default process.stdout, and everything else written to process.stdout goes to stderr instead
   */
  readonly stdout?: NodeJS.WritableStream;
  /**
   * Receives one debug line per call and life-cycle event (never secrets: no values are logged).
   * @default "[DEBUG] ..." lines on stderr when TF_LOG is set (Terraform then logs them), else nothing
   */
  readonly log?: (line: string) => void;
  /**
   * Whether serve owns the process: ends it with the parent process, ignores SIGINT (Terraform stops a
   * provider with StopProvider instead; Ctrl-C in a terminal reaches the provider too), sets the exit
   * code and reports start-up problems instead of throwing them, and exits once the server has closed.
   * Tests that serve in-process pass false.
   * @default true
   */
  readonly ownProcess?: boolean;
}

type Write = (text: string) => void;

const SERVER_OPTIONS = { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 };

/**
 * Serves `provider` to the Terraform that started this process; resolves once the server has closed.
 * A start-up problem (not started by Terraform, no protocol 6, no client certificate, no port) is
 * reported on stderr, and on stdout where Terraform shows it to the user, with exit code 1; with
 * `ownProcess: false` it is thrown as a {@link PluginStartError} instead.
 */
export async function serve(provider: ProviderHandler, options: ServeOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const ownProcess = options.ownProcess ?? true;
  const log = options.log ?? stderrLog(env);
  const write = options.stdout ? (text: string) => void options.stdout?.write(text) : stdoutWriter(ownProcess);
  try {
    await run(provider, env, write, log, ownProcess);
  } catch (error) {
    if (!ownProcess) throw error;
    reportStartError(error, write);
    process.exitCode = 1;
  }
}

async function run(provider: ProviderHandler, env: NodeJS.ProcessEnv, write: Write, log: (line: string) => void, ownProcess: boolean): Promise<void> {
  const parent = process.ppid; // before anything slow: Terraform may be gone by the time we serve
  const { clientCertPem } = readHandshakeRequest(env);
  const identity = createTlsIdentity();
  const server = new Server(SERVER_OPTIONS);
  let closed!: () => void;
  const whenClosed = new Promise<void>((resolve) => (closed = resolve));
  const lifetime = new Lifetime(() => void closeServer(server).then(closed), log);
  server.addService(serviceDefinition(SERVICE_NAMES.provider), providerService(provider, lifetime, log));
  server.addService(serviceDefinition(SERVICE_NAMES.controller), controllerService(lifetime));
  server.addService(serviceDefinition(SERVICE_NAMES.health), healthService());
  const credentials = ServerCredentials.createSsl(Buffer.from(clientCertPem), [{ private_key: Buffer.from(identity.keyPem), cert_chain: Buffer.from(identity.certPem) }], true);
  const port = await listen(server, credentials);
  write(handshakeLine(port, handshakeCertificate(identity.certDer)));
  log(`serving tfplugin6 on 127.0.0.1:${port}`);
  if (!ownProcess) return whenClosed;

  const stopWatching = watchParent(() => lifetime.end("the parent process (Terraform) has gone"), parent);
  const onInterrupt = () => log("SIGINT ignored: Terraform stops providers with StopProvider");
  process.on("SIGINT", onInterrupt);
  await whenClosed;
  stopWatching();
  process.off("SIGINT", onInterrupt);
  // Normally nothing is left and the process ends by itself; this only ends one held open by a
  // leftover handle (an HTTP keep-alive socket, a forgotten timer). Unref'd: it never delays the end.
  setTimeout(() => {
    log("the server has closed but something still holds the process open: exiting");
    process.exit();
  }, 500).unref();
}

function listen(server: Server, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", credentials, (error, port) => {
      if (error) reject(new PluginStartError(`The provider could not listen on 127.0.0.1: ${error.message}. Check that the loopback interface is up.`, true));
      else resolve(port);
    });
  });
}

/** Lets calls finish their responses (Shutdown's own), then closes; forced after 2 s. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2000);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/**
 * process.stdout for the handshake line only: once serve owns the process, anything else written to
 * process.stdout (a stray console.log) goes to stderr, where it cannot break the handshake.
 */
function stdoutWriter(ownProcess: boolean): Write {
  const write = process.stdout.write.bind(process.stdout);
  if (ownProcess) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return (text) => void write(text);
}

function reportStartError(error: unknown, write: Write): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  // go-plugin shows a line it does not understand to the user ("Unrecognized remote plugin message").
  if (!(error instanceof PluginStartError) || error.startedByTerraform) write(`${message.replace(/\s*\n\s*/g, " ")}\n`);
}

function stderrLog(env: NodeJS.ProcessEnv): (line: string) => void {
  if (!env.TF_LOG) return () => undefined;
  return (line) => process.stderr.write(`[DEBUG] ${line}\n`);
}
