/**
 * Loads an OpenAPI 3.1 document and checks HTTP requests and responses against it with Ajv (JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1). Generic on purpose: every emulator (one per API, each
 * with its own document under `openapi/`) routes and validates through this module, and the tests use
 * it to check that an emulator answers what its document promises.
 *
 * Violation field convention (documented in each document's description):
 * - body: an RFC 6901 JSON Pointer into the request body (`/name`, `/scopes/1`); a missing required
 *   member is reported at the pointer where it should be, the body as a whole is ``;
 * - parameters: `<in>.<name>`, e.g. `query.limit`, `path.id`.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../package-root";

/** One thing wrong with a request, as APIs report it in their validation errors. */
export interface FieldViolation {
  /** A JSON Pointer into the body (`/name`, `` for the whole body) or `<in>.<name>` for a parameter. */
  readonly field: string;
  readonly description: string;
}

/** An operation of the document. */
export interface OpenApiOperation {
  /** Upper case, e.g. `POST`. */
  readonly method: string;
  /** As written under `paths`, e.g. `/service-accounts/{id}`. */
  readonly pathTemplate: string;
  readonly operationId: string;
  /** True when the operation declares a request body. */
  readonly hasRequestBody: boolean;
}

/** What {@link OpenApiContract.route} finds for a method and a concrete path. */
export type RouteMatch =
  | { readonly kind: "operation"; readonly operation: OpenApiOperation; readonly pathParams: Record<string, string> }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

/** A request, already split into its parts, to check against its operation. */
export interface RequestToValidate {
  readonly method: string;
  readonly pathTemplate: string;
  /** Percent-decoded path parameters, as {@link OpenApiContract.route} returns them. */
  readonly pathParams?: Readonly<Record<string, string>>;
  readonly query?: URLSearchParams;
  /**
   * The parsed JSON body, or `undefined` when the request had none.
   * @default undefined
   */
  readonly body?: unknown;
}

/** The outcome of {@link OpenApiContract.validateRequest}. */
export interface RequestValidation {
  /** Empty when the request is valid. */
  readonly violations: FieldViolation[];
  /** Path parameters, coerced to their schema types. */
  readonly pathParams: Record<string, unknown>;
  /** Declared query parameters, coerced to their schema types, with schema defaults for absent ones. */
  readonly query: Record<string, unknown>;
  /**
   * Top-level members of a JSON object body that its schema does not name (where the schema allows
   * them): an API that ignores such members answers as if they were absent.
   */
  readonly undocumentedMembers: string[];
}

/** Response headers as a plain record (any case) or a fetch `Headers`. */
export type HeaderSource = { get(name: string): string | null } | Readonly<Record<string, string | undefined>>;

/** A response to check against its operation. */
export interface ResponseToValidate {
  readonly method: string;
  readonly pathTemplate: string;
  readonly status: number;
  /**
   * The `Content-Type` header; taken from `headers` when left out.
   * @default the `content-type` of `headers`
   */
  readonly contentType?: string;
  /** @default no headers */
  readonly headers?: HeaderSource;
  /** The parsed JSON body, or `undefined` when the response had none. */
  readonly body?: unknown;
}

type JsonObject = Record<string, unknown>;

interface ParameterObject {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonObject;
}

interface PathEntry {
  readonly template: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** Literal segments: the more, the more specific (concrete paths win over templated ones). */
  readonly literalSegments: number;
  readonly operations: Map<string, OperationEntry>;
}

