/**
 * An AWS Secrets Manager emulator: an in-memory HTTP server on loopback speaking the service's wire
 * protocol (AWS JSON 1.1), for tests that drive the real AWS SDK through an endpoint override.
 *
 * - `POST /` with `X-Amz-Target: secretsmanager.<Operation>` and `Content-Type: application/x-amz-json-1.1`;
 *   answers are JSON of the same content type, errors `{ "__type": "<Error>", "message": "..." }` with
 *   the `x-amzn-ErrorType` header and status 400 (500 for an internal failure).
 * - Requests must be signed with SigV4: an `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/secretsmanager/aws4_request, SignedHeaders=..., Signature=...`
 *   header and an `X-Amz-Date`. The signature itself is not verified. No Authorization header is
 *   answered with `UnrecognizedClientException`, a malformed one with `IncompleteSignatureException`,
 *   a credential scoped to another region or service with `InvalidSignatureException`, and an access
 *   key outside `accessKeyIds` (when given) with `UnrecognizedClientException`, as the service does.
 * - One access key id is read-only (`readOnlyAccessKeyId`), like an IAM user whose policy allows only
 *   `secretsmanager:GetSecretValue`, `DescribeSecret` and `ListSecrets`: every other operation is
 *   `AccessDeniedException`, as `denyNext` answers, and changes nothing.
 * - Inputs are checked against the operation's shape (see `secrets-manager-shapes.ts`); what the
 *   operations do is in `secrets-manager-state.ts`.
 *
 * Nothing here logs, and no message carries a secret value.
 */
import * as http from "http";
import { randomBytes, randomUUID } from "crypto";
import type { AddressInfo } from "net";
import { isPlainObject, OPERATION_INPUTS, validateShape, validationMessage } from "./secrets-manager-shapes";
import { SecretsManagerFault, SecretsManagerState, type SecretSnapshot } from "./secrets-manager-state";

export type { SecretSnapshot } from "./secrets-manager-state";

/** Options of {@link startSecretsManagerEmulator}. */
export interface SecretsManagerEmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /**
   * The region the emulator serves: ARNs carry it, and a request signed for another region is refused.
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * The account id in ARNs and in AccessDenied messages.
   * @default "123456789012"
   */
  readonly accountId?: string;
  /**
   * The access key ids the emulator knows; a request signed with another one is answered with
   * `UnrecognizedClientException`.
   * @default any access key id is accepted
   */
  readonly accessKeyIds?: readonly string[];
  /**
   * An access key id that may only read (`GetSecretValue`, `DescribeSecret`, `ListSecrets`): every
   * operation that changes something is answered with `AccessDeniedException`. It is accepted also when
   * `accessKeyIds` does not list it.
   * @default a fresh random id (read it from `readOnlyAccessKeyId`)
   */
  readonly readOnlyAccessKeyId?: string;
  /**
   * The most secrets one `ListSecrets` page holds, whatever `MaxResults` asks for (the service may
   * return fewer than asked, so a client must follow `NextToken`). Lower it to test pagination.
   * @default 100
   */
  readonly listPageSize?: number;
  /**
   * How long the name of a secret deleted with `ForceDeleteWithoutRecovery` stays taken (the service
   * deletes "with an asynchronous background process"): `CreateSecret` of that name fails meanwhile.
   * @default 0
   */
  readonly forceDeleteDelayMs?: number;
  /**
   * The clock: creation and deletion dates, and the end of recovery windows.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/** One request the emulator answered, as {@link SecretsManagerEmulatorSnapshot} lists it. */
export interface HandledRequest {
  /** The operation from `X-Amz-Target`, or `""` when there was none. */
  readonly action: string;
  /** The `SecretId` or `Name` of the request, if any. */
  readonly secretId?: string;
  readonly status: number;
  /** The `__type` of an error answer. */
  readonly errorType?: string;
}

/** What {@link RunningSecretsManagerEmulator.inspect} returns. */
export interface SecretsManagerEmulatorSnapshot {
  readonly region: string;
  readonly accountId: string;
  /** Every secret, scheduled ones included, with its versions and values (this is a test tool). */
  readonly secrets: readonly SecretSnapshot[];
  /** Every request answered so far, oldest first. */
  readonly requests: readonly HandledRequest[];
}

