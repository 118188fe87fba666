import { Testing, TerraformLocal, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { fixture, withLocals } from "./fixtures";

/** A consumer resource of another provider, with the arguments given (as the JSON names them). */
function consumer(stack: TerraformStack, id: string, type: string, attributes: Record<string, unknown>): TerraformResource {
  const resource = new TerraformResource(stack, id, { terraformResourceType: type });
  for (const [name, value] of Object.entries(attributes)) resource.addOverride(name, value);
  return resource;
}

describe("ApiKey.secretValue and ApiKey.generation", () => {
  const keyIn = (engine?: "hooks") => {
    const f = fixture();
    const account = new ServiceAccount(f.stack, "svc", { api: f.api, name: "svc", engine });
    const key = new ApiKey(f.stack, "key", { serviceAccount: account, name: "svc-key", store: f.store, secretPath: "svc/key" });
    return { ...f, key };
  };

  test("declares one ephemeral apikeys_secret block for the key, and the consumer's write-only argument refers to its value", () => {
    // GIVEN
    const { stack, key } = keyIn();

    // WHEN
    consumer(stack, "param", "aws_ssm_parameter", { name: "/svc/key", type: "SecureString", value_wo: key.secretValue(stack), value_wo_version: key.generation });
    consumer(stack, "k8s", "kubernetes_secret_v1", { data_wo: { token: key.secretValue(stack) }, data_wo_revision: key.generation });

    // THEN
    const json = JSON.parse(Testing.synth(stack, true));
    const [keyName] = Object.keys(json.resource.apikeys_api_key);
    expect(Object.keys(json.ephemeral.apikeys_secret)).toEqual([keyName]);
    const block = withLocals(json, json.ephemeral.apikeys_secret[keyName]);
    expect(block).toEqual({ store: expect.objectContaining({ kind: "age-file", directory: "secrets" }), secret_path: "svc/key", key_id: `\${apikeys_api_key.${keyName}.id}` });
    expect(json.resource.aws_ssm_parameter.param).toMatchObject({ value_wo: `\${ephemeral.apikeys_secret.${keyName}.value}`, value_wo_version: `\${apikeys_api_key.${keyName}.generation}` });
    expect(json.resource.kubernetes_secret_v1.k8s.data_wo).toEqual({ token: `\${ephemeral.apikeys_secret.${keyName}.value}` });
  });

  test("a local derived from the value may feed a write-only argument", () => {
    const { stack, key } = keyIn();
    const local = new TerraformLocal(stack, "payload", { token: key.secretValue() });
    consumer(stack, "vault", "vault_kv_secret_v2", { mount: "kv", name: "svc", data_json_wo: `\${jsonencode(${local.fqn})}`, data_json_wo_version: key.generation });
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  test.each([
    ["a resource argument that is not write-only", (stack: TerraformStack, value: string) => consumer(stack, "param", "aws_ssm_parameter", { value }), 'argument "value" of resource aws_ssm_parameter.param'],
    ["an output", (stack: TerraformStack, value: string) => new TerraformOutput(stack, "leak", { value, sensitive: true }), 'output "leak"'],
    [
      "a local used in a resource argument that is not write-only",
      (stack: TerraformStack, value: string) => consumer(stack, "data", "terraform_data", { input: new TerraformLocal(stack, "copy", value).fqn }),
      'argument "input" of resource terraform_data.data',
    ],
  ])("synth refuses the value in %s, naming the place and the fix", (_what, use, place) => {
    const { stack, key } = keyIn();
    use(stack, key.secretValue());
    expect(() => Testing.synth(stack, true)).toThrow(
      new RegExp(`ApiKey test/key: its secretValue\\(\\) is used in ${place.replace(/[.()]/g, "\\$&")}, where Terraform refuses an ephemeral value.*named \`\\*_wo\``),
    );
  });

  test("secretValue(scope) in another stack declares the block and the provider there; only the key's id crosses stacks", () => {
    // GIVEN
    const { app, stack, key } = keyIn();
    const platform = new TerraformStack(app, "platform");

    // WHEN
    consumer(platform, "param", "aws_ssm_parameter", { value_wo: key.secretValue(platform), value_wo_version: key.generation });
    app.synth();

    // THEN
    const json = JSON.parse(Testing.synth(platform, true));
    const [name] = Object.keys(json.ephemeral.apikeys_secret);
    expect(json.provider.apikeys).toBeDefined();
    expect(json.resource.aws_ssm_parameter.param.value_wo).toBe(`\${ephemeral.apikeys_secret.${name}.value}`);
    expect(json.ephemeral.apikeys_secret[name].key_id).toMatch(/^\$\{data\.terraform_remote_state\.\S+\.outputs\.\S+\}$/);
    const origin = JSON.parse(Testing.synth(stack, true));
    expect(Object.values(origin.output ?? {}).map((o: any) => o.value)).toContain(`\${apikeys_api_key.${name}.id}`);
    expect(JSON.stringify(origin)).not.toMatch(/ephemeral\.apikeys_secret/);
  });

  test("the token carried to another stack would become a cross-stack output: synth refuses it and names secretValue(scope)", () => {
    const { app, key } = keyIn();
    const platform = new TerraformStack(app, "platform");
    consumer(platform, "param", "aws_ssm_parameter", { value_wo: key.secretValue() });
    expect(() => app.synth()).toThrow(/its secretValue\(\) is used in output "cross-stack-output-ephemeralapikeys_secret[^"]*".*call secretValue\(scope\) with a scope in that stack/s);
  });

  test("the hooks engine cannot offer the value or the generation: the error names the fix", () => {
    const { key } = keyIn("hooks");
    expect(() => key.secretValue()).toThrow(/ApiKey test\/key: `secretValue\(\)` needs the provider engine.*Remove `engine: "hooks"`/);
    expect(() => key.generation).toThrow(/`generation` is known only on the provider engine/);
  });
});
