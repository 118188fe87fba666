/**
 * The provider executable's entry point. Terraform starts it (from the stack's implied local mirror,
 * `terraform.d/plugins/...`) and talks to it over gRPC; bundled into one CommonJS file.
 */
import { serve } from "./protocol/serve";
import { createProvider } from "./provider";

serve(createProvider()).catch((e: Error) => {
  process.stderr.write(`cdktf-api-keys provider: ${e.message}\n`);
  process.exitCode = 1;
});
