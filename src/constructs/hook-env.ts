import { PROVIDER_ENV } from "../provider-contract";

/** Environment variables the hook program reads (the admin token's variable is named in the spec). */
export const HOOK_ENV = {
  /** The resource's spec as JSON, read back from the resource itself (`self`), so destroy sees it too. */
  spec: "CDKTF_API_KEYS_SPEC",
  /** Relative path from the stack directory to the project directory, computed at synth. */
  projectFromStack: "CDKTF_API_KEYS_PROJECT_FROM_STACK",
  /** Set by the user to override where the project directory is (a stack directory moved elsewhere). */
  projectDir: PROVIDER_ENV.projectDir,
} as const;
