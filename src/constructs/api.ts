import type { ApiKind, ApiSpec } from "../spec";
import { invalidProp } from "./errors";

/** Where a Flownally-shaped API lives and how the hooks authenticate to it. */
export interface FlownallyApiProps {
  /** Base URL of the API, e.g. `https://api.flownally.example`. May carry a path prefix. */
  readonly baseUrl: string;
  /**
   * Name of the environment variable that holds the admin token when Terraform runs the hooks.
   * Only the name is synthesized; the token never appears in Terraform config, state or plan.
   */
  readonly tokenEnv: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A key-management API the constructs provision against. Create one with a static factory. */
export class Api {
  /** The Flownally API: service accounts and API keys with the full lifecycle. */
  public static flownally(props: FlownallyApiProps): Api {
    return new Api("flownally", props);
  }

  public readonly kind: ApiKind;
  public readonly baseUrl: string;
  public readonly tokenEnv: string;

  private constructor(kind: ApiKind, props: FlownallyApiProps) {
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
  }

  /** The non-secret spec the hooks receive. */
  public toSpec(): ApiSpec {
    return { kind: this.kind, baseUrl: this.baseUrl, tokenEnv: this.tokenEnv };
  }

  /** True when both describe the same API endpoint and credentials variable. */
  public sameAs(other: Api): boolean {
    return this.kind === other.kind && this.baseUrl === other.baseUrl && this.tokenEnv === other.tokenEnv;
  }
}