interface OperationEntry {
  readonly info: OpenApiOperation;
  readonly raw: JsonObject;
  readonly parameters: ParameterObject[];
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/** OpenAPI's own keywords in a Schema Object, which Ajv must accept as annotations. */
const OPENAPI_SCHEMA_KEYWORDS = ["discriminator", "xml", "externalDocs", "example"];

/** Where the OpenAPI document of `api` lives: `<package root>/openapi/<api>.yaml`. */
export function openApiDocumentPath(api: string): string {
  return path.join(packageRoot(), "openapi", `${api}.yaml`);
}

const loaded = new Map<string, OpenApiContract>();

/** The contract of `api` (e.g. `flownally`), loaded from {@link openApiDocumentPath} once and cached. */
export function loadOpenApiContract(api: string): OpenApiContract {
  let contract = loaded.get(api);
  if (!contract) {
    contract = OpenApiContract.fromFile(openApiDocumentPath(api));
    loaded.set(api, contract);
  }
  return contract;
}

/** An OpenAPI 3.1 document, ready to route and validate requests and responses. */
export class OpenApiContract {
  /** Reads a YAML (or JSON) OpenAPI 3.1 document. */
  public static fromFile(file: string): OpenApiContract {
    const document: unknown = parseYaml(fs.readFileSync(file, "utf8"));
    return new OpenApiContract(document, path.basename(file));
  }

  /** Wraps an already parsed document; `name` only appears in error messages and schema ids. */
  public static fromDocument(document: unknown, name = "document"): OpenApiContract {
    return new OpenApiContract(document, name);
  }

  /** `info.title` of the document. */
  public readonly title: string;
  private readonly document: JsonObject;
  private readonly documentId: string;
  private readonly ajv: Ajv2020;
  private readonly paths: PathEntry[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  /**
   * Throws unless `handled` names exactly the document's operationIds: an emulator and its document
   * must not drift apart (a handler for an undocumented operation, or an operation nobody answers).
   */
  public assertHandles(handled: readonly string[]): void {
    const documented = this.operations.map((o) => o.operationId);
    const missing = documented.filter((id) => !handled.includes(id));
    const extra = handled.filter((id) => !documented.includes(id));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `openapi/${this.name} and the emulator disagree: undocumented handlers [${extra.join(", ")}], ` +
          `operations without a handler [${missing.join(", ")}]`,
      );
    }
  }

