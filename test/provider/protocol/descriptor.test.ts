import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { serviceDefinition, SERVICE_NAMES } from "../../../src/provider/protocol/grpc-services";
import { Lifetime } from "../../../src/provider/protocol/lifetime";
import { providerService } from "../../../src/provider/protocol/provider-service";
import type { ProviderHandler } from "../../../src/provider/protocol/types";

const root = join(__dirname, "..", "..", "..");

describe("protocol descriptor", () => {
  test("descriptor.ts is what scripts/gen-protocol-descriptor.js makes from the .proto files", () => {
    const check = spawnSync(process.execPath, [join(root, "scripts", "gen-protocol-descriptor.js"), "--check"], { cwd: root, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("the provider service implements every RPC of tfplugin6.8", () => {
    const provider: ProviderHandler = { schema: { version: 0, description: "", attributes: {} }, resources: {}, configure: async () => [], stop: async () => undefined };
    const implemented = providerService(provider, new Lifetime(() => undefined, () => undefined), () => undefined);
    const defined = Object.keys(serviceDefinition(SERVICE_NAMES.provider));
    expect(defined).toHaveLength(20);
    expect(Object.keys(implemented).sort()).toEqual(defined.sort());
  });

  test("it defines GRPCController.Shutdown and Health.Check beside tfplugin6", () => {
    expect(serviceDefinition(SERVICE_NAMES.provider).PlanResourceChange.path).toBe("/tfplugin6.Provider/PlanResourceChange");
    expect(serviceDefinition(SERVICE_NAMES.controller).Shutdown.path).toBe("/plugin.GRPCController/Shutdown");
    expect(serviceDefinition(SERVICE_NAMES.health).Check.path).toBe("/grpc.health.v1.Health/Check");
  });
});
