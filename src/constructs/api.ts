import { API_CAPABILITIES, type ApiCapabilities } from "../apis";
import type { ApiKind, ApiSpec } from "../spec";

export type { ApiCapabilities } from "../apis";
import { invalidProp, tokenEnvNotAName } from "./errors";
import { tokenEnvProblem } from "./validate";

/** Where an API lives and how the hooks authenticate to it. */
export interface ApiProps {
  /**
   * Base URL of the API, e.g. `https://api.flownally.example`. May carry a path prefix. Normalized as
   * the URL standard does (scheme and host lowercased, default port dropped) and without trailing `/`,
   * so `https://X.example/api/` and `https://x.example/api` are the same API.
   */
  readonly baseUrl: string;
  /**
   * Name of the environment variable that holds the admin token when Terraform runs the hooks.
   * Only the name is synthesized; the token never appears in Terraform config, state or plan.
   * A value that is not a plausible variable name, or looks like a token itself, is refused without
   * being echoed (see `tokenEnvProblem`).
   */
  readonly tokenEnv: string;
}

export type FlownallyApiProps = ApiProps;

export type FactoryApiProps = ApiProps;

export interface FlexpriceApiProps extends ApiProps {
  /**
   * Flexprice environment to work in, sent as `X-Environment-ID`.
   * @default - the environment of the token
   */
  readonly environmentId?: string;
}

/** What an API can do; the constructs refuse at synth what it cannot, saying what to do instead. */
/** A key-management API the constructs provision against. Create one with a static factory. */
export class Api {
  /** The Flownally API: service accounts and API keys with the full lifecycle, keys with scopes. */
  public static flownally(props: ApiProps): Api {
    return new Api("flownally", props);
  }

  /**
   * The Factory API: keys for service accounts that exist already (Factory creates accounts in its
   * web app only: reference them with `ServiceAccount.fromId`). Keys have no scopes.
   */
  public static factory(props: FactoryApiProps): Api {
    return new Api("factory", props);
  }

  /**
   * The Flexprice API: service accounts are users of type `service_account` with roles, which their
   * keys inherit at creation; keys are `private_key` or `publishable_key`.
   */
  public static flexprice(props: FlexpriceApiProps): Api {
    const api = new Api("flexprice", props);
    if (props.environmentId !== undefined && !/^\S{1,128}$/.test(props.environmentId)) {
      throw invalidProp("Api.flexprice", "environmentId", props.environmentId, "must be a Flexprice environment id without spaces");
    }
    return api;
  }

  public readonly kind: ApiKind;
  public readonly baseUrl: string;
  public readonly tokenEnv: string;
  public readonly environmentId?: string;

  private constructor(kind: ApiKind, props: FlexpriceApiProps) {
    const where = `Api.${kind}`;
    let url: URL;
    try {
      url = new URL(props.baseUrl);
    } catch {
      throw invalidProp(where, "baseUrl", props.baseUrl, "must be an absolute http(s) URL such as https://api.example.com");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw invalidProp(where, "baseUrl", props.baseUrl, "must use http or https");
    }
    if (url.username || url.password || url.search) {
      // Shown without the credentials and the query, which may hold a token.
      const shown = `${url.protocol}//${url.username || url.password ? "***@" : ""}${url.host}${url.pathname}${url.search ? "?***" : ""}`;
      throw invalidProp(where, "baseUrl", shown, "must not carry credentials or a query string: pass the token through `tokenEnv`");
    }
    if (url.hash) {
      throw invalidProp(where, "baseUrl", props.baseUrl, "must not carry a fragment (`#...`): give the API's base URL only");
    }
    const problem = tokenEnvProblem(props.tokenEnv);
    if (problem !== undefined) throw tokenEnvNotAName(where, problem); // never echoes the value: it may be a token
    this.kind = kind;
    this.baseUrl = normalizeBaseUrl(url);
    this.tokenEnv = props.tokenEnv;
    this.environmentId = props.environmentId;
  }

  /** What this API can do. */
  public get capabilities(): ApiCapabilities {
    return API_CAPABILITIES[this.kind];
  }

  /** The vendor's name, for messages. */
  public get displayName(): string {
    return API_CAPABILITIES[this.kind].displayName;
  }

  /** The non-secret spec the hooks receive. */
  public toSpec(): ApiSpec {
    return {
      kind: this.kind,
      baseUrl: this.baseUrl,
      tokenEnv: this.tokenEnv,
      ...(this.environmentId !== undefined ? { environmentId: this.environmentId } : {}),
    };
  }

  /** True when both describe the same API endpoint (after normalizing `baseUrl`) and credentials variable. */
  public sameAs(other: Api): boolean {
    return this.kind === other.kind && this.baseUrl === other.baseUrl && this.tokenEnv === other.tokenEnv && this.environmentId === other.environmentId;
  }
}

/**
 * The canonical form of a base URL: scheme and host as the URL standard serializes them (lowercase,
 * punycode, no default port), the path prefix kept, trailing slashes dropped. The clients join paths
 * to it with one `/` (src/clients/http.ts normalizes the same way).
 */
function normalizeBaseUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
