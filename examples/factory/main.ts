/**
 * Factory: keys for a service account that already exists (Factory creates service accounts in its web
 * app only), each key's plaintext written into the age-encrypted file store under ./secrets.
 * Needs FACTORY_URL (the demo's emulator, or https://api.factory.ai), FACTORY_TOKEN and
 * FACTORY_SERVICE_ACCOUNT_ID. Run it with `npm run demo -- --api factory`.
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Api, ApiKey, SecretStore, ServiceAccount } from "cdktf-api-keys";

class FactoryStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const serviceAccountId = process.env.FACTORY_SERVICE_ACCOUNT_ID;
    if (!serviceAccountId) throw new Error("Set FACTORY_SERVICE_ACCOUNT_ID to the id of an existing Factory service account.");

    const api = Api.factory({ baseUrl: process.env.FACTORY_URL ?? "https://api.factory.ai", tokenEnv: "FACTORY_TOKEN" });
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: ".keys/recipient.txt" });

    const ci = ServiceAccount.fromId(this, "ci-bot", { api, serviceAccountId });
    new ApiKey(this, "deploy", { serviceAccount: ci, name: "ci-deploy", expiresInDays: 30, store, secretPath: "factory/deploy" });
    new ApiKey(this, "nightly", { serviceAccount: ci, name: "nightly-export", expiresInDays: 90, store, secretPath: "factory/nightly" });
  }
}

const app = new App();
new FactoryStack(app, "factory");
app.synth();
