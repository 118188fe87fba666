import type { OpenApiContract } from "../../src/emulator/openapi-validator";

/** What a test sends besides method and path. */
export interface CheckedRequest {
  /** Headers as sent (auth included); `content-type` is set for `json` unless given here. */
  readonly headers?: Record<string, string>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (wins over `json`). */
  readonly rawBody?: string;
  /** Overrides the content type. */
  readonly contentType?: string;
}

/** An answer, its body parsed as JSON (undefined when empty; `any` so tests can read into it). */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** How the API answers a path its document does not have. */
export interface UnroutedAnswer {
  readonly contentType: string;
  /** Name of the document's schema the error body must match. */
  readonly schema: string;
}

/**
 * One real HTTP request to an emulator, its answer checked against the API's OpenAPI document: the
 * documented response of the operation, or the API's error body for paths the document does not have.
 */
export async function checkedFetch(
  contract: OpenApiContract,
  unrouted: UnroutedAnswer,
  baseUrl: string,
  method: string,
  path: string,
  request: CheckedRequest = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers["content-type"] = "application/json";
  }
  if (request.rawBody !== undefined) body = request.rawBody;
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;

  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const parsed: unknown = text === "" ? undefined : JSON.parse(text);

  const route = contract.route(method, new URL(path, baseUrl).pathname);
  if (route.kind === "operation") {
    const problems = contract.validateResponse({
      method,
      pathTemplate: route.operation.pathTemplate,
      status: response.status,
      headers: response.headers,
      body: parsed,
    });
    expect(problems).toEqual([]);
  } else {
    expect(response.headers.get("content-type")).toBe(unrouted.contentType);
    expect(contract.validateSchema(unrouted.schema, parsed)).toEqual([]);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