  private constructor(document: unknown, private readonly name: string) {
    // 3.0 documents are read too (Vault publishes 3.0.2) as long as they keep to the schema subset both share.
    if (!isObject(document) || typeof document.openapi !== "string" || !/^3\.[01]\./.test(document.openapi)) {
      throw new Error(`${name}: not an OpenAPI 3.1 (or 3.0) document (missing \`openapi: 3.1.x\`)`);
    }
    this.document = document;
    this.title = isObject(document.info) && typeof document.info.title === "string" ? document.info.title : name;
    this.documentId = `https://cdktf-api-keys.invalid/openapi/${encodeURIComponent(name)}`;

    this.ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(this.ajv);
    // Vault's document annotates Go durations ("768h", "0s") with `format: duration`, and maps with
    // `format: map`, which says nothing JSON Schema can check (and strict mode refuses on objects).
    if (document.openapi.startsWith("3.0")) this.ajv.addFormat("duration", /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^-?\d+$/);
    this.ajv.addVocabulary(OPENAPI_SCHEMA_KEYWORDS);
    const components = isObject(document.components) ? document.components : {};
    const schemas = isObject(components.schemas) ? components.schemas : {};
    this.ajv.addSchema({ $id: this.documentId, $defs: this.toAjvSchema(withoutMapFormats(schemas)) });

    const paths = isObject(document.paths) ? document.paths : {};
    for (const [template, rawItem] of Object.entries(paths)) {
      const item = this.deref(rawItem, `paths.${template}`);
      const paramNames: string[] = [];
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const param = /^\{([^}]+)\}$/.exec(part);
          if (!param) return escapeRegExp(part);
          paramNames.push(param[1]);
          return "([^/]+)";
        })
        .join("");
      const entry: PathEntry = {
        template,
        pattern: new RegExp(`^${source}$`),
        paramNames,
        literalSegments: template.split("/").filter((s) => s && !s.startsWith("{")).length,
        operations: new Map(),
      };
      const shared = Array.isArray(item.parameters) ? item.parameters : [];
      for (const method of HTTP_METHODS) {
        if (!isObject(item[method])) continue;
        const raw = item[method] as JsonObject;
        const info: OpenApiOperation = {
          method: method.toUpperCase(),
          pathTemplate: template,
          operationId: typeof raw.operationId === "string" ? raw.operationId : `${method.toUpperCase()} ${template}`,
          hasRequestBody: raw.requestBody !== undefined,
        };
        const own = Array.isArray(raw.parameters) ? raw.parameters : [];
        const parameters = new Map<string, ParameterObject>();
        for (const p of [...shared, ...own]) {
          const param = this.deref(p, `${info.operationId} parameter`) as unknown as ParameterObject;
          parameters.set(`${param.in}:${param.name}`, param);
        }
        entry.operations.set(info.method, { info, raw, parameters: [...parameters.values()] });
      }
      this.paths.push(entry);
    }
    this.paths.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** Every operation of the document, in document order per path. */
  public get operations(): OpenApiOperation[] {
    return this.paths.flatMap((p) => [...p.operations.values()].map((o) => o.info));
  }

  /** The operation at `method` + `pathTemplate` (as written under `paths`), if the document has one. */
  public findOperation(method: string, pathTemplate: string): OpenApiOperation | undefined {
    return this.operationEntry(method, pathTemplate)?.info;
  }

  /**
   * Finds the operation a concrete request path (no query string) addresses. A path that matches a
   * template but not with this method answers `method-not-allowed` with the methods it allows.
   */
  public route(method: string, pathname: string): RouteMatch {
    const allow = new Set<string>();
    for (const entry of this.paths) {
      const match = entry.pattern.exec(pathname);
      if (!match) continue;
      const operation = entry.operations.get(method.toUpperCase());
      if (!operation) {
        entry.operations.forEach((_, m) => allow.add(m));
        continue;
      }
      const pathParams: Record<string, string> = {};
      try {
        entry.paramNames.forEach((name, i) => (pathParams[name] = decodeURIComponent(match[i + 1])));
      } catch {
        return { kind: "not-found" }; // malformed percent-encoding
      }
      return { kind: "operation", operation: operation.info, pathParams };
    }
    return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow] } : { kind: "not-found" };
  }

  /**
   * Checks path parameters, query parameters (strings coerced to the schema's integer, number or
   * boolean type; schema defaults applied) and the JSON body against the operation.
   * @throws Error when the document has no such operation.
   */
  public validateRequest(request: RequestToValidate): RequestValidation {
    const operation = this.requireOperation(request.method, request.pathTemplate);
    const violations: FieldViolation[] = [];
    const pathParams: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};

    for (const param of operation.parameters) {
      if (param.in !== "path" && param.in !== "query") continue; // headers and cookies: not used yet
      const field = `${param.in}.${param.name}`;
      const schema = param.schema ?? {};
      const raw =
        param.in === "path"
          ? request.pathParams?.[param.name] === undefined
            ? []
            : [request.pathParams[param.name]]
          : (request.query?.getAll(param.name) ?? []);
      const target = param.in === "path" ? pathParams : query;
      if (raw.length === 0) {
        if (param.required || param.in === "path") violations.push({ field, description: "is required" });
        else if ("default" in schema) target[param.name] = schema.default;
        continue;
      }
      const value = this.coerce(raw, schema, field, violations);
      if (value === undefined) continue;
      const validate = this.validator(`${operation.info.operationId} ${field}`, schema);
      if (validate(value)) target[param.name] = value;
      else violations.push(...toViolations(validate.errors, (pointer) => field + pointer));
    }

    const requestBody = operation.raw.requestBody
      ? this.deref(operation.raw.requestBody, `${operation.info.operationId} requestBody`)
      : undefined;
    const undocumentedMembers: string[] = [];
    if (requestBody) {
      const schema = jsonMediaSchema(requestBody.content);
      if (request.body === undefined) {
        if (requestBody.required === true) violations.push({ field: "", description: "a JSON request body is required" });
      } else if (schema) {
        const validate = this.validator(`${operation.info.operationId} body`, schema);
        if (!validate(request.body)) violations.push(...toViolations(validate.errors, (pointer) => pointer));
        const properties = this.resolveSchema(schema).properties;
        if (isObject(request.body) && isObject(properties)) {
          undocumentedMembers.push(...Object.keys(request.body).filter((member) => !(member in properties)));
        }
      }
    }
    return { violations: dedupe(violations), pathParams, query, undocumentedMembers };
  }

  /**
   * Checks a response against what the operation documents for its status (or `NXX` / `default`):
   * the content type, the body against its schema, and the required headers.
   * @returns what is wrong, one line each; empty when the response is faithful to the document.
   * @throws Error when the document has no such operation.
   */
  public validateResponse(response: ResponseToValidate): string[] {
    const operation = this.requireOperation(response.method, response.pathTemplate);
    const where = `${operation.info.operationId} ${response.status}`;
    const responses = isObject(operation.raw.responses) ? operation.raw.responses : {};
    const key = [String(response.status), `${String(response.status)[0]}XX`, "default"].find((k) => k in responses);
    if (!key) return [`${where}: status ${response.status} is not documented for ${operation.info.operationId}`];
    const documented = this.deref(responses[key], where);
    const problems: string[] = [];

    const header = (name: string): string | undefined => headerValue(response.headers, name);
    const headers = isObject(documented.headers) ? documented.headers : {};
    for (const [name, rawHeader] of Object.entries(headers)) {
      if (name.toLowerCase() === "content-type") continue;
      const spec = this.deref(rawHeader, `${where} header ${name}`);
      const value = header(name);
      if (value === undefined) {
        if (spec.required === true) problems.push(`${where}: header ${name} is missing`);
        continue;
      }
      const schema = isObject(spec.schema) ? spec.schema : {};
      const headerProblems: FieldViolation[] = [];
      const coerced = this.coerce([value], schema, `header ${name}`, headerProblems);
      if (coerced !== undefined) {
        const validate = this.validator(`${where} header ${name}`, schema);
        if (!validate(coerced)) headerProblems.push(...toViolations(validate.errors, (p) => `header ${name}${p}`));
      }
      problems.push(...headerProblems.map((v) => `${where}: ${v.field} ${v.description}`));
    }

    const content = isObject(documented.content) ? documented.content : undefined;
    if (!content) {
      if (response.body !== undefined && response.body !== "") problems.push(`${where}: expected no body`);
      return problems;
    }
    const contentType = (response.contentType ?? header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const media = content[contentType];
    if (!isObject(media)) {
      problems.push(`${where}: content type "${contentType}" is not one of ${Object.keys(content).join(", ")}`);
      return problems;
    }
    if (isObject(media.schema)) {
      const validate = this.validator(`${where} ${contentType}`, media.schema);
      if (!validate(response.body)) {
        problems.push(...toViolations(validate.errors, (p) => p).map((v) => `${where}: body${v.field} ${v.description}`));
      }
    }
    return problems;
  }

  /**
   * Checks a value against a named schema of `components.schemas`.
   * @returns what is wrong, one line each; empty when it conforms.
   */
  public validateSchema(schemaName: string, value: unknown): string[] {
    const validate = this.validator(`schema ${schemaName}`, { $ref: `#/components/schemas/${schemaName}` });
    return validate(value) ? [] : toViolations(validate.errors, (p) => p).map((v) => `${schemaName}${v.field} ${v.description}`);
  }

  private operationEntry(method: string, pathTemplate: string): OperationEntry | undefined {
    return this.paths.find((p) => p.template === pathTemplate)?.operations.get(method.toUpperCase());
  }

  private requireOperation(method: string, pathTemplate: string): OperationEntry {
    const operation = this.operationEntry(method, pathTemplate);
    if (!operation) throw new Error(`${this.name}: no operation ${method.toUpperCase()} ${pathTemplate}`);
    return operation;
  }

  /** Compiles (once) a schema of the document; `key` names it in the cache. */
  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.toAjvSchema(schema) as JsonObject);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * A copy of a Schema Object that Ajv can compile on its own: `#/components/schemas/X` references
   * point into the document schema registered under {@link documentId}, `x-` extensions are dropped.
   */
  private toAjvSchema(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.toAjvSchema(s));
    if (!isObject(schema)) return schema;
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key.startsWith("x-")) continue;
      if (key === "$ref" && typeof value === "string" && value.startsWith("#/components/schemas/")) {
        copy.$ref = `${this.documentId}#/$defs/${value.slice("#/components/schemas/".length)}`;
      } else {
        copy[key] = this.toAjvSchema(value);
      }
    }
    return copy;
  }

  /** Follows a local `$ref` (to a parameter, response, header, request body ...) to its object. */
  private deref(value: unknown, where: string): JsonObject {
    let current = value;
    for (let hops = 0; isObject(current) && typeof current.$ref === "string"; hops++) {
      const ref = current.$ref;
      if (hops > 16 || !ref.startsWith("#/")) throw new Error(`${this.name}: cannot resolve $ref "${ref}" (${where})`);
      current = ref
        .slice(2)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce<unknown>((node, segment) => (isObject(node) ? node[segment] : undefined), this.document);
      if (current === undefined) throw new Error(`${this.name}: $ref "${ref}" points at nothing (${where})`);
    }
    if (!isObject(current)) throw new Error(`${this.name}: expected an object at ${where}`);
    return current;
  }

  /**
   * Turns the string value(s) of a parameter into the type its schema declares. Leaves a string that
   * does not parse as is, so that schema validation reports the type error.
   */
  private coerce(raw: readonly string[], schema: JsonObject, field: string, violations: FieldViolation[]): unknown {
    const resolved = this.resolveSchema(schema);
    if (resolved.type === "array") {
      const items = isObject(resolved.items) ? this.resolveSchema(resolved.items) : {};
      return raw.map((v) => coerceScalar(v, items.type));
    }
    if (raw.length > 1) {
      violations.push({ field, description: "must be given once" });
      return undefined;
    }
    return coerceScalar(raw[0], resolved.type);
  }

  private resolveSchema(schema: JsonObject): JsonObject {
    return typeof schema.$ref === "string" ? this.deref(schema, "schema") : schema;
  }
}

