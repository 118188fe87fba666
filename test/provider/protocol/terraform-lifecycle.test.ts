/**
 * The protocol layer driven by the real terraform binary: the fixture provider, bundled with esbuild
 * into the working directory's implied local mirror, goes through init, create, a no-op plan, an
 * in-place update, a replacement, a delete of a removed block, import, and destroy.
 */
import { spawnSync } from "node:child_process";
import type { CallRecord } from "./fixture-provider";
import { isRunning, TerraformWorkspace } from "./terraform-workspace";

jest.setTimeout(300_000);

const ops = (calls: CallRecord[], ...names: string[]) => calls.filter((c) => names.includes(c.op));

describe("a provider served by the protocol layer, driven by terraform", () => {
  let tf: TerraformWorkspace;
  beforeAll(() => (tf = new TerraformWorkspace()));
  afterAll(() => tf.remove());

  test("the bundled executable run by hand says it is a plugin and exits 1", () => {
    const result = spawnSync(tf.pluginPath, [], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/This program is a Terraform provider plugin: Terraform starts it/);
    expect(result.stdout).toBe("");
  });

  test("init installs it from the implied local mirror", async () => {
    tf.writeConfig({});
    const init = await tf.expectRun(0, "init", "-input=false");
    expect(init.stdout).toMatch(/Installing example\.local\/test\/fixture v0\.1\.0/);
  });

  test("apply creates; Terraform sends the configuration with unknown id, lists, maps and numbers intact", async () => {
    // GIVEN
    tf.writeConfig({
      a: { name: "alpha", note: "one", tags: { team: "core" }, ports: [80, 8443] },
      b: { name: "beta" },
    });

    // WHEN
    await tf.expectRun(0, "apply", "-auto-approve", "-input=false");

    // THEN
    const creates = ops(tf.calls(), "create-start");
    const alpha = creates.find((c) => (c.planned as { name: string }).name === "alpha");
    expect(alpha?.planned).toEqual({ id: "<unknown>", name: "alpha", note: "one", sleep_ms: null, tags: { team: "core" }, ports: [80, 8443] });
    expect(ops(tf.calls(), "configure")[0].config).toEqual({ label: "from-config" });
    const state = tf.state();
    expect(state["fixture_thing.a"]).toMatchObject({ name: "alpha", note: "one", tags: { team: "core" }, ports: [80, 8443] });
    expect(state["fixture_thing.a"].id).toMatch(/^thing-/);
    expect(state["fixture_thing.b"]).toMatchObject({ name: "beta", note: null });
  });

  test("a second plan has no changes (plan -detailed-exitcode exits 0)", async () => {
    await tf.expectRun(0, "plan", "-detailed-exitcode", "-input=false");
  });

  test("changing `note` updates in place", async () => {
    // GIVEN
    const id = tf.state()["fixture_thing.a"].id;
    tf.writeConfig({ a: { name: "alpha", note: "two", tags: { team: "core" }, ports: [80, 8443] }, b: { name: "beta" } });
    const before = tf.calls().length;

    // WHEN
    const apply = await tf.expectRun(0, "apply", "-auto-approve", "-input=false");

    // THEN
    expect(apply.stdout).toMatch(/1 to change, 0 to destroy/);
    const calls = tf.calls().slice(before);
    expect(ops(calls, "update")).toEqual([expect.objectContaining({ id, planned: expect.objectContaining({ id, note: "two" }) })]);
    expect(ops(calls, "create-start", "delete")).toEqual([]);
    expect(tf.state()["fixture_thing.a"]).toMatchObject({ id, note: "two" });
  });

  test("changing `name` replaces: plan marks it, delete and create run", async () => {
    // GIVEN
    const oldId = tf.state()["fixture_thing.a"].id;
    tf.writeConfig({ a: { name: "alpha-2", note: "two", tags: { team: "core" }, ports: [80, 8443] }, b: { name: "beta" } });
    const before = tf.calls().length;

    // WHEN
    const apply = await tf.expectRun(0, "apply", "-auto-approve", "-input=false");

    // THEN
    expect(apply.stdout).toMatch(/# forces replacement/);
    const calls = tf.calls().slice(before);
    expect(ops(calls, "delete")).toEqual([expect.objectContaining({ id: oldId })]);
    expect(ops(calls, "create-done")).toHaveLength(1);
    expect(tf.state()["fixture_thing.a"].id).not.toBe(oldId);
    expect(tf.remote()[String(oldId)]).toBeUndefined();
  });

  test("removing a block deletes its object", async () => {
    // GIVEN
    const bId = tf.state()["fixture_thing.b"].id;
    tf.writeConfig({ a: { name: "alpha-2", note: "two", tags: { team: "core" }, ports: [80, 8443] } });
    const before = tf.calls().length;

    // WHEN
    await tf.expectRun(0, "apply", "-auto-approve", "-input=false");

    // THEN
    expect(ops(tf.calls().slice(before), "delete")).toEqual([expect.objectContaining({ id: bId })]);
    expect(tf.state()["fixture_thing.b"]).toBeUndefined();
    expect(tf.remote()[String(bId)]).toBeUndefined();
  });

  test("terraform import brings an existing object under management; the next plan is empty", async () => {
    // GIVEN: an object that exists remotely, and a block that describes it
    tf.putRemote("ext-1", { id: "ext-1", name: "external", note: "made elsewhere", sleep_ms: null, tags: null, ports: null });
    tf.writeConfig({ a: { name: "alpha-2", note: "two", tags: { team: "core" }, ports: [80, 8443] }, imported: { name: "external", note: "made elsewhere" } });
    const before = tf.calls().length;

    // WHEN
    await tf.expectRun(0, "import", "-input=false", "fixture_thing.imported", "ext-1");

    // THEN
    const calls = tf.calls().slice(before);
    expect(ops(calls, "import")).toEqual([expect.objectContaining({ id: "ext-1", found: true })]);
    expect(ops(calls, "read")).toEqual([expect.objectContaining({ id: "ext-1", found: true })]);
    expect(tf.state()["fixture_thing.imported"]).toMatchObject({ id: "ext-1", name: "external" });
    await tf.expectRun(0, "plan", "-detailed-exitcode", "-input=false");
  });

  test("importing an id that does not exist fails with the resource's diagnostic", async () => {
    tf.writeConfig({ a: { name: "alpha-2", note: "two", tags: { team: "core" }, ports: [80, 8443] }, imported: { name: "external", note: "made elsewhere" }, missing: { name: "m" } });
    const result = await tf.expectRun(1, "import", "-input=false", "fixture_thing.missing", "nope");
    expect(result.stderr).toMatch(/No fixture_thing with id "nope"/);
  });

  test("an object deleted behind Terraform's back shows up as drift (plan -detailed-exitcode exits 2)", async () => {
    tf.writeConfig({ a: { name: "alpha-2", note: "two", tags: { team: "core" }, ports: [80, 8443] }, imported: { name: "external", note: "made elsewhere" } });
    tf.deleteRemote("ext-1");

    const plan = await tf.expectRun(2, "plan", "-detailed-exitcode", "-input=false");
    expect(plan.stdout).toMatch(/fixture_thing\.imported will be created/);
  });

  test("destroy deletes every object", async () => {
    const before = tf.calls().length;
    const ids = Object.keys(tf.remote());

    await tf.expectRun(0, "destroy", "-auto-approve", "-input=false");

    expect(ops(tf.calls().slice(before), "delete").map((c) => c.id)).toEqual(expect.arrayContaining(ids));
    expect(tf.remote()).toEqual({});
    expect(tf.state()).toEqual({});
  });

  test("every provider process Terraform started has exited", () => {
    const pids = [...new Set(tf.calls().map((c) => c.pid))];
    expect(pids.length).toBeGreaterThan(4);
    expect(pids.filter(isRunning)).toEqual([]);
  });
});
