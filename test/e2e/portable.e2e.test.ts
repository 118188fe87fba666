import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ApiKey, ServiceAccount } from "../../src";
import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { createClient } from "../../src/clients/create-client";
import { Project } from "./harness";

/**
 * CI plans in one job and applies in another: the synthesized stack directory is moved to another
 * place (here: another directory, with the package's own checkout out of reach) and applied there.
 */
describe("end to end with terraform: a portable stack directory", () => {
  let project: Project;
  afterAll(async () => project?.close());

  test("apply and destroy work from a moved copy of the stack directory", async () => {
    project = await Project.create("portable");
    const stackDir = project.synth("portable", (stack) => {
      const sa = new ServiceAccount(stack, "ci", { api: project.api(), name: "ci-deployer" });
      new ApiKey(stack, "deploy", { serviceAccount: sa, name: "deploy", store: project.store(), secretPath: "ci/deploy" });
    });

    // Move the stack directory away from the project and remove the original.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-moved-"));
    const moved = path.join(elsewhere, "portable");
    fs.cpSync(stackDir, moved, { recursive: true });
    fs.rmSync(path.join(project.dir, "cdktf.out"), { recursive: true });
    for (const file of Project.files(moved)) {
      expect(fs.readFileSync(file, "latin1")).not.toContain(project.dir);
    }

    // The applying job says where the project's store lives.
    const env = { CDKTF_API_KEYS_PROJECT_DIR: project.dir };
    const applied = await project.apply(moved, env);
    expect(applied.stdout).toMatch(/Resources: 3 added/);
    const payload = await new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) }).readSecret("ci/deploy");
    const client = createClient(project.api().toSpec(), project.emulator.adminToken);
    expect(await client.authenticates(payload.value)).toBe(true);

    await project.destroy(moved, env);
    expect(await client.authenticates(payload.value)).toBe(false);
    expect(Project.files(project.secretsDir)).toEqual([]);
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });
});
