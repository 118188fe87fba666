import { decode, encode, ExtData } from "@msgpack/msgpack";
import { SERVICE_NAMES } from "../../../src/provider/protocol/grpc-services";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, PluginStartError } from "../../../src/provider/protocol/handshake";
import { serve } from "../../../src/provider/protocol/serve";
import { createTlsIdentity } from "../../../src/provider/protocol/tls";
import { ProviderHandler, ResourceHandler, Schema, TfObject, UNKNOWN } from "../../../src/provider/protocol/types";
import { serveInProcess, ServedProvider } from "./grpc-client";

const widgetSchema: Schema = {
  version: 2,
  description: "A widget.",
  attributes: {
    id: { type: "string", computed: true, description: "Id." },
    name: { type: "string", required: true, description: "Name." },
    size: { type: "number", optional: true, description: "Size." },
    tags: { type: ["map", "string"], optional: true, description: "Tags.", sensitive: true },
  },
};

/** A resource whose behaviour each test sets. */
function widget(overrides: Partial<ResourceHandler> = {}): ResourceHandler {
  return {
    schema: widgetSchema,
    plan: async ({ proposed }) => ({ planned: proposed && { ...proposed, id: UNKNOWN } }),
    apply: async ({ planned }) => ({ newState: planned && { ...planned, id: "w-1" } }),
    read: async (current) => ({ newState: current }),
    ...overrides,
  };
}

function provider(resource: ResourceHandler, overrides: Partial<ProviderHandler> = {}): ProviderHandler {
  return {
    schema: { version: 0, description: "Test provider.", attributes: { region: { type: "string", optional: true, description: "Region." } } },
    resources: { test_widget: resource, test_gadget: widget() },
    configure: async () => [],
    stop: async () => undefined,
    ...overrides,
  };
}

/** tfplugin6.Diagnostic.Severity values. */
const ERROR = 1;
const WARNING = 2;
const msgpack = (value: unknown) => ({ msgpack: encode(value) });
const NIL = { msgpack: encode(null) };
const fromWire = (value: { msgpack: Buffer } | null) => (value ? decode(value.msgpack) : undefined);

