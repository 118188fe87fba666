import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Api, SecretStore } from "../../src";

describe("Api", () => {
  test("flownally keeps the base URL and the token variable's name", () => {
    const api = Api.flownally({ baseUrl: "https://api.flownally.example/v1/", tokenEnv: "FLOWNALLY_TOKEN" });
    expect(api.toSpec()).toEqual({ kind: "flownally", baseUrl: "https://api.flownally.example/v1/", tokenEnv: "FLOWNALLY_TOKEN" });
  });

  test.each([
    [{ baseUrl: "api.flownally.example" }, /Api.flownally: `baseUrl` must be an absolute http\(s\) URL/],
    [{ baseUrl: "ftp://x.example" }, /`baseUrl` must use http or https/],
    [{ baseUrl: "https://user:pw@x.example" }, /`baseUrl` must not carry credentials/],
    [{ tokenEnv: "fln_abc-123.secret" }, /`tokenEnv` must be the NAME of an environment variable.*never the token itself/],
    [{ tokenEnv: "" }, /`tokenEnv` must be the NAME/],
  ])("%j is refused", (overrides, message) => {
    expect(() => Api.flownally({ baseUrl: "https://x.example", tokenEnv: "T", ...overrides })).toThrow(message);
  });
});

describe("SecretStore.ageFile", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-store-"));

  test("a missing recipient file says how to create one", () => {
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: path.join(dir, "nope.txt") });
    expect(() => store.toSpec()).toThrow(/cannot read `recipientFile` .*nope\.txt.*ENOENT.*cdktf-api-keys keygen/);
  });

  test("an identity given as recipient is refused without echoing it", () => {
    const file = path.join(dir, "identity-by-mistake.txt");
    const secret = ["AGE", "SECRET", "KEY", "1"].join("-") + "Q".repeat(58); // built, so no key-shaped literal is committed
    fs.writeFileSync(file, secret + "\n");
    const store = SecretStore.ageFile({ directory: "secrets", recipientFile: file });
    let message = "";
    try {
      store.toSpec();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/holds no age recipient.*starting with `age1`/);
    expect(message).not.toContain(secret);
  });
});