function coerceScalar(value: string, type: unknown): unknown {
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(value) ? Number(value) : value;
    case "number":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    default:
      return value;
  }
}

/** Ajv errors as FieldViolations; `field` builds the field name from the instance's JSON Pointer. */
function toViolations(errors: ErrorObject[] | null | undefined, field: (pointer: string) => string): FieldViolation[] {
  return (errors ?? [])
    .filter((e) => !["allOf", "anyOf", "oneOf", "if"].includes(e.keyword)) // their sub-errors say more
    .map((e) => {
      if (e.keyword === "required") {
        const member = String((e.params as { missingProperty: string }).missingProperty);
        return { field: field(`${e.instancePath}/${escapePointer(member)}`), description: "is required" };
      }
      if (e.keyword === "additionalProperties") {
        const member = String((e.params as { additionalProperty: string }).additionalProperty);
        return { field: field(`${e.instancePath}/${escapePointer(member)}`), description: "is not allowed" };
      }
      return { field: field(e.instancePath), description: e.message ?? `breaks ${e.keyword}` };
    });
}

function dedupe(violations: FieldViolation[]): FieldViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.field}\u0000${v.description}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The schema of the JSON media type (`application/json` or any `+json`) of a content map. */
function jsonMediaSchema(content: unknown): JsonObject | undefined {
  if (!isObject(content)) return undefined;
  const type = Object.keys(content).find((t) => t === "application/json" || t.endsWith("+json"));
  const media = type ? content[type] : undefined;
  return isObject(media) && isObject(media.schema) ? media.schema : undefined;
}

function headerValue(headers: HeaderSource | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `schemas` without `format: map` annotations (Vault's), at any depth. */
function withoutMapFormats<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutMapFormats) as T;
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === "format" && v === "map"))
      .map(([k, v]) => [k, withoutMapFormats(v)]),
  ) as T;
}
