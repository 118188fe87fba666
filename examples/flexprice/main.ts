/**
 * Flexprice: service accounts are users of type service_account with roles, which their keys inherit;
 * keys are private (server-side) or publishable (client-side). Each key's plaintext goes into the
 * age-encrypted file store under ./secrets. Needs FLEXPRICE_URL (the demo's emulator, or
 * https://api.cloud.flexprice.io/v1) and FLEXPRICE_TOKEN. Run it with `npm run demo -- --api flexprice`.
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Api, ApiKey, SecretStore, ServiceAccount } from "cdktf-api-keys";

class FlexpriceStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const api = Api.flexprice({ baseUrl: process.env.FLEXPRICE_URL ?? "https://api.cloud.flexprice.io/v1", tokenEnv: "FLEXPRICE_TOKEN" });
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });

    const ingest = new ServiceAccount(this, "ingest", { api, name: "event-ingest", roles: ["event_ingestor"] });
    new ApiKey(this, "ingest-server", { serviceAccount: ingest, name: "ingest-server", expiresInDays: 90, store, secretPath: "flexprice/ingest-server" });
    new ApiKey(this, "ingest-browser", { serviceAccount: ingest, name: "ingest-browser", type: "publishable_key", store, secretPath: "flexprice/ingest-browser" });

    const analytics = new ServiceAccount(this, "analytics", { api, name: "analytics", roles: ["event_reader"] });
    new ApiKey(this, "dashboard", { serviceAccount: analytics, name: "dashboard", expiresInDays: 30, store, secretPath: "flexprice/dashboard" });
  }
}

const app = new App();
new FlexpriceStack(app, "flexprice");
app.synth();