/** A started emulator. */
export interface RunningSecretsManagerEmulator {
  /** Base URL, e.g. `http://127.0.0.1:43127`: the SDK's `endpoint`. */
  readonly url: string;
  readonly region: string;
  /** The access key id that may only read (see {@link SecretsManagerEmulatorOptions.readOnlyAccessKeyId}). */
  readonly readOnlyAccessKeyId: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
  /** The state and the requests answered so far. */
  inspect(): SecretsManagerEmulatorSnapshot;
  /**
   * Makes the next request for `action` (e.g. `"PutSecretValue"`) fail with `AccessDeniedException`,
   * as a missing IAM permission would. Calls queue up: `denyNext("X"); denyNext("X")` denies two.
   */
  denyNext(action: string): void;
}

const TARGET_PREFIX = "secretsmanager.";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** Larger than any valid request (a 64 KiB secret plus its metadata). */
const MAX_BODY_BYTES = 1024 * 1024;
const CREDENTIAL = /^([A-Za-z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request$/;
/** What the read-only access key may call; any other operation (and any added later) is a write. */
const READ_ACTIONS: ReadonlySet<string> = new Set(["GetSecretValue", "DescribeSecret", "ListSecrets"]);
/** The alphabet of the random part of an access key id (AWS's: upper case and 2-7). */
const ACCESS_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Starts the emulator on 127.0.0.1, on a free port. */
export async function startSecretsManagerEmulator(options: SecretsManagerEmulatorOptions = {}): Promise<RunningSecretsManagerEmulator> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "123456789012";
  const listPageSize = options.listPageSize ?? 100;
  if (!Number.isInteger(listPageSize) || listPageSize < 1) {
    throw new Error(`startSecretsManagerEmulator: \`listPageSize\` must be a positive integer (got ${listPageSize}).`);
  }
  const state = new SecretsManagerState({
    region,
    accountId,
    now: options.now ?? (() => new Date()),
    listPageSize,
    forceDeleteDelayMs: options.forceDeleteDelayMs ?? 0,
  });
  const readOnlyAccessKeyId = options.readOnlyAccessKeyId ?? randomAccessKeyId();
  if (!/^[A-Za-z0-9]+$/.test(readOnlyAccessKeyId)) {
    throw new Error("startSecretsManagerEmulator: `readOnlyAccessKeyId` must be letters and digits only, like an AWS access key id (AKIA...).");
  }
  const denials: string[] = [];
  const requests: HandledRequest[] = [];
  const accessKeys = options.accessKeyIds ? new Set([...options.accessKeyIds, readOnlyAccessKeyId]) : undefined;
  const accessDenied = (caller: string, action: string, secretId: string | undefined): SecretsManagerFault => {
    const resource = state.arnOf(secretId) ?? (secretId !== undefined ? `arn:aws:secretsmanager:${region}:${accountId}:secret:${secretId}` : "*");
    return new SecretsManagerFault(
      "AccessDeniedException",
      `User: arn:aws:iam::${accountId}:user/${caller} is not authorized to perform: secretsmanager:${action} on resource: ${resource} ` +
        `because no identity-based policy allows the secretsmanager:${action} action`,
    );
  };

  const answer = (req: http.IncomingMessage, body: Buffer): { status: number; payload: unknown; action: string; secretId?: string } => {
    const target = header(req, "x-amz-target");
    const action = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    let secretId: string | undefined;
    try {
      const caller = authenticate(req, region, accessKeys);
      if (req.method !== "POST" || (req.url ?? "/").split("?")[0] !== "/") {
        throw new SecretsManagerFault("UnknownOperationException", `${req.method} ${req.url}: the service answers only POST / with an X-Amz-Target header.`, 404);
      }
      const inputShape = OPERATION_INPUTS[action];
      if (inputShape === undefined) {
        throw new SecretsManagerFault("UnknownOperationException", `Unknown operation ${JSON.stringify(target ?? "")}: X-Amz-Target must be secretsmanager.<Operation>.`);
      }
      const contentType = (header(req, "content-type") ?? "").split(";")[0].trim().toLowerCase();
      if (contentType !== CONTENT_TYPE) {
        throw new SecretsManagerFault("SerializationException", `Content-Type must be ${CONTENT_TYPE} (got ${JSON.stringify(contentType)}).`);
      }
      const input = parseBody(body);
      secretId = typeof input.SecretId === "string" ? input.SecretId : typeof input.Name === "string" ? input.Name : undefined;
      const errors = validateShape(input, inputShape);
      if (errors.length > 0) throw new SecretsManagerFault("ValidationException", validationMessage(errors));
      if (caller === readOnlyAccessKeyId && !READ_ACTIONS.has(action)) throw accessDenied(caller, action, secretId);
      const denied = denials.indexOf(action);
      if (denied >= 0) {
        denials.splice(denied, 1);
        throw accessDenied(caller, action, secretId);
      }
      return { status: 200, payload: state.run(action, input), action, secretId };
    } catch (e) {
      const fault = e instanceof SecretsManagerFault ? e : new SecretsManagerFault("InternalServiceError", "An error occurred on the server side.", 500);
      return { status: fault.status, payload: { __type: fault.type, message: fault.message }, action, secretId };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      const result =
        size > MAX_BODY_BYTES
          ? { status: 413, payload: { __type: "SerializationException", message: `Request body over ${MAX_BODY_BYTES} bytes.` }, action: "" }
          : answer(req, Buffer.concat(chunks));
      const errorType = (result.payload as { __type?: string }).__type;
      requests.push({
        action: result.action,
        ...("secretId" in result && result.secretId !== undefined ? { secretId: result.secretId } : {}),
        status: result.status,
        ...(errorType ? { errorType } : {}),
      });
      const text = JSON.stringify(result.payload);
      res.writeHead(result.status, {
        "content-type": CONTENT_TYPE,
        "content-length": Buffer.byteLength(text),
        "x-amzn-requestid": randomUUID(),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    region,
    readOnlyAccessKeyId,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
    inspect: () => ({ region, accountId, secrets: state.snapshot(), requests: [...requests] }),
    denyNext: (action: string) => {
      if (OPERATION_INPUTS[action] === undefined) {
        throw new Error(`denyNext: unknown operation ${JSON.stringify(action)}; use one of ${Object.keys(OPERATION_INPUTS).join(", ")}.`);
      }
      denials.push(action);
    },
  };
}

/**
 * Checks the SigV4 Authorization header (its form, not its signature) and returns the access key id.
 * The errors are the service's for the same faults.
 */
function authenticate(req: http.IncomingMessage, region: string, accessKeys: ReadonlySet<string> | undefined): string {
  const authorization = header(req, "authorization");
  if (authorization === undefined || authorization.trim() === "") {
    throw new SecretsManagerFault(
      "UnrecognizedClientException",
      "The request has no Authorization header: sign it with AWS Signature Version 4 (Authorization: AWS4-HMAC-SHA256 Credential=...).",
    );
  }
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(authorization.trim());
  if (!match) {
    throw new SecretsManagerFault("IncompleteSignatureException", "Authorization header must use the AWS4-HMAC-SHA256 algorithm (AWS Signature Version 4).");
  }
  const parts = new Map<string, string>();
  for (const part of match[1].split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const required of ["Credential", "SignedHeaders", "Signature"]) {
    if (!parts.get(required)) {
      throw new SecretsManagerFault("IncompleteSignatureException", `Authorization header requires '${required}' parameter. Authorization=AWS4-HMAC-SHA256 ...`);
    }
  }
  if (header(req, "x-amz-date") === undefined && header(req, "date") === undefined) {
    throw new SecretsManagerFault("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const credential = CREDENTIAL.exec(parts.get("Credential")!);
  if (!credential) {
    throw new SecretsManagerFault("IncompleteSignatureException", "Credential must have the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.");
  }
  const [, accessKeyId, , scopeRegion, service] = credential;
  if (scopeRegion !== region) {
    throw new SecretsManagerFault("InvalidSignatureException", `Credential should be scoped to a valid region: this endpoint serves '${region}', not '${scopeRegion}'.`);
  }
  if (service !== "secretsmanager") {
    throw new SecretsManagerFault("InvalidSignatureException", `Credential should be scoped to correct service: 'secretsmanager' (got '${service}').`);
  }
  if (accessKeys && !accessKeys.has(accessKeyId)) {
    throw new SecretsManagerFault("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  return accessKeyId;
}

/** `AKIA` and 16 random characters of AWS's alphabet, the form of an IAM user's access key id. */
function randomAccessKeyId(): string {
  return `AKIA${[...randomBytes(16)].map((byte) => ACCESS_KEY_ALPHABET[byte % 32]).join("")}`;
}

function parseBody(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8");
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold a secret value: not shown.
    throw new SecretsManagerFault("SerializationException", "The request body is not valid JSON.");
  }
  if (!isPlainObject(parsed)) throw new SecretsManagerFault("SerializationException", "The request body must be a JSON object.");
  return parsed;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
