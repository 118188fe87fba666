import * as fs from "fs";
import * as path from "path";
import { TerraformStack } from "cdktf";
import { Api, ApiKey, SecretStore, ServiceAccount } from "../../src";
import { BECH32_CHARSET } from "../../src/stores/bech32";
import { generateIdentityFiles } from "../../src/stores/age-identity";
import { recipientFile, tempDir, testApp } from "./fixtures";

const store = (directory: string) => SecretStore.ageFile({ directory, recipientFile: ".keys/recipient.txt" });

describe("SecretStore.ageFile: spellings of one folder are one store", () => {
  const project = process.cwd(); // the project directory at synth

  test.each(["secrets", "secrets/", "./secrets", "./secrets//", "secrets/.", "other/../secrets", "secrets\\", path.join(project, "secrets"), `${path.join(project, "secrets")}/`])(
    "%s is the store at secrets",
    (directory) => {
      expect(store(directory).identity).toBe(store("secrets").identity);
      expect(store(directory).directory).toBe("secrets");
    },
  );

  test("another folder is another store", () => {
    expect(store("secrets-2").identity).not.toBe(store("secrets").identity);
    expect(store("secrets/team").identity).not.toBe(store("secrets").identity);
  });

  test("a folder reached through a symlink is the folder it points to", () => {
    const dir = tempDir("store-link");
    fs.mkdirSync(path.join(dir, "real"));
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
    expect(store(path.join(dir, "link", "secrets")).identity).toBe(store(path.join(dir, "real", "secrets")).identity);
  });

  describe("directory, as the spec carries it", () => {
    test.each([
      [".", "."],
      ["./", "."],
      [project, "."],
      ["a/b/../c/", "a/c"],
      ["a\\b", "a/b"],
      ["../shared/secrets/", "../shared/secrets"],
      ["../..", "../.."],
      ["/srv//secrets/", "/srv/secrets"],
    ])("%s -> %s", (directory, expected) => {
      expect(store(directory).directory).toBe(expected);
    });

    test("toSpec carries the canonical directory", () => {
      const spec = SecretStore.ageFile({ directory: `${path.join(project, "secrets")}/`, recipientFile: recipientFile() }).toSpec();
      expect(spec).toMatchObject({ kind: "age-file", directory: "secrets" });
    });
  });

  // Synthesizes keys: needs the built provider bundle, as every synth test does (`npm run build`).
  test("ApiKey refuses the same secretPath in two spellings of one store", () => {
    const stack = new TerraformStack(testApp(), "test");
    const api = Api.flownally({ baseUrl: "https://api.flownally.example", tokenEnv: "FLOWNALLY_TOKEN" });
    const account = new ServiceAccount(stack, "billing", { api, name: "billing" });
    const props = { serviceAccount: account, name: "k", secretPath: "billing/prod" };
    const file = recipientFile();
    new ApiKey(stack, "one", { ...props, store: SecretStore.ageFile({ directory: "secrets", recipientFile: file }) });
    expect(
      () => new ApiKey(stack, "two", { ...props, store: SecretStore.ageFile({ directory: `${path.join(project, "secrets")}/`, recipientFile: file }) }),
    ).toThrow(/ApiKey test\/two: `secretPath` "billing\/prod" in this store is already used by ApiKey test\/one/);
  });
});

describe("SecretStore.ageFile: the recipient is checked completely at synth", () => {
  async function realRecipient(): Promise<{ file: string; recipient: string }> {
    const dir = tempDir("recipient");
    const file = path.join(dir, "recipient.txt");
    const recipient = await generateIdentityFiles(path.join(dir, "identity.txt"), file);
    return { file, recipient };
  }

  /** The message toSpec() fails with ("" when it does not fail). */
  function synthError(file: string): string {
    try {
      SecretStore.ageFile({ directory: "secrets", recipientFile: file }).toSpec();
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  }

  test("a generated recipient is accepted", async () => {
    const { file, recipient } = await realRecipient();
    expect(SecretStore.ageFile({ directory: "secrets", recipientFile: file }).toSpec()).toMatchObject({ recipient });
  });

  test("one changed character fails the checksum, naming the file and how to fix it", async () => {
    // GIVEN a real recipient with one character changed (to another valid bech32 character)
    const { file, recipient } = await realRecipient();
    const i = 30;
    const typo = recipient.slice(0, i) + BECH32_CHARSET[(BECH32_CHARSET.indexOf(recipient[i]) + 1) % 32] + recipient.slice(i + 1);
    fs.writeFileSync(file, `# created by a test\n${typo}\n`);

    // WHEN / THEN
    expect(synthError(file)).toBe(
      `SecretStore.ageFile: \`recipientFile\` ${JSON.stringify(file)} (${file}) holds ${JSON.stringify(typo)}, which is not a valid age ` +
        "recipient: its checksum does not match: a character was changed or lost: copy the line again from `age-keygen -y`.",
    );
  });

  test("a lost character fails the checksum too, and says how long a recipient is", async () => {
    const { file, recipient } = await realRecipient();
    fs.writeFileSync(file, `${recipient.slice(0, 20)}${recipient.slice(21)}\n`);
    expect(synthError(file)).toMatch(/its checksum does not match \(it has 61 characters; a recipient has 62\): a character was changed or lost/);
  });

  test("a recipient that is not native X25519 is refused as such", () => {
    const file = path.join(tempDir("recipient"), "recipient.txt");
    fs.writeFileSync(file, "age1yubikey1qwerty\n");
    expect(synthError(file)).toMatch(/which is not a valid age recipient: it is not a native X25519 recipient/);
  });
});
