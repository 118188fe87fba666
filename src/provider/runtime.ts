/**
 * What the provider needs only once it works on a resource: the API clients (axios) and the stores
 * (age, and through them the AWS store). Bundled into a file of its own beside the provider
 * (`provider-runtime.cjs`) and loaded on first use, so a start that never touches a resource (Terraform
 * starts the provider four times per apply) does not parse it.
 */
export { createClient } from "../clients/create-client";
export { openStore } from "../stores/open-store";
export { readIdentity } from "../stores/age-identity";
