/**
 * `apikeys_secret`, an ephemeral resource (Terraform >= 1.10): opens the value an `apikeys_api_key`
 * stored, at plan and apply time, for another provider's write-only argument (`*_wo`). Terraform keeps
 * the result in memory for the run: never in the plan, the state or the output. The key's life cycle
 * stays with `apikeys_api_key`; this only reads its secret.
 *
 * Terraform opens it only once its configuration is known: with `key_id` set to the key's id, that is
 * after the key is minted (a create or a rotation opens at apply, an unchanged key at plan too).
 */
import { EPHEMERAL_TYPES, PROVIDER_ENV } from "../../provider-contract";
import { describeStore } from "../../spec";
import { validateSecretPath } from "../../stores/secret-path";
import type { ProviderContext } from "../provider-context";
import type { Diagnostic, EphemeralResourceHandler, OpenResponse, Schema, TfObject } from "../protocol/types";
import { AttributeError, isKnown, optStr, storeOf, str } from "./values";

const schema: Schema = {
  version: 0,
  description: "The value of an API key stored by apikeys_api_key, opened at plan and apply time for a write-only argument; never stored in plan or state.",
  attributes: {
    store: { type: ["map", "string"], required: true, description: "The secret store, as on the apikeys_api_key: `kind` and its location fields." },
    secret_path: { type: "string", required: true, description: "Where in the store the key's value is." },
    key_id: {
      type: "string",
      optional: true,
      computed: true,
      description: "The key the secret must hold (the apikeys_api_key's `id`): opening fails if it holds another. Without it, whatever key is stored.",
    },
    value: { type: "string", computed: true, sensitive: true, description: "The key's value (the plaintext). Use it only in write-only arguments (`*_wo`)." },
    created_at: { type: "string", computed: true, description: "When the stored key was minted (RFC 3339)." },
    expires_at: { type: "string", computed: true, description: "When the stored key expires (RFC 3339), or null if never." },
  },
};

export function secretEphemeral(ctx: ProviderContext): EphemeralResourceHandler {
  return {
    schema,

    validate(config: TfObject): Diagnostic[] {
      const problems: Diagnostic[] = [];
      try {
        if (isKnown(config.store) && config.store !== null) storeOf(config);
      } catch (e) {
        problems.push({ severity: "error", summary: (e as Error).message, attribute: [e instanceof AttributeError ? e.attribute : "store"] });
      }
      if (typeof config.secret_path === "string") {
        const problem = validateSecretPath(config.secret_path);
        if (problem !== undefined) problems.push({ severity: "error", summary: `\`secret_path\`: ${problem}`, attribute: ["secret_path"] });
      }
      return problems;
    },

    async open(config: TfObject): Promise<OpenResponse> {
      const store = storeOf(config);
      const secretPath = str(config, "secret_path");
      const expected = optStr(config, "key_id");
      const summary = `Cannot open the secret at secretPath "${secretPath}" (${EPHEMERAL_TYPES.secret})`;
      let payload;
      try {
        payload = await ctx.reader(store, secretPath).readSecret(secretPath);
      } catch (e) {
        return { result: null, diagnostics: [{ severity: "error", summary, detail: openFailure((e as Error).message, expected), attribute: ["secret_path"] }] };
      }
      if (expected !== undefined && payload.keyId !== expected) {
        const detail =
          `The store ${describeStore(store)} holds key ${payload.keyId} at this path, not key ${expected}, the key in state. ` +
          "Something wrote the path since the key was minted (another apply, a restored backup, a hand edit). Run `terraform apply` " +
          "with a refresh: if the path's record no longer names the key, the plan replaces it and stores a new one. The value was not used.";
        return { result: null, diagnostics: [{ severity: "error", summary, detail, attribute: ["key_id"] }] };
      }
      return {
        result: { ...config, key_id: payload.keyId, value: payload.value, created_at: payload.createdAt, expires_at: payload.expiresAt },
      };
    },
  };
}

/** The store's own message (it names the store and the path), and what to do about the usual cases. */
function openFailure(message: string, expected: string | undefined): string {
  if (message.startsWith("no secret at secretPath")) {
    const key = expected ? `key ${expected}` : "the key";
    return `${message} A refresh reports ${key} as secret_missing: \`terraform apply\` (with its refresh) mints a new key and stores it before anything opens its value.`;
  }
  if (message.includes(PROVIDER_ENV.identity) || message.includes("cannot decrypt")) return message;
  return `${message} The provider reads the secret with the credentials of the store (the AWS SDK's for Secrets Manager, the token in the store's tokenEnv for Vault).`;
}
