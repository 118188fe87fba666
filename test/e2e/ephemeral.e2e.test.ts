import * as fs from "fs";
import * as path from "path";
import { TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { TEST_CLOCK_ENV } from "../../src/clock";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { bundleConsumerProvider, CONSUMER, installConsumer } from "./consumer-mirror";
import type { Received } from "./consumer-provider";
import { Project } from "./harness";

jest.setTimeout(300_000);

/** The consumer fixture's `provider` block and its entry in `required_providers`. */
class ConsumerProvider extends TerraformProvider {
  constructor(stack: TerraformStack) {
    super(stack, "consumer", { terraformResourceType: "consumer", terraformProviderSource: CONSUMER.source, terraformGeneratorMetadata: { providerName: "consumer", providerVersion: CONSUMER.version } });
  }
}

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * The key's value reaching another provider's write-only argument through `apiKey.secretValue()` (an
 * `ephemeral "apikeys_secret"` block) with `apiKey.generation` as its version, under real terraform
 * 1.11. The other provider is the consumer fixture (consumer-provider.ts), which records what it got.
 */
describe("end to end with terraform: the key's value in a write-only argument of another provider", () => {
  let project: Project;
  let stackDir: string;
  let bundle: string;
  let receivedFile: string;
  const identity = { CDKTF_API_KEYS_IDENTITY: ".keys/identity.txt" };

  const synth = () => {
    stackDir = project.synth("consumer", (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc" });
      const key = new ApiKey(stack, "key", { serviceAccount: account, name: "svc-key", store: project.store(), secretPath: "svc/key", rotateEveryDays: 30 });
      new ConsumerProvider(stack);
      const secret = new TerraformResource(stack, "secret", { terraformResourceType: "consumer_secret" });
      secret.addOverride("name", "svc-key");
      secret.addOverride("record_file", receivedFile);
      secret.addOverride("value_wo", key.secretValue(stack));
      secret.addOverride("value_wo_version", key.generation);
    });
    installConsumer(stackDir, bundle);
    return stackDir;
  };
  const received = (): Received[] =>
    fs.existsSync(receivedFile) ? fs.readFileSync(receivedFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Received) : [];
  const stored = () => project.reader().readSecret("svc/key");
  const state = async () => JSON.parse((await project.ok(project.terraform(stackDir, ["show", "-json"], identity))).stdout);
  const resourceOf = (shown: { values?: { root_module?: { resources?: { type: string; values: Record<string, unknown> }[] } } }, type: string) =>
    shown.values?.root_module?.resources?.find((r) => r.type === type)?.values;
  const plan = (args: string[] = [], env: Record<string, string> = identity) => project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false", ...args], env);

  beforeAll(async () => {
    project = await Project.create("ephemeral");
    bundle = path.join(project.dir, "consumer-provider.cjs");
    bundleConsumerProvider(bundle);
    receivedFile = path.join(project.dir, "received.jsonl");
  });
  afterAll(async () => project?.close());

  test("apply: the consumer receives the stored value through its write-only argument, with generation 1, in the apply that mints the key", async () => {
    // WHEN
    const apply = await project.apply(synth(), identity);

    // THEN
    // the account, the key, the consumer and the stack identity
    expect(apply.stdout).toMatch(/Resources: 4 added, 0 changed, 0 destroyed/);
    const value = (await stored()).value;
    expect(received()).toEqual([{ op: "create", id: expect.any(String), value, version: 1 }]);
    const shown = await state();
    expect(resourceOf(shown, "apikeys_api_key")).toMatchObject({ generation: 1, status: "active" });
    expect(resourceOf(shown, "consumer_secret")).toMatchObject({ value_wo: null, value_wo_version: 1 });
  });

  test("a second plan is empty: the value is opened at plan time, and a write-only argument never shows a change", async () => {
    const second = await plan();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/No changes/);
    expect(flat(second.stdout)).toMatch(/ephemeral\.apikeys_secret\.\S+: Opening\.\.\./);
  });

  test("state, plan JSON, cdktf.out and terraform's output hold neither the value nor the admin token", async () => {
    await project.ok(project.terraform(stackDir, ["plan", "-input=false", "-out=tfplan"], identity));
    const planJson = await project.ok(project.terraform(stackDir, ["show", "-json", "tfplan"], identity));
    expect(JSON.parse(planJson.stdout).resource_changes.length).toBeGreaterThan(0);
    const value = (await stored()).value;
    project.expectNoSecretsOutsideStore(stackDir, [value]);
    fs.rmSync(path.join(stackDir, "tfplan"));
  });

  test("rotation: generation goes to 2 and the consumer receives the new value in the same apply; the next plan is empty", async () => {
    // GIVEN
    const old = await stored();

    // WHEN
    const apply = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], { ...identity, [TEST_CLOCK_ENV]: "+31d" }));

    // THEN
    expect(apply.stdout).toMatch(/Resources: 1 added, 1 changed, 1 destroyed/);
    const now = await stored();
    expect(now.keyId).not.toBe(old.keyId);
    expect(received().slice(1)).toEqual([{ op: "update", id: received()[0].id, value: now.value, version: 2 }]);
    expect(resourceOf(await state(), "apikeys_api_key")).toMatchObject({ id: now.keyId, generation: 2 });
    expect((await plan()).code).toBe(0);
    project.expectNoSecretsOutsideStore(stackDir, [old.value, now.value]);
  });

  test("without the identity, opening fails and says to set CDKTF_API_KEYS_IDENTITY", async () => {
    const result = await plan([], {});
    expect(result.code).toBe(1);
    expect(flat(result.stderr)).toMatch(/Cannot open the secret at secretPath "svc\/key" \(apikeys_secret\)/);
    expect(flat(result.stderr)).toMatch(/needs the identity that decrypts the age file store: set CDKTF_API_KEYS_IDENTITY to the identity file/);
  });

  test("a secret holding another key than the one in state: opening fails and names both keys", async () => {
    const current = await stored();
    const reader = project.reader();
    const recipient = fs.readFileSync(path.join(project.dir, ".keys/recipient.txt"), "utf8").trim().split("\n").pop()!;
    await new AgeFileStore({ directory: project.secretsDir, recipient }).writeSecret("svc/key", { ...current, keyId: "key_someone_else", value: "not-the-key" });
    try {
      // A refresh sees the foreign value (secret_changed) and plans a new key, so the open waits for it;
      // without one, the open meets the foreign value itself.
      const refreshed = await plan();
      expect(refreshed.code).toBe(2);
      expect(flat(refreshed.stdout)).toMatch(/"secret_changed" -> "active" # forces replacement/);
      const result = await plan(["-refresh=false"]);
      expect(result.code).toBe(1);
      expect(flat(result.stderr)).toMatch(new RegExp(`holds key key_someone_else at this path, not key ${current.keyId}, the key in state`));
    } finally {
      await new AgeFileStore({ directory: project.secretsDir, recipient }).writeSecret("svc/key", current);
    }
    expect((await reader.readSecret("svc/key")).keyId).toBe(current.keyId);
  });

  test("a deleted secret: open fails with a clear message; apply with its refresh mints a new key, generation 3, and re-sends", async () => {
    // GIVEN
    fs.rmSync(path.join(project.secretsDir, "svc", "key.age"));

    // WHEN the refresh is skipped, the key in state is opened
    const stale = await plan(["-refresh=false"]);

    // THEN
    expect(stale.code).toBe(1);
    expect(flat(stale.stderr)).toMatch(/Cannot open the secret at secretPath "svc\/key" \(apikeys_secret\)/);
    expect(flat(stale.stderr)).toMatch(/no secret at secretPath "svc\/key" in store directory .*secrets/);
    expect(flat(stale.stderr)).toMatch(/reports key \S+ as secret_missing: `terraform apply` \(with its refresh\) mints a new key/);

    // WHEN applied with the refresh
    const apply = await project.ok(project.terraform(stackDir, ["apply", "-auto-approve", "-input=false"], identity));

    // THEN
    expect(apply.stdout).toMatch(/Resources: 1 added, 1 changed, 1 destroyed/);
    const now = await stored();
    expect(received().pop()).toEqual({ op: "update", id: received()[0].id, value: now.value, version: 3 });
    expect((await plan()).code).toBe(0);
  });
});
