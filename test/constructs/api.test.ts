import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Api, SecretStore } from "../../src";

describe("Api", () => {
  test("flownally keeps the base URL (without its trailing slash) and the token variable's name", () => {
    const api = Api.flownally({ baseUrl: "https://api.flownally.example/v1/", tokenEnv: "FLOWNALLY_TOKEN" });
    expect(api.toSpec()).toEqual({ kind: "flownally", baseUrl: "https://api.flownally.example/v1", tokenEnv: "FLOWNALLY_TOKEN" });
  });

  test.each([
    [{ baseUrl: "api.flownally.example" }, /Api.flownally: `baseUrl` must be an absolute http\(s\) URL/],
    [{ baseUrl: "ftp://x.example" }, /`baseUrl` must use http or https/],
    [{ baseUrl: "https://user:pw@x.example" }, /`baseUrl` must not carry credentials/],
    [{ baseUrl: "https://x.example/api#v1" }, /`baseUrl` must not carry a fragment/],
    [{ tokenEnv: "fln_abc-123.secret" }, /`tokenEnv` must be the NAME of an environment variable.*never the token itself/],
    [{ tokenEnv: "" }, /`tokenEnv` must be the NAME/],
  ])("%j is refused", (overrides, message) => {
    expect(() => Api.flownally({ baseUrl: "https://x.example", tokenEnv: "T", ...overrides })).toThrow(message);
  });

  describe("baseUrl is normalized", () => {
    test.each([
      ["https://x.example/api/", "https://x.example/api"],
      ["https://x.example/api///", "https://x.example/api"],
      ["HTTPS://X.Example:443/api/", "https://x.example/api"],
      ["http://X.EXAMPLE:8080/Api/V1/", "http://x.example:8080/Api/V1"],
      ["https://x.example/", "https://x.example"],
      ["https://x.example", "https://x.example"],
      ["https://x.example/a/../api/./", "https://x.example/api"],
    ])("%s -> %s", (given, expected) => {
      expect(Api.flownally({ baseUrl: given, tokenEnv: "T" }).baseUrl).toBe(expected);
    });

    test("trailing slashes and the case of scheme and host do not make another API", () => {
      const a = Api.flownally({ baseUrl: "https://x.example/api/", tokenEnv: "T" });
      const b = Api.flownally({ baseUrl: "HTTPS://X.example/api", tokenEnv: "T" });
      expect(a.toSpec()).toEqual(b.toSpec());
      expect(a.sameAs(b)).toBe(true);
      expect(a.sameAs(Api.flownally({ baseUrl: "https://x.example/API", tokenEnv: "T" }))).toBe(false); // paths are case-sensitive
    });

    test("credentials in a refused baseUrl are not echoed", () => {
      expect(() => Api.flownally({ baseUrl: "https://user:hunter2@x.example/api?token=s3cr3t", tokenEnv: "T" })).toThrow(
        /`baseUrl` must not carry credentials or a query string.*\(got "https:\/\/\*\*\*@x\.example\/api\?\*\*\*"\)/,
      );
      expect(() => Api.flownally({ baseUrl: "https://user:hunter2@x.example/api?token=s3cr3t", tokenEnv: "T" })).not.toThrow(/hunter2|s3cr3t/);
    });
  });

  describe("tokenEnv", () => {
    test.each(["FLOWNALLY_TOKEN", "FACTORY_ADMIN_TOKEN", "my_token_2", "T", "_PRIVATE", "FLOWNALLY_EU_TOKEN", "OAUTH2_CLIENT_SECRET",
      "MyFlownallyAdminToken", "X509CERTIFICATEPATH2", "TF_VAR_flownally_token", "npm_config_auth_token", "HF_TOKEN", "ASIA_PACIFIC_TOKEN",
      "A".repeat(64)])("%s is a name", (tokenEnv) => {
      expect(Api.flownally({ baseUrl: "https://x.example", tokenEnv }).tokenEnv).toBe(tokenEnv);
    });

    // Built from parts, so that no token-shaped literal is committed.
    const random = "k9XmQ2vLp7RtZ4wNb8Yc";
    test.each([
      ["longer than 64 characters", "A".repeat(65), /is 65 characters long/],
      ["with a dash", ["fln", "abc-123"].join("_"), /holds characters other than letters, digits and underscores/],
      ["starting with a digit", "2SECRET_VALUE_X", /starts with a digit/],
      ["a Flownally key", ["fln", random].join("_"), /starts like a Flownally key \(fln_\.\.\.\)/],
      ["a Stripe key", ["sk", "live", random].join("_"), /starts like a Stripe-style secret key/],
      ["a GitHub token", ["ghp", random + random].join("_"), /starts like a GitHub token/],
      ["a base64 JSON blob", ["eyJ", "hbGciOiJIUzI1NiJ9"].join(""), /starts like a JWT/],
      ["an AWS access key id", ["AKIA", "IOSFODNN7EXAMPL3"].join(""), /has the form of an AWS access key id/],
      ["random base62", `x${random}`, /long random-looking run/],
      ["random hex", ["a", "3f9c2e71b04d5a68e2c1f07b9d4a3e5c"].join(""), /long random-looking run/],
      ["random after a word", `MY_${random}`, /long random-looking run/],
      ["not a string", 42, /is a number, not a string/],
      ["missing", undefined, /is missing/],
    ])("%s is refused, saying what a name looks like and never showing the value", (_label, tokenEnv, reason) => {
      let message = "";
      try {
        Api.flownally({ baseUrl: "https://x.example", tokenEnv: tokenEnv as string });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^Api\.flownally: `tokenEnv` must be the NAME of an environment variable holding the admin token, never the token itself/);
      expect(message).toMatch(reason);
      expect(message).toMatch(/e\.g\. FLOWNALLY_TOKEN/);
      if (typeof tokenEnv === "string") expect(message).not.toContain(tokenEnv.slice(4, 14));
    });
  });
});

describe("SecretStore.ageFile", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-store-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

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