describe("serve (gRPC, in-process)", () => {
  let served: ServedProvider | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  test("prints go-plugin's handshake line: core 1, protocol 6, tcp on 127.0.0.1, grpc, the certificate without padding", async () => {
    served = await serveInProcess(provider(widget()));
    expect(served.handshake).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]{200,}\n$/);
  });

  test("GetProviderSchema describes the provider, every resource type, and the server capabilities", async () => {
    served = await serveInProcess(provider(widget()));

    const response = await served.provider.GetProviderSchema({});

    expect(Object.keys(response.resource_schemas).sort()).toEqual(["test_gadget", "test_widget"]);
    const block = response.resource_schemas.test_widget.block;
    expect(response.resource_schemas.test_widget.version).toBe(2);
    expect(block.attributes.map((a: { name: string }) => a.name)).toEqual(["id", "name", "size", "tags"]);
    const tags = block.attributes.find((a: { name: string }) => a.name === "tags");
    expect(JSON.parse(Buffer.from(tags.type).toString())).toEqual(["map", "string"]);
    expect(tags).toMatchObject({ optional: true, sensitive: true, required: false, computed: false });
    expect(response.provider.block.attributes[0]).toMatchObject({ name: "region", optional: true });
    expect(response.server_capabilities).toMatchObject({ plan_destroy: false, get_provider_schema_optional: true });
  });

  test("GetMetadata lists the resource types and nothing else", async () => {
    served = await serveInProcess(provider(widget()));
    const response = await served.provider.GetMetadata({});
    expect(response.resources.map((r: { type_name: string }) => r.type_name)).toEqual(["test_gadget", "test_widget"]);
    expect(response.data_sources).toEqual([]);
    expect(response.server_capabilities.get_provider_schema_optional).toBe(true);
  });

  test("PlanResourceChange hands decoded values to the resource and encodes its plan, with replace paths and private bytes", async () => {
    // GIVEN
    let seen: unknown;
    const resource = widget({
      plan: async (request) => {
        seen = request;
        return { planned: { ...request.proposed, id: "w-1" }, requiresReplace: [["name"], ["tags", "team"]] };
      },
    });
    served = await serveInProcess(provider(resource));
    const prior = { id: "w-1", name: "old", size: 1, tags: null };
    const proposed = { id: "w-1", name: "new", size: new ExtData(0, new Uint8Array()), tags: null };

    // WHEN
    const response = await served.provider.PlanResourceChange({
      type_name: "test_widget",
      prior_state: msgpack(prior),
      proposed_new_state: msgpack(proposed),
      config: msgpack({ name: "new" }),
      prior_private: Buffer.from("opaque"),
    });

    // THEN
    expect(seen).toEqual({ prior, proposed: { ...proposed, size: UNKNOWN }, config: { id: null, name: "new", size: null, tags: null } });
    const planned = fromWire(response.planned_state) as Record<string, unknown>;
    expect(planned).toMatchObject({ id: "w-1", name: "new", tags: null });
    expect((planned.size as ExtData).type).toBe(0);
    expect(response.requires_replace).toEqual([
      { steps: [{ attribute_name: "name" }] },
      { steps: [{ attribute_name: "tags" }, { element_key_string: "team" }] },
    ]);
    expect(Buffer.from(response.planned_private).toString()).toBe("opaque");
    expect(response.legacy_type_system).toBe(false);
    expect(response.diagnostics).toEqual([]);
  });

  test("a handler's thrown error becomes an error diagnostic with its message, never its stack", async () => {
    const resource = widget({
      plan: async () => {
        throw new Error("`size` must be below 10: use a smaller size");
      },
    });
    served = await serveInProcess(provider(resource));

    const response = await served.provider.PlanResourceChange({ type_name: "test_widget", prior_state: NIL, proposed_new_state: msgpack({ name: "a" }), config: msgpack({ name: "a" }) });

    expect(response.diagnostics).toEqual([{ severity: ERROR, summary: "`size` must be below 10: use a smaller size", detail: "", attribute: null }]);
  });

  test("diagnostics carry severity, detail and attribute paths (names, map keys, list indexes)", async () => {
    const resource = widget({
      validate: () => [
        { severity: "warning", summary: "deprecated", detail: "use x", attribute: ["tags", "team"] },
        { severity: "error", summary: "bad", attribute: ["items", 2, "name"] },
      ],
    });
    served = await serveInProcess(provider(resource));

    const response = await served.provider.ValidateResourceConfig({ type_name: "test_widget", config: msgpack({ name: "a" }) });

    expect(response.diagnostics).toEqual([
      { severity: WARNING, summary: "deprecated", detail: "use x", attribute: { steps: [{ attribute_name: "tags" }, { element_key_string: "team" }] } },
      { severity: ERROR, summary: "bad", detail: "", attribute: { steps: [{ attribute_name: "items" }, { element_key_int: 2 }, { element_key_string: "name" }] } },
    ]);
  });

  test("an unknown resource type is an error diagnostic naming the types the provider has", async () => {
    served = await serveInProcess(provider(widget()));

    const response = await served.provider.ReadResource({ type_name: "test_nope", current_state: msgpack({ id: "x" }) });

    expect(response.diagnostics).toHaveLength(1);
    expect(response.diagnostics[0].summary).toBe('Unknown resource type "test_nope"');
    expect(response.diagnostics[0].detail).toMatch(/It has: test_widget, test_gadget\./);
  });

  test("ApplyResourceChange passes private bytes from the plan to the new state", async () => {
    served = await serveInProcess(provider(widget()));

    const response = await served.provider.ApplyResourceChange({
      type_name: "test_widget",
      prior_state: NIL,
      planned_state: msgpack({ name: "a", id: new ExtData(0, new Uint8Array()) }),
      config: msgpack({ name: "a" }),
      planned_private: Buffer.from([1, 2, 3]),
    });

    expect(fromWire(response.new_state)).toEqual({ id: "w-1", name: "a", size: null, tags: null });
    expect([...response.private]).toEqual([1, 2, 3]);
    expect(response.diagnostics).toEqual([]);
  });

  test("an apply that throws reports the prior state as still true, with the error", async () => {
    const resource = widget({
      apply: async () => {
        throw new Error("the API refused the update: try again later");
      },
    });
    served = await serveInProcess(provider(resource));
    const prior = { id: "w-1", name: "a", size: 1, tags: null };

    const response = await served.provider.ApplyResourceChange({ type_name: "test_widget", prior_state: msgpack(prior), planned_state: msgpack({ ...prior, size: 2 }), config: msgpack({}) });

    expect(fromWire(response.new_state)).toEqual(prior);
    expect(response.diagnostics[0]).toMatchObject({ severity: ERROR, summary: "the API refused the update: try again later" });
  });

  test("ReadResource answers null when the resource says the object is gone", async () => {
    served = await serveInProcess(provider(widget({ read: async () => ({ newState: null }) })));
    const response = await served.provider.ReadResource({ type_name: "test_widget", current_state: msgpack({ id: "w-1", name: "a" }), private: Buffer.from("p") });
    expect(fromWire(response.new_state)).toBeNull();
    expect(Buffer.from(response.private).toString()).toBe("p");
  });

  test("UpgradeResourceState turns JSON state into the schema's object, missing attributes null", async () => {
    served = await serveInProcess(provider(widget()));

    const response = await served.provider.UpgradeResourceState({ type_name: "test_widget", version: 1, raw_state: { json: Buffer.from('{"id":"w-1","name":"a","gone":1}') } });

    expect(fromWire(response.upgraded_state)).toEqual({ id: "w-1", name: "a", size: null, tags: null });
    expect(response.diagnostics).toEqual([]);
  });

  test("UpgradeResourceState refuses state written by a newer schema version, saying what to do", async () => {
    served = await serveInProcess(provider(widget()));

    const response = await served.provider.UpgradeResourceState({ type_name: "test_widget", version: 3, raw_state: { json: Buffer.from('{"id":"w-1"}') } });

    expect(response.upgraded_state).toBeNull();
    expect(response.diagnostics[0].summary).toMatch(/written by a newer version of the provider/);
    expect(response.diagnostics[0].detail).toMatch(/schema version 3; this provider version only knows versions up to 2/);
  });

  test("ImportResourceState returns the imported objects with missing attributes null, or says import is not supported", async () => {
    const importable = widget({ importState: async (id) => ({ imported: [{ id } as TfObject] }) });
    served = await serveInProcess(provider(importable));

    const imported = await served.provider.ImportResourceState({ type_name: "test_widget", id: "w-9" });
    const refused = await served.provider.ImportResourceState({ type_name: "test_gadget", id: "g-1" });

    expect(imported.imported_resources).toHaveLength(1);
    expect(imported.imported_resources[0].type_name).toBe("test_widget");
    expect(fromWire(imported.imported_resources[0].state)).toEqual({ id: "w-9", name: null, size: null, tags: null });
    expect(refused.diagnostics[0].summary).toBe('Resource type "test_gadget" cannot be imported');
  });

  test("ConfigureProvider and ValidateProviderConfig hand the provider its decoded configuration", async () => {
    const configs: TfObject[] = [];
    served = await serveInProcess(
      provider(widget(), {
        validateConfig: (config) => (configs.push(config), [{ severity: "warning", summary: "check region" }]),
        configure: async (config) => (configs.push(config), []),
      }),
    );

    const validated = await served.provider.ValidateProviderConfig({ config: msgpack({ region: "eu" }) });
    const configured = await served.provider.ConfigureProvider({ terraform_version: "1.11.4", config: msgpack({ region: "eu" }) });

    expect(configs).toEqual([{ region: "eu" }, { region: "eu" }]);
    expect(validated.diagnostics[0]).toMatchObject({ severity: WARNING, summary: "check region" });
    expect(configured.diagnostics).toEqual([]);
  });

  test("StopProvider calls stop and answers with its error, if any", async () => {
    let stopped = 0;
    served = await serveInProcess(provider(widget(), { stop: async () => (stopped++, "2 operations could not be stopped") }));

    const response = await served.provider.StopProvider({});

    expect(stopped).toBe(1);
    expect(response.Error).toBe("2 operations could not be stopped");
  });

  test("data sources, ephemeral resources, functions and moves are answered, not left unimplemented", async () => {
    served = await serveInProcess(provider(widget()));
    const p = served.provider;

    const [validateData, readData, openEphemeral, functions, call, move] = await Promise.all([
      p.ValidateDataResourceConfig({ type_name: "test_data", config: NIL }),
      p.ReadDataSource({ type_name: "test_data", config: NIL }),
      p.OpenEphemeralResource({ type_name: "test_eph", config: NIL }),
      p.GetFunctions({}),
      p.CallFunction({ name: "f", arguments: [] }),
      p.MoveResourceState({ source_type_name: "other_thing", target_type_name: "test_widget" }),
    ]);

    expect(validateData.diagnostics[0].summary).toBe('Unknown data source type "test_data"');
    expect(readData.diagnostics[0].detail).toMatch(/It has no data sources\./);
    expect(openEphemeral.diagnostics[0].summary).toBe('Unknown ephemeral resource type "test_eph"');
    expect(functions.functions).toEqual({});
    expect(call.error.text).toBe('This provider has no function "f".');
    expect(move.diagnostics[0].summary).toMatch(/not supported/);
  });

  describe("ephemeral resources", () => {
    const tokenSchema: Schema = {
      version: 0,
      description: "A token.",
      attributes: {
        name: { type: "string", required: true, description: "Name." },
        value: { type: "string", computed: true, sensitive: true, description: "Value." },
      },
    };
    const closed: (string | undefined)[] = [];
    const withToken = (open: (config: TfObject) => Promise<{ result: TfObject | null; renewAt?: Date; private?: Uint8Array }>) =>
      provider(widget({ schema: { ...widgetSchema, attributes: { ...widgetSchema.attributes, secret_wo: { type: "string", optional: true, writeOnly: true, description: "Write-only." } } } }), {
        ephemeralResources: {
          test_token: {
            schema: tokenSchema,
            validate: (config) => (config.name === "" ? [{ severity: "error", summary: "`name` must not be empty", attribute: ["name"] }] : []),
            open,
            close: async (bytes) => (closed.push(bytes && Buffer.from(bytes).toString()), []),
          },
        },
      });

    test("GetMetadata and GetProviderSchema list them; an attribute says whether it is write-only", async () => {
      served = await serveInProcess(withToken(async (config) => ({ result: config })));
      const [metadata, schema] = await Promise.all([served.provider.GetMetadata({}), served.provider.GetProviderSchema({})]);
      expect(metadata.ephemeral_resources).toEqual([{ type_name: "test_token" }]);
      expect(schema.ephemeral_resource_schemas.test_token.block.attributes.find((a: { name: string }) => a.name === "value")).toMatchObject({ computed: true, sensitive: true });
      const attributes = schema.resource_schemas.test_widget.block.attributes;
      expect(attributes.find((a: { name: string }) => a.name === "secret_wo")).toMatchObject({ write_only: true });
      expect(attributes.find((a: { name: string }) => a.name === "name")).toMatchObject({ write_only: false });
    });

    test("Open decodes the configuration, encodes the result, renew_at and private; Close gets private back", async () => {
      const renewAt = new Date("2030-01-02T03:04:05.678Z");
      served = await serveInProcess(withToken(async (config) => ({ result: { ...config, value: `v-${String(config.name)}` }, renewAt, private: Buffer.from("handle-1") })));

      const opened = await served.provider.OpenEphemeralResource({ type_name: "test_token", config: msgpack({ name: "a", value: null }) });
      const closing = await served.provider.CloseEphemeralResource({ type_name: "test_token", private: opened.private });

      expect(fromWire(opened.result)).toEqual({ name: "a", value: "v-a" });
      expect(opened.renew_at).toEqual({ seconds: Math.floor(renewAt.getTime() / 1000), nanos: 678_000_000 });
      expect(Buffer.from(opened.private).toString()).toBe("handle-1");
      expect(closing.diagnostics).toEqual([]);
      expect(closed).toContain("handle-1");
    });

    test("a thrown error in Open is an error diagnostic with a null result; Validate's diagnostics come back with their path", async () => {
      served = await serveInProcess(withToken(async () => Promise.reject(new Error("the vault is sealed"))));
      const [opened, validated] = await Promise.all([
        served.provider.OpenEphemeralResource({ type_name: "test_token", config: msgpack({ name: "a" }) }),
        served.provider.ValidateEphemeralResourceConfig({ type_name: "test_token", config: msgpack({ name: "" }) }),
      ]);
      expect(opened.diagnostics).toEqual([expect.objectContaining({ severity: ERROR, summary: "the vault is sealed" })]);
      expect(fromWire(opened.result)).toBeNull();
      expect(validated.diagnostics[0]).toMatchObject({ severity: ERROR, summary: "`name` must not be empty", attribute: { steps: [{ attribute_name: "name" }] } });
    });

    test("an unknown type names the ones there are", async () => {
      served = await serveInProcess(withToken(async (config) => ({ result: config })));
      const opened = await served.provider.OpenEphemeralResource({ type_name: "test_other", config: NIL });
      expect(opened.diagnostics[0].detail).toMatch(/It has: test_token\./);
    });
  });

  test("the health check answers SERVING", async () => {
    served = await serveInProcess(provider(widget()));
    await expect(served.health.Check({ service: "plugin" })).resolves.toEqual({ status: 1 }) // SERVING;
  });

  test("a client without Terraform's client certificate is refused", async () => {
    served = await serveInProcess(provider(widget()));
    const stranger = served.connect(SERVICE_NAMES.provider, createTlsIdentity());
    await expect(stranger.GetMetadata({})).rejects.toThrow(/UNAVAILABLE|handshake|certificate|alert/i);
  });

  test("Shutdown answers, waits for calls in flight, then the server closes and serve returns", async () => {
    // GIVEN: an apply that is still running when Terraform asks the provider to shut down
    let finishApply!: () => void;
    let applyStarted!: () => void;
    const applying = new Promise<void>((resolve) => (finishApply = resolve));
    const started = new Promise<void>((resolve) => (applyStarted = resolve));
    const resource = widget({
      apply: async ({ planned }) => {
        applyStarted();
        await applying;
        return { newState: planned };
      },
    });
    served = await serveInProcess(provider(resource));
    const apply = served.provider.ApplyResourceChange({ type_name: "test_widget", prior_state: NIL, planned_state: msgpack({ name: "a", id: "w" }), config: NIL });
    await started;
    let returned = false;
    void served.served.then(() => (returned = true));

    // WHEN
    await served.controller.Shutdown({});
    await new Promise((r) => setTimeout(r, 100));
    const returnedBeforeApplyFinished = returned;
    finishApply();

    // THEN
    expect(fromWire((await apply).new_state)).toMatchObject({ name: "a" });
    await served.served;
    expect(returnedBeforeApplyFinished).toBe(false);
  });
});

describe("serve start-up checks", () => {
  const noop = provider(widget());
  const clientCert = createTlsIdentity().certPem;

  test("refuses to run without Terraform's magic cookie, saying it is a plugin Terraform starts", async () => {
    const started = serve(noop, { env: {}, ownProcess: false });
    await expect(started).rejects.toThrow(PluginStartError);
    await expect(started).rejects.toThrow(/Terraform provider plugin: Terraform starts it/);
  });

  test("refuses a Terraform that does not offer protocol 6", async () => {
    const env = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "4,5", PLUGIN_CLIENT_CERT: clientCert };
    await expect(serve(noop, { env, ownProcess: false })).rejects.toThrow(/plugin protocol 6, but this Terraform offered only 4, 5.*Terraform 1\.0 or newer/);
  });

  test("refuses to serve without a client certificate (no unauthenticated gRPC)", async () => {
    const env = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "6" };
    await expect(serve(noop, { env, ownProcess: false })).rejects.toThrow(/PLUGIN_CLIENT_CERT is missing/);
  });
});
