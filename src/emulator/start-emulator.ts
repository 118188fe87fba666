/**
 * The HTTP host of the API emulators: a plain `node:http` server on loopback that reads each request,
 * answers injected faults, and hands everything else to the emulated API (see `registry.ts`).
 * Nothing here logs: the Authorization header and key values never leave the request handler.
 */
import * as http from "http";
import { randomBytes } from "crypto";
import type { AddressInfo } from "net";
import { EMULATED_APIS, EMULATORS, type EmulatedApiName } from "./registry";
import type { EmulatorSnapshot } from "./snapshot";

export { EMULATED_APIS, type EmulatedApiName } from "./registry";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /**
   * Which API to emulate.
   * @default "flownally"
   */
  readonly api?: EmulatedApiName;
  /**
   * TCP port to listen on; 0 picks a free one (read it from `url`).
   * @default 0
   */
  readonly port?: number;
  /**
   * Address to listen on.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * The bearer token that may do everything.
   * @default a fresh random token (read it from `adminToken`)
   */
  readonly adminToken?: string;
  /**
   * A bearer token that may only read: it authenticates every list and get (and Flexprice's
   * `POST /users/search`), while every create, delete, rotate or revoke is refused with 403 in the
   * API's own error shape, changing nothing. For proving that a `terraform plan` writes nothing.
   * @default a fresh random token (read it from `readOnlyToken`)
   */
  readonly readOnlyToken?: string;
  /**
   * The clock: creation times, `lastUsedAt`, and whether a key has expired.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /**
   * Service accounts that exist from the start, by name. APIs whose accounts cannot be created through
   * the API (Factory) need at least one.
   * @default the API's own default (Factory: one account named "ci-bot"; others: none)
   */
  readonly seedServiceAccounts?: readonly string[];
}

/** A failure to answer, instead of the real response, for the next `times` matching requests. */
export interface FaultSpec {
  /** 429 (`rate_limited`, with `Retry-After`), 500 (`internal_error`) or 503 (`unavailable`). */
  readonly status: 429 | 500 | 503;
  /** How many matching requests fail (a positive integer). */
  readonly times: number;
  /**
   * The `Retry-After` header of a 429, in seconds.
   * @default 1
   */
  readonly retryAfterSeconds?: number;
  /**
   * Only requests with this method (any case) match.
   * @default every method
   */
  readonly method?: string;
  /**
   * Only requests whose path starts with this match.
   * @default every path
   */
  readonly pathPrefix?: string;
}

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:43127` (no trailing slash). */
  readonly url: string;
  readonly adminToken: string;
  /** The token that may only read (see {@link EmulatorOptions.readOnlyToken}). */
  readonly readOnlyToken: string;
  readonly api: EmulatedApiName;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
  /** Queues a fault; faults are consumed in the order they were injected. */
  injectFault(fault: FaultSpec): void;
  /** The emulator's state: metadata only, never a plaintext key nor its hash. */
  inspect(): EmulatorSnapshot;
}

/** A request as the host hands it to an emulated API. */
export interface EmulatorRequest {
  /** Upper case. */
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body (empty when there was none). */
  readonly body: Buffer;
}

/** What an emulated API answers; the host serialises `body` as JSON. */
export interface EmulatorResponse {
  readonly status: number;
  /** @default no extra headers */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default "application/json" when there is a body */
  readonly contentType?: string;
  /** @default no body */
  readonly body?: unknown;
}

/** What an API emulator plugs into the host. */
export interface EmulatedApi<Snapshot> {
  /** For messages, e.g. `Flownally`. */
  readonly displayName: string;
  handle(request: EmulatorRequest): EmulatorResponse;
  /** The API's own answer for an injected fault, or for an unexpected error while handling. */
  failure(status: 429 | 500 | 503, request: EmulatorRequest, retryAfterSeconds?: number): EmulatorResponse;
  inspect(): Snapshot;
}

interface PendingFault {
  readonly spec: FaultSpec;
  remaining: number;
}

/** Starts an emulator on loopback and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const apiName = options.api ?? "flownally";
  if (!EMULATED_APIS.includes(apiName)) {
    throw new Error(`\`api\` must be one of ${EMULATED_APIS.join(", ")} (got "${String(apiName)}")`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`\`port\` must be an integer between 0 and 65535 (got ${port})`);
  }
  const host = options.host ?? "127.0.0.1";
  const adminToken = options.adminToken ?? `adm_${randomBytes(24).toString("base64url")}`;
  if (adminToken.length === 0 || /\s/.test(adminToken)) {
    throw new Error("`adminToken` must be a non-empty string without whitespace");
  }
  const readOnlyToken = options.readOnlyToken ?? `ro_${randomBytes(24).toString("base64url")}`;
  if (readOnlyToken.length === 0 || /\s/.test(readOnlyToken)) {
    throw new Error("`readOnlyToken` must be a non-empty string without whitespace");
  }
  if (readOnlyToken === adminToken) {
    throw new Error("`readOnlyToken` must differ from `adminToken` (a token cannot be both)");
  }
  const api = EMULATORS[apiName]({ adminToken, readOnlyToken, now: options.now, seedServiceAccounts: options.seedServiceAccounts });
  const faults: PendingFault[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://emulator.invalid");
      const request: EmulatorRequest = {
        method: (req.method ?? "GET").toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: flattenHeaders(req.headers),
        body: Buffer.concat(chunks),
      };
      send(res, answer(api, faults, request));
    });
    req.on("error", () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    adminToken,
    readOnlyToken,
    api: apiName,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    injectFault(fault: FaultSpec) {
      if (![429, 500, 503].includes(fault.status)) {
        throw new Error(`fault \`status\` must be 429, 500 or 503 (got ${fault.status})`);
      }
      if (!Number.isInteger(fault.times) || fault.times < 1) {
        throw new Error(`fault \`times\` must be a positive integer (got ${fault.times})`);
      }
      const retryAfter = fault.retryAfterSeconds;
      if (retryAfter !== undefined && (!Number.isInteger(retryAfter) || retryAfter < 0)) {
        throw new Error(`fault \`retryAfterSeconds\` must be a non-negative integer (got ${retryAfter})`);
      }
      faults.push({ spec: { ...fault }, remaining: fault.times });
    },
    inspect: () => api.inspect(),
  };
}

/** The first pending fault that matches answers (and is used up); otherwise the API does. */
function answer<S>(api: EmulatedApi<S>, faults: PendingFault[], request: EmulatorRequest): EmulatorResponse {
  const index = faults.findIndex(
    ({ spec }) =>
      (spec.method === undefined || spec.method.toUpperCase() === request.method) &&
      (spec.pathPrefix === undefined || request.path.startsWith(spec.pathPrefix)),
  );
  if (index >= 0) {
    const fault = faults[index];
    if (--fault.remaining === 0) faults.splice(index, 1);
    return api.failure(fault.spec.status, request, fault.spec.retryAfterSeconds ?? 1);
  }
  try {
    return api.handle(request);
  } catch {
    return api.failure(500, request); // deliberately not logged: the request may carry secrets
  }
}

function send(res: http.ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string | number> = { ...response.headers };
  let payload: Buffer | undefined;
  if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body), "utf8");
    headers["content-type"] = response.contentType ?? "application/json";
    headers["content-length"] = payload.length;
  } else if (response.status !== 204 && response.status !== 304) {
    headers["content-length"] = 0;
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
