import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import { OpenApiContract, loadOpenApiContract, openApiDocumentPath } from "../../src/emulator/openapi-validator";

const flownally = loadOpenApiContract("flownally");

const serviceAccount = { id: "sa_abc123", name: "billing", description: null, createdAt: "2030-01-01T00:00:00.000Z" };
const problem = (status: number, code: string) => ({
  type: `urn:problem-type:flownally:${code}`,
  title: "Problem",
  status,
  detail: "Something.",
  instance: "/service-accounts",
  code,
});

describe("the Flownally document", () => {
  const raw = parseYaml(fs.readFileSync(openApiDocumentPath("flownally"), "utf8")) as any;

  test("has the six operations of the seed", () => {
    expect(flownally.title).toBe("Flownally API Keys");
    expect(flownally.operations.map((o) => `${o.method} ${o.pathTemplate} ${o.operationId}`).sort()).toEqual([
      "DELETE /api-keys/{id} revokeApiKey",
      "DELETE /service-accounts/{id} deleteServiceAccount",
      "GET /service-accounts listServiceAccounts",
      "GET /service-accounts/{id}/api-keys listApiKeys",
      "POST /service-accounts createServiceAccount",
      "POST /service-accounts/{id}/api-keys createApiKey",
    ]);
  });

  test("defines the seed's schemas; request bodies allow no other members", () => {
    for (const name of [
      "ServiceAccount",
      "CreateServiceAccountRequest",
      "ListServiceAccountsResponse",
      "ListAPIKeysResponse",
      "APIKeyInfo",
      "CreateAPIKeyRequest",
      "CreateAPIKeyResponse",
      "ProblemDetails",
      "FieldViolation",
    ]) {
      expect(raw.components.schemas).toHaveProperty(name);
    }
    expect(raw.components.schemas.CreateServiceAccountRequest.additionalProperties).toBe(false);
    expect(raw.components.schemas.CreateAPIKeyRequest.additionalProperties).toBe(false);
  });

  test("uses bearer auth everywhere", () => {
    expect(raw.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(raw.security).toEqual([{ bearerAuth: [] }]);
  });

  test("every operation documents 401, 429, 500 and 503 as problem+json, and 429 with Retry-After", () => {
    for (const operation of flownally.operations) {
      const responses = raw.paths[operation.pathTemplate][operation.method.toLowerCase()].responses;
      for (const status of ["401", "429", "500", "503"]) {
        const ref: string = responses[status].$ref;
        const response = raw.components.responses[ref.split("/").pop() as string];
        expect(Object.keys(response.content)).toEqual(["application/problem+json"]);
      }
      expect(raw.components.responses[responses["429"].$ref.split("/").pop()].headers).toHaveProperty("Retry-After");
    }
  });

  test("operations with a body document 400 and 415; operations on an id document 404", () => {
    for (const operation of flownally.operations) {
      const statuses = Object.keys(raw.paths[operation.pathTemplate][operation.method.toLowerCase()].responses);
      if (operation.hasRequestBody) expect(statuses).toEqual(expect.arrayContaining(["400", "415"]));
      if (operation.pathTemplate.includes("{id}")) expect(statuses).toContain("404");
    }
    expect(Object.keys(raw.paths["/service-accounts"].post.responses)).toContain("409");
    expect(Object.keys(raw.paths["/service-accounts"].get.responses)).toContain("400");
  });

  test("every response schema compiles (all $refs resolve)", () => {
    for (const operation of flownally.operations) {
      const responses = raw.paths[operation.pathTemplate][operation.method.toLowerCase()].responses;
      for (const status of Object.keys(responses)) {
        expect(() =>
          flownally.validateResponse({ method: operation.method, pathTemplate: operation.pathTemplate, status: Number(status) }),
        ).not.toThrow();
      }
    }
  });
});

describe("route", () => {
  test("finds the operation and decodes path parameters", () => {
    expect(flownally.route("post", "/service-accounts/sa%5F1/api-keys")).toEqual({
      kind: "operation",
      operation: expect.objectContaining({ operationId: "createApiKey", pathTemplate: "/service-accounts/{id}/api-keys" }),
      pathParams: { id: "sa_1" },
    });
  });

  test("a known path with another method is method-not-allowed with the allowed methods", () => {
    expect(flownally.route("PUT", "/service-accounts")).toEqual({ kind: "method-not-allowed", allow: ["GET", "POST"] });
  });

  test.each(["/", "/service-accounts/", "/service-accounts/a/b", "/api-keys/%E0%A4%A"])("%s is not-found", (path) => {
    expect(flownally.route("GET", path).kind === "operation").toBe(false);
    expect(flownally.route("DELETE", path)).toEqual({ kind: "not-found" });
  });
});

describe("validateRequest", () => {
  const list = (query: string) =>
    flownally.validateRequest({ method: "GET", pathTemplate: "/service-accounts", query: new URLSearchParams(query) });
  const createAccount = (body: unknown) =>
    flownally.validateRequest({ method: "POST", pathTemplate: "/service-accounts", body });

  test("coerces query strings to integers and applies defaults", () => {
    expect(list("limit=5&cursor=abc")).toEqual({ violations: [], pathParams: {}, query: { limit: 5, cursor: "abc" }, undocumentedMembers: [] });
    expect(list("").query).toEqual({ limit: 20 });
  });

  test("ignores undeclared query parameters", () => {
    expect(list("color=red")).toEqual({ violations: [], pathParams: {}, query: { limit: 20 }, undocumentedMembers: [] });
  });

  test.each([
    ["limit=abc", "must be integer"],
    ["limit=", "must be integer"],
    ["limit=0", "must be >= 1"],
    ["limit=101", "must be <= 100"],
    ["limit=1&limit=1", "must be given once"],
  ])("names parameters <in>.<name>: %s", (query, description) => {
    expect(list(query).violations).toEqual([{ field: "query.limit", description }]);
  });

  test("names body members by JSON Pointer, a missing member at its own pointer", () => {
    expect(createAccount({}).violations).toEqual([{ field: "/name", description: "is required" }]);
    expect(createAccount({ name: "ok", "a/b~c": 1 }).violations).toEqual([
      { field: "/a~1b~0c", description: "is not allowed" },
    ]);
    expect(
      flownally.validateRequest({
        method: "POST",
        pathTemplate: "/service-accounts/{id}/api-keys",
        pathParams: { id: "sa_1" },
        body: { name: "ci", scopes: ["a", 1, null] },
      }).violations,
    ).toEqual([
      { field: "/scopes/1", description: "must be string" },
      { field: "/scopes/2", description: "must be string" },
    ]);
  });

  test("reports every violation at once", () => {
    expect(createAccount({ name: "Bad Name", description: 3, extra: true }).violations).toEqual([
      { field: "/extra", description: "is not allowed" },
      { field: "/name", description: 'must match pattern "^[a-z0-9][a-z0-9._-]*$"' },
      { field: "/description", description: "must be string" },
    ]);
  });

  test("the body as a whole is the empty pointer", () => {
    expect(createAccount(undefined).violations).toEqual([{ field: "", description: "a JSON request body is required" }]);
    expect(createAccount("billing").violations).toEqual([{ field: "", description: "must be object" }]);
  });

  test("lists body members the schema does not name, where the schema lets them through", () => {
    const flexprice = loadOpenApiContract("flexprice");
    const result = flexprice.validateRequest({
      method: "POST",
      pathTemplate: "/secrets/api/keys",
      body: { name: "k", type: "private_key", scopes: ["x"], color: "red" },
    });
    expect(result.violations).toEqual([]);
    expect(result.undocumentedMembers).toEqual(["scopes", "color"]);
  });

  test("a missing path parameter is a violation", () => {
    expect(flownally.validateRequest({ method: "DELETE", pathTemplate: "/api-keys/{id}" }).violations).toEqual([
      { field: "path.id", description: "is required" },
    ]);
  });

  test("throws for an operation the document does not have", () => {
    expect(() => flownally.validateRequest({ method: "PUT", pathTemplate: "/service-accounts" })).toThrow(
      /no operation PUT \/service-accounts/,
    );
  });
});

describe("validateResponse", () => {
  const create = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    flownally.validateResponse({
      method: "POST",
      pathTemplate: "/service-accounts",
      status,
      headers: { "Content-Type": status < 300 ? "application/json" : "application/problem+json", ...headers },
      body,
    });

  test("accepts what the document promises", () => {
    expect(create(201, serviceAccount)).toEqual([]);
    expect(create(409, problem(409, "service_account_name_taken"))).toEqual([]);
    expect(create(429, problem(429, "rate_limited"), { "Retry-After": "3" })).toEqual([]);
    expect(
      create(400, { ...problem(400, "validation_failed"), violations: [{ field: "/name", description: "is required" }] }),
    ).toEqual([]);
  });

  test("reports a body that breaks the schema", () => {
    const { createdAt: _createdAt, ...withoutCreatedAt } = serviceAccount;
    expect(create(201, withoutCreatedAt)).toEqual(["createServiceAccount 201: body/createdAt is required"]);
    expect(create(201, { ...serviceAccount, secret: "x" })).toEqual([
      "createServiceAccount 201: body/secret is not allowed",
    ]);
    expect(create(201, { ...serviceAccount, id: "acct_1" })).toEqual([
      'createServiceAccount 201: body/id must match pattern "^sa_[0-9A-Za-z]+$"',
    ]);
  });

  test("reports a problem whose code or status does not fit the documented response", () => {
    expect(create(409, problem(409, "conflict"))).toEqual([
      "createServiceAccount 409: body/code must be equal to constant",
    ]);
    expect(create(409, problem(400, "service_account_name_taken"))).toEqual([
      "createServiceAccount 409: body/status must be equal to constant",
    ]);
  });

  test("reports an undocumented status, a wrong content type and a missing or bad header", () => {
    expect(create(418, {})).toEqual(["createServiceAccount 418: status 418 is not documented for createServiceAccount"]);
    expect(create(201, serviceAccount, { "Content-Type": "text/html" })).toEqual([
      'createServiceAccount 201: content type "text/html" is not one of application/json',
    ]);
    expect(create(429, problem(429, "rate_limited"))).toEqual(["createServiceAccount 429: header Retry-After is missing"]);
    expect(create(429, problem(429, "rate_limited"), { "Retry-After": "soon" })).toEqual([
      "createServiceAccount 429: header Retry-After must be integer",
    ]);
  });

  test("a 204 must have no body", () => {
    const revoke = (body: unknown) =>
      flownally.validateResponse({ method: "DELETE", pathTemplate: "/api-keys/{id}", status: 204, body });
    expect(revoke(undefined)).toEqual([]);
    expect(revoke({})).toEqual(["revokeApiKey 204: expected no body"]);
  });

  test("reads headers from a fetch Headers object", () => {
    const headers = new Headers({ "content-type": "application/problem+json; charset=utf-8", "retry-after": "1" });
    expect(
      flownally.validateResponse({
        method: "GET",
        pathTemplate: "/service-accounts",
        status: 429,
        headers,
        body: problem(429, "rate_limited"),
      }),
    ).toEqual([]);
  });
});

describe("validateSchema", () => {
  test("checks a value against a named component schema", () => {
    expect(flownally.validateSchema("ServiceAccount", serviceAccount)).toEqual([]);
    expect(flownally.validateSchema("FieldViolation", { field: "/x" })).toEqual(["FieldViolation/description is required"]);
  });
});

describe("another API's document (the module is generic)", () => {
  const document = {
    openapi: "3.1.0",
    info: { title: "Widgets", version: "1" },
    paths: {
      "/widgets/{widgetId}": {
        parameters: [{ name: "widgetId", in: "path", required: true, schema: { type: "integer", minimum: 1 } }],
        get: {
          operationId: "getWidget",
          parameters: [
            { name: "verbose", in: "query", schema: { type: "boolean" } },
            { name: "tag", in: "query", schema: { type: "array", items: { type: "string" } } },
          ],
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Widget" } } },
            },
            "4XX": { description: "client error" },
          },
        },
      },
      "/widgets/latest": {
        get: { operationId: "latestWidget", responses: { default: { description: "anything" } } },
      },
    },
    components: {
      schemas: {
        Widget: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "integer" } },
          example: { id: 1 },
          "x-internal": true,
        },
      },
    },
  };
  const widgets = OpenApiContract.fromDocument(document, "widgets.yaml");

  test("a concrete path wins over a templated one", () => {
    expect(widgets.route("GET", "/widgets/latest")).toMatchObject({ operation: { operationId: "latestWidget" } });
    expect(widgets.route("GET", "/widgets/7")).toMatchObject({ operation: { operationId: "getWidget" } });
  });

  test("coerces path-level integer, boolean and array parameters", () => {
    const result = widgets.validateRequest({
      method: "GET",
      pathTemplate: "/widgets/{widgetId}",
      pathParams: { widgetId: "7" },
      query: new URLSearchParams("verbose=true&tag=a&tag=b"),
    });
    expect(result).toEqual({ violations: [], pathParams: { widgetId: 7 }, query: { verbose: true, tag: ["a", "b"] }, undocumentedMembers: [] });
    expect(
      widgets.validateRequest({ method: "GET", pathTemplate: "/widgets/{widgetId}", pathParams: { widgetId: "0" } })
        .violations,
    ).toEqual([{ field: "path.widgetId", description: "must be >= 1" }]);
  });

  test("falls back to NXX and default responses", () => {
    const check = (pathTemplate: string, status: number) =>
      widgets.validateResponse({ method: "GET", pathTemplate, status });
    expect(check("/widgets/{widgetId}", 404)).toEqual([]);
    expect(check("/widgets/{widgetId}", 500)).toEqual(["getWidget 500: status 500 is not documented for getWidget"]);
    expect(check("/widgets/latest", 500)).toEqual([]);
  });

  test("accepts OpenAPI's own schema keywords and x- extensions", () => {
    expect(widgets.validateSchema("Widget", { id: 1 })).toEqual([]);
  });

  test("assertHandles accepts exactly the documented operations and names any difference", () => {
    expect(() => widgets.assertHandles(["latestWidget", "getWidget"])).not.toThrow();
    expect(() => widgets.assertHandles(["getWidget", "deleteWidget"])).toThrow(
      "openapi/widgets.yaml and the emulator disagree: undocumented handlers [deleteWidget], operations without a handler [latestWidget]",
    );
  });

  test("rejects a document that is not OpenAPI 3.1 or 3.0 (Vault publishes 3.0.2)", () => {
    expect(() => OpenApiContract.fromDocument({ openapi: "3.0.3", paths: {} }, "vault.json")).not.toThrow();
    expect(() => OpenApiContract.fromDocument({ swagger: "2.0", paths: {} }, "old.yaml")).toThrow(/old.yaml: not an OpenAPI 3.1 \(or 3.0\) document/);
    expect(() => OpenApiContract.fromDocument({ openapi: "4.0.0", paths: {} }, "new.yaml")).toThrow(/new.yaml: not an OpenAPI 3.1 \(or 3.0\) document/);
  });

  test("reports a $ref that points at nothing", () => {
    expect(() =>
      OpenApiContract.fromDocument(
        { openapi: "3.1.0", paths: { "/x": { get: { parameters: [{ $ref: "#/components/parameters/Nope" }] } } } },
        "broken.yaml",
      ),
    ).toThrow(/\$ref "#\/components\/parameters\/Nope" points at nothing/);
  });
});
