import type { ApiKind, ApiSpec } from "../spec";
import { invalidProp } from "./errors";

/** Where an API lives and how the hooks authenticate to it. */
export interface ApiProps {
  /** Base URL of the API, e.g. `https://api.flownally.example`. May carry a path prefix. */
  readonly baseUrl: string;
  /**
   * Name of the environment variable that holds the admin token when Terraform runs the hooks.
   * Only the name is synthesized; the token never appears in Terraform config, state or plan.
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
export interface ApiCapabilities {
  /** Service accounts can be created (and deleted) through the API. */
  readonly createsServiceAccounts: boolean;
  /** Accounts carry roles, which their keys inherit (required when creating one). */
  readonly accountRoles: boolean;
  /** Accounts carry a description. */
  readonly accountDescription: boolean;
  /** Keys carry scopes of their own. */
  readonly keyScopes: boolean;
  /** Keys have a type (`private_key` / `publishable_key`). */
  readonly keyTypes: boolean;
}

const CAPABILITIES: { readonly [kind in ApiKind]: ApiCapabilities } = {
  flownally: { createsServiceAccounts: true, accountRoles: false, accountDescription: true, keyScopes: true, keyTypes: false },
  factory: { createsServiceAccounts: false, accountRoles: false, accountDescription: false, keyScopes: false, keyTypes: false },
  flexprice: { createsServiceAccounts: true, accountRoles: true, accountDescription: false, keyScopes: false, keyTypes: true },
};

const DISPLAY_NAMES: { readonly [kind in ApiKind]: string } = { flownally: "Flownally", factory: "Factory", flexprice: "Flexprice" };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
      throw invalidProp(where, "baseUrl", props.baseUrl, "must not carry credentials or a query string: pass the token through `tokenEnv`");
    }
    if (!ENV_NAME.test(props.tokenEnv ?? "")) {
      throw invalidProp(
        where,
        "tokenEnv",
        props.tokenEnv,
        "must be the NAME of an environment variable (letters, digits, underscores), e.g. FLOWNALLY_TOKEN, never the token itself",
      );
    }
    this.kind = kind;
    this.baseUrl = props.baseUrl;
    this.tokenEnv = props.tokenEnv;
    this.environmentId = props.environmentId;
  }

  /** What this API can do. */
  public get capabilities(): ApiCapabilities {
    return CAPABILITIES[this.kind];
  }

  /** The vendor's name, for messages. */
  public get displayName(): string {
    return DISPLAY_NAMES[this.kind];
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

  /** True when both describe the same API endpoint and credentials variable. */
  public sameAs(other: Api): boolean {
    return this.kind === other.kind && this.baseUrl === other.baseUrl && this.tokenEnv === other.tokenEnv && this.environmentId === other.environmentId;
  }
}
