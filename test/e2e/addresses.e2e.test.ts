import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { Project } from "./harness";

/** Terraform wraps long lines: compare with whitespace collapsed. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * A key's Terraform address follows its secret path. States written when it followed the construct
 * path (earlier versions) move over through the synthesized `moved` block: no key is re-minted.
 */
describe("end to end with terraform: key addresses", () => {
  let project: Project;

  beforeAll(async () => {
    project = await Project.create("addresses");
  });
  afterAll(async () => project?.close());

  test("a state whose key sits at the construct-path address moves to the secret-path address, keeping the key", async () => {
    const build = (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "team", { api: project.api(), name: "team" });
      new ApiKey(stack, "prod", { serviceAccount: account, name: "prod", store: project.store(), secretPath: "team/prod" });
    };
    // GIVEN a state written with the construct-path address (the JSON an earlier version synthesized)
    const stackDir = project.synth("addresses", build);
    const file = path.join(stackDir, "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const [{ from, to }] = json.moved as { from: string; to: string }[];
    expect(to).toMatch(/^apikeys_api_key\.key_team_prod_[0-9a-f]{8}$/);
    expect(from).toMatch(/^apikeys_api_key\.prod_resource_[0-9A-F]+$/);
    const keys = json.resource.apikeys_api_key;
    keys[from.split(".")[1]] = keys[to.split(".")[1]];
    delete keys[to.split(".")[1]];
    delete json.moved;
    fs.writeFileSync(file, JSON.stringify(json));
    await project.apply(stackDir);
    const store = new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
    const before = await store.readSecret("team/prod");

    // WHEN this version synthesizes the same app
    project.synth("addresses", build);
    const plan = await project.terraform(stackDir, ["plan", "-input=false"]);

    // THEN the plan moves the key, with nothing to add, change or destroy; the apply keeps the key
    expect(flat(plan.stdout)).toContain(`# ${from} has moved to ${to}`);
    expect(flat(plan.stdout)).toMatch(/Plan: 0 to add, 0 to change, 0 to destroy/);
    await project.apply(stackDir);
    const listed = (await project.ok(project.terraform(stackDir, ["state", "list"]))).stdout;
    expect(listed).toContain(to);
    expect(listed).not.toContain(from);
    expect((await store.readSecret("team/prod")).keyId).toBe(before.keyId);
    await project.destroy(stackDir);
  });
});
