import * as fs from "fs";
import * as path from "path";
import { Project } from "./harness";

const repo = path.resolve(__dirname, "../..");

/** The quickstart example through cdktf-cli itself: `cdktf deploy` and `cdktf destroy`. */
describe("end to end with cdktf-cli: the quickstart", () => {
  let project: Project;
  afterAll(async () => project?.close());

  test("cdktf deploy creates the quickstart's keys and cdktf destroy removes them", async () => {
    project = await Project.create("cdktf-cli");
    // A project directory of its own whose app is the built quickstart example.
    fs.writeFileSync(
      path.join(project.dir, "cdktf.json"),
      JSON.stringify({ language: "typescript", app: `node ${path.join(repo, "dist/examples/quickstart/main.js")}`, output: "cdktf.out" }),
    );
    const cdktf = path.join(repo, "node_modules/.bin/cdktf");
    const env = project.env({ FLOWNALLY_URL: project.emulator.url, CI: "1" });

    const deployed = await project.run(cdktf, ["deploy", "--auto-approve"], project.dir, env);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/Apply complete! Resources: 6 added/);
    const active = () => project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active");
    expect(active()).toHaveLength(3);
    expect(Project.files(project.secretsDir).filter((f) => f.endsWith(".age")).map((f) => path.relative(project.secretsDir, f)).sort()).toEqual([
      "billing/prod.age",
      "billing/staging.age",
      "reporting/readonly.age",
    ]);

    const destroyed = await project.run(cdktf, ["destroy", "--auto-approve"], project.dir, env);
    expect(destroyed.code).toBe(0);
    expect(active()).toHaveLength(0);
    expect(Project.files(project.secretsDir)).toEqual([]);
  });
});
