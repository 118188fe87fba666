/**
 * Quick start: two service accounts and three API keys in the Flownally API, each key's plaintext
 * written into the age-encrypted file store under ./secrets. Run from the repository root:
 *   npx cdktf deploy    (or: npx cdktf synth && cd cdktf.out/stacks/quickstart && terraform init && terraform apply)
 * with FLOWNALLY_URL pointing at the API (the demo starts the local emulator) and FLOWNALLY_TOKEN set.
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Api, ApiKey, SecretStore, ServiceAccount } from "cdktf-api-keys";

class QuickstartStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    const api = Api.flownally({
      baseUrl: process.env.FLOWNALLY_URL ?? "https://api.flownally.example",
      tokenEnv: "FLOWNALLY_TOKEN",
    });
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });

    const billing = new ServiceAccount(this, "billing", { api, name: "billing-sync", description: "Nightly export" });
    new ApiKey(this, "billing-prod", {
      serviceAccount: billing,
      name: "billing-sync-prod",
      expiresInDays: 90,
      scopes: ["invoices:read"],
      store,
      secretPath: "billing/prod",
    });
    new ApiKey(this, "billing-staging", {
      serviceAccount: billing,
      name: "billing-sync-staging",
      expiresInDays: 30,
      scopes: ["invoices:read"],
      store,
      secretPath: "billing/staging",
    });

    const reporting = new ServiceAccount(this, "reporting", { api, name: "reporting", description: "Dashboards" });
    new ApiKey(this, "reporting-readonly", {
      serviceAccount: reporting,
      name: "reporting-readonly",
      scopes: ["reports:read"],
      store,
      secretPath: "reporting/readonly",
    });
  }
}

const app = new App();
new QuickstartStack(app, "quickstart");
app.synth();
