import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { ApiKey, ServiceAccount } from "../../src";
import { Project } from "./harness";

const flat = (text: string) => text.replace(/\s+/g, " ");

/**
 * The stack identity arriving in a stack applied by an earlier version (no `apikeys_stack`, records
 * without an owner), with the real terraform binary: one apply creates the identity and writes it into
 * every record in place, minting and revoking nothing.
 */
describe("end to end with terraform: the stack identity on an upgrade", () => {
  let project: Project;
  afterAll(async () => project?.close());

  test("a state and records of an earlier version: the identity is created, the keys and the account are updated in place, nothing is minted", async () => {
    project = await Project.create("ownership-upgrade");
    const stackDir = project.synth("upgrade", (stack: TerraformStack) => {
      const account = new ServiceAccount(stack, "svc", { api: project.api(), name: "svc-upgrade" });
      for (const name of ["a", "b"]) new ApiKey(stack, name, { serviceAccount: account, name, store: project.store(), secretPath: `upgrade/${name}` });
    });
    await project.apply(stackDir);
    const keys = await project.stateKeyIds(stackDir);
    // What an earlier version left: no identity in state, no owner in the store's records.
    await project.ok(project.terraform(stackDir, ["state", "rm", "apikeys_stack.stack_identity"]));
    const recordFiles = Project.files(project.secretsDir).filter((f) => f.endsWith(".json") && !f.includes("/."));
    const accountFiles = Project.files(project.secretsDir).filter((f) => f.includes(".accounts/"));
    expect(recordFiles.length).toBe(2);
    expect(accountFiles.length).toBe(1);
    for (const file of [...recordFiles, ...accountFiles]) {
      const full = path.resolve(project.secretsDir, file);
      const record = JSON.parse(fs.readFileSync(full, "utf8"));
      expect(record.owner).toMatch(/^stk_/);
      delete record.owner;
      delete record.specHash;
      fs.writeFileSync(full, JSON.stringify(record, null, 2));
    }

    const plan = await project.terraform(stackDir, ["plan", "-input=false"]);
    expect(flat(plan.stdout)).toMatch(/Plan: 1 to add, 3 to change, 0 to destroy/);
    await project.apply(stackDir);
    const identity = JSON.parse(fs.readFileSync(path.join(stackDir, "terraform.tfstate"), "utf8")).resources.find((r: { type: string }) => r.type === "apikeys_stack").instances[0].attributes.id;
    for (const name of ["a", "b"]) expect(await project.reader().readKeyRecord(`upgrade/${name}`)).toMatchObject({ owner: identity });
    expect(JSON.parse(fs.readFileSync(path.resolve(project.secretsDir, accountFiles[0]), "utf8"))).toMatchObject({ owner: identity, specHash: expect.stringMatching(/^sha256:/) });
    expect(await project.stateKeyIds(stackDir)).toEqual(keys);
    expect(project.activeKeyIds()).toEqual(keys);
    expect((await project.terraform(stackDir, ["plan", "-detailed-exitcode", "-input=false"])).code).toBe(0);
    await project.destroy(stackDir);
    expect(project.activeKeyIds()).toEqual([]);
  });
});
