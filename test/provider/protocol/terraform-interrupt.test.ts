/**
 * What happens to a create in flight when Terraform is interrupted (Ctrl-C, CI cancel) or killed:
 * the provider finishes it, and in the second case then exits by itself.
 */
import { isRunning, TerraformWorkspace, waitFor } from "./terraform-workspace";

jest.setTimeout(180_000);

/** A workspace, initialised, whose one thing takes two seconds to create. */
async function slowCreateWorkspace(name: string): Promise<TerraformWorkspace> {
  const tf = new TerraformWorkspace();
  tf.writeConfig({ slow: { name, sleep_ms: 2000 } });
  await tf.expectRun(0, "init", "-input=false");
  return tf;
}

describe("interrupting terraform while a create is in flight", () => {
  let tf: TerraformWorkspace | undefined;
  afterEach(() => tf?.remove());

  test("SIGINT: Terraform calls StopProvider, the create finishes and is saved to state", async () => {
    // GIVEN
    tf = await slowCreateWorkspace("interrupted");
    const workspace = tf;
    const apply = workspace.start(["apply", "-auto-approve", "-input=false"]);
    await waitFor(() => workspace.calls().some((c) => c.op === "create-start"), "the create to start");

    // WHEN
    apply.child.kill("SIGINT");
    const result = await apply.done;

    // THEN
    const calls = workspace.calls();
    expect(calls.map((c) => c.op)).toContain("stop");
    const done = calls.find((c) => c.op === "create-done");
    expect(done).toBeDefined();
    expect(workspace.state()["fixture_thing.slow"]).toMatchObject({ id: done?.id, name: "interrupted" });
    expect(`${result.stdout}${result.stderr}`).toMatch(/Interrupt received/);
  });

  test("Ctrl-C in a terminal (SIGINT to the whole process group): the provider ignores it and still finishes the create", async () => {
    // GIVEN
    tf = await slowCreateWorkspace("ctrl-c");
    const workspace = tf;
    const apply = workspace.start(["apply", "-auto-approve", "-input=false"], { processGroup: true });
    await waitFor(() => workspace.calls().some((c) => c.op === "create-start"), "the create to start");

    // WHEN
    process.kill(-(apply.child.pid as number), "SIGINT");
    await apply.done;

    // THEN
    const done = workspace.calls().find((c) => c.op === "create-done");
    expect(done).toBeDefined();
    expect(workspace.state()["fixture_thing.slow"]).toMatchObject({ id: done?.id, name: "ctrl-c" });
  });

  test("SIGKILL: the orphaned provider finishes the create, then exits by itself", async () => {
    // GIVEN
    tf = await slowCreateWorkspace("orphaned");
    const workspace = tf;
    const apply = workspace.start(["apply", "-auto-approve", "-input=false"]);
    await waitFor(() => workspace.calls().some((c) => c.op === "create-start"), "the create to start");
    const providerPid = workspace.calls().find((c) => c.op === "create-start")?.pid as number;

    // WHEN
    apply.child.kill("SIGKILL");
    await apply.done;

    // THEN: the create completes in the remote store although nobody is left to record it in state
    await waitFor(() => workspace.calls().some((c) => c.op === "create-done"), "the orphaned create to finish");
    const done = workspace.calls().find((c) => c.op === "create-done");
    expect(workspace.remote()[String(done?.id)]).toMatchObject({ name: "orphaned" });
    await waitFor(() => !isRunning(providerPid), `the orphaned provider (pid ${providerPid}) to exit`);
    expect(workspace.state()["fixture_thing.slow"]).toBeUndefined();
  });
});
