import * as path from "path";
import type { StoreSpec } from "../spec";
import { AgeFileStore } from "./age-file-store";
import type { SecretStoreBackend } from "./types";

/**
 * Opens the store a spec describes. Relative directories resolve against `projectDir`.
 * `identity` (the private key) is only needed to read secrets; the hooks never pass it.
 */
export function openStore(spec: StoreSpec, projectDir: string, identity?: string): SecretStoreBackend {
  switch (spec.kind) {
    case "age-file":
      return new AgeFileStore({ directory: path.resolve(projectDir, spec.directory), recipient: spec.recipient, identity });
  }
}
