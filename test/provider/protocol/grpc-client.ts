/**
 * Serves a provider in-process with `serve` and talks to it as Terraform would: gRPC over mutual TLS,
 * trusting only the certificate from the handshake line, presenting a client certificate made by the
 * provider's own tls.ts.
 */
import * as grpc from "@grpc/grpc-js";
import { PassThrough } from "node:stream";
import { serviceDefinition, SERVICE_NAMES } from "../../../src/provider/protocol/grpc-services";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../../src/provider/protocol/handshake";
import { serve } from "../../../src/provider/protocol/serve";
import { createTlsIdentity, TlsIdentity } from "../../../src/provider/protocol/tls";
import type { ProviderHandler } from "../../../src/provider/protocol/types";

type Call = (request: object) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A running in-process provider and clients for its three services. */
export interface ServedProvider {
  readonly handshake: string;
  readonly provider: { [rpc: string]: Call };
  readonly controller: { [rpc: string]: Call };
  readonly health: { [rpc: string]: Call };
  /** Resolves when `serve` has returned (the server closed). */
  readonly served: Promise<void>;
  /** Creates a client for `service` with another client identity (to test mTLS). */
  connect(service: string, clientIdentity: TlsIdentity): { [rpc: string]: Call };
  /** Closes the clients; calls Shutdown unless already done, and waits for the server to close. */
  close(): Promise<void>;
}

export async function serveInProcess(handler: ProviderHandler, log: (line: string) => void = () => undefined): Promise<ServedProvider> {
  const clientIdentity = createTlsIdentity();
  const stdout = new PassThrough();
  const firstLine = new Promise<string>((resolve) => stdout.once("data", (chunk) => resolve(String(chunk))));
  const env = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5,6", PLUGIN_CLIENT_CERT: clientIdentity.certPem };
  const served = serve(handler, { env, stdout, log, ownProcess: false });
  const returnedEarly = served.then(() => {
    throw new Error("serve returned before the handshake");
  });
  returnedEarly.catch(() => undefined); // it only matters while waiting for the handshake
  const handshake = await Promise.race([firstLine, returnedEarly]);
  const [, , , address, , certBase64] = handshake.trim().split("|");
  const body = Buffer.from(certBase64, "base64").toString("base64").match(/.{1,64}/g)?.join("\n");
  const serverCertPem = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  const clients: grpc.Client[] = [];

  const connect = (service: string, identity: TlsIdentity) => {
    const Client = grpc.makeGenericClientConstructor(serviceDefinition(service), service);
    const credentials = grpc.credentials.createSsl(Buffer.from(serverCertPem), Buffer.from(identity.keyPem), Buffer.from(identity.certPem));
    const client = new Client(address, credentials, { "grpc.ssl_target_name_override": "localhost" });
    clients.push(client);
    return promisified(client);
  };

  let shutDown = false;
  const controller = connect(SERVICE_NAMES.controller, clientIdentity);
  return {
    handshake,
    provider: connect(SERVICE_NAMES.provider, clientIdentity),
    controller: {
      Shutdown: async (request) => {
        shutDown = true;
        return controller.Shutdown(request);
      },
    },
    health: connect(SERVICE_NAMES.health, clientIdentity),
    served,
    connect,
    async close() {
      if (!shutDown) await controller.Shutdown({}).catch(() => undefined);
      await served;
      for (const client of clients) client.close();
    },
  };
}

function promisified(client: grpc.Client): { [rpc: string]: Call } {
  return new Proxy(
    {},
    {
      get: (_target, rpc: string): Call =>
        (request) =>
          new Promise((resolve, reject) => {
            const method = (client as unknown as { [name: string]: Function })[rpc]; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
            method.call(client, request, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response)));
          }),
    },
  );
}
