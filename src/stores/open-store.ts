import * as path from "path";
import type { StoreSpec } from "../spec";
import { AgeFileStore } from "./age-file-store";
import type { SecretStoreBackend } from "./types";

/**
 * Opens the store a spec describes. Relative directories resolve against `projectDir`.
 * `identity` (the private key) is only needed to read age-encrypted secrets. The AWS store loads on
 * first use: a stack on the age file store never loads the AWS SDK.
 */
export function openStore(spec: StoreSpec, projectDir: string, identity?: string): SecretStoreBackend {
  switch (spec.kind) {
    case "age-file":
      return new AgeFileStore({ directory: path.resolve(projectDir, spec.directory), recipient: spec.recipient, identity });
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
  }
}
