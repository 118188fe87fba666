import * as path from "path";
import type { StoreSpec } from "../spec";
import { AgeFileStore } from "./age-file-store";
import type { SecretStoreBackend } from "./types";

/**
 * Opens the store a spec describes. Relative directories resolve against `projectDir`.
 * `identity` (the private key) is only needed to read age-encrypted secrets. The AWS and Vault stores
 * load on first use: a stack on the age file store never loads the AWS SDK. The Vault token is read from
 * `env[spec.tokenEnv]`.
 */
export function openStore(spec: StoreSpec, projectDir: string, identity?: string, env: NodeJS.ProcessEnv = process.env): SecretStoreBackend {
  switch (spec.kind) {
    case "age-file":
      return new AgeFileStore({ directory: path.resolve(projectDir, spec.directory), recipient: spec.recipient || undefined, identity });
    case "aws-secrets-manager": {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { AwsSecretsManagerStore } = require("./aws-secrets-manager-store") as typeof import("./aws-secrets-manager-store");
      return new AwsSecretsManagerStore({
        region: spec.region,
        namePrefix: spec.namePrefix,
        kmsKeyId: spec.kmsKeyId,
        recoveryWindowDays: spec.recoveryWindowDays,
        endpoint: spec.endpoint,
      });
    }
    case "vault-kv2": {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { VaultKv2Store } = require("./vault-kv2-store") as typeof import("./vault-kv2-store");
      return new VaultKv2Store({ ...spec, token: env[spec.tokenEnv] });
    }
  }
}
