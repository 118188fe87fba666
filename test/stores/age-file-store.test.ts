import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgeFileStore, AgeFileStoreError } from "../../src/stores/age-file-store";
import { generateIdentityFiles, readIdentity, readRecipient } from "../../src/stores/age-identity";
import {
  KeyPair,
  listTree,
  makeTempDir,
  modeOf,
  newKeyPair,
  removeTempDirs,
  runAgeTool,
  sampleAccountRecord,
  sampleKeyRecord,
  samplePayload,
} from "./age-test-kit";

let keys: KeyPair;
beforeAll(async () => {
  keys = await newKeyPair();
});
afterEach(() => {
  jest.restoreAllMocks();
  removeTempDirs();
});

/** A store in a fresh temp dir (not created yet: the first write creates it), able to read and write. */
function newStore(pair: KeyPair = keys): AgeFileStore {
  return new AgeFileStore({ directory: path.join(makeTempDir(), "secrets"), recipient: pair.recipient, identity: pair.identity });
}

/** `key` with the character at `i` replaced by another one of the bech32 alphabet, in the key's case. */
function changeOne(key: string, i: number): string {
  const other = key[i].toLowerCase() === "q" ? "p" : "q";
  return key.slice(0, i) + (key === key.toUpperCase() ? other.toUpperCase() : other) + key.slice(i + 1);
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promise to reject");
}

describe("secrets", () => {
  test("round trip: what is written reads back, in the binary age format at <secretPath>.age", async () => {
    // GIVEN
    const store = newStore();
    const payload = samplePayload();

    // WHEN
    await store.writeSecret("payments/stripe-webhook", payload);

    // THEN
    expect(await store.readSecret("payments/stripe-webhook")).toEqual(payload);
    const bytes = fs.readFileSync(path.join(store.directory, "payments", "stripe-webhook.age"));
    expect(bytes.subarray(0, 22).toString("latin1")).toBe("age-encryption.org/v1\n");
    expect(bytes.includes(Buffer.from(payload.value))).toBe(false);
    expect(listTree(store.directory)).toEqual(["payments/", "payments/stripe-webhook.age"]);
  });

  test("the Debian age CLI decrypts a secret the store wrote (age --decrypt -i identity.txt file.age)", async () => {
    // GIVEN an identity file made by age-keygen, and a store that knows only its recipient
    const dir = makeTempDir();
    const identityFile = path.join(dir, "identity.txt");
    expect(runAgeTool("age-keygen", ["-o", identityFile]).status).toBe(0);
    const recipient = runAgeTool("age-keygen", ["-y", identityFile]).stdout.trim();
    const store = new AgeFileStore({ directory: path.join(dir, "secrets"), recipient });
    const payload = samplePayload();

    // WHEN
    await store.writeSecret("team/svc/key", payload);
    const result = runAgeTool("age", ["--decrypt", "-i", identityFile, path.join(dir, "secrets", "team", "svc", "key.age")]);

    // THEN
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(payload);
  });

  test("reads what the age CLI encrypted, with identity files from generateIdentityFiles", async () => {
    const dir = makeTempDir();
    await generateIdentityFiles(path.join(dir, "identity.txt"), path.join(dir, "recipient.txt"));
    const store = new AgeFileStore({ directory: path.join(dir, "secrets"), identity: readIdentity(path.join(dir, "identity.txt")) });
    fs.mkdirSync(path.join(dir, "secrets"));
    const payload = samplePayload("from-the-cli");
    const encrypted = runAgeTool("age", ["-e", "-R", path.join(dir, "recipient.txt"), "-o", path.join(dir, "secrets", "x.age")], JSON.stringify(payload));
    expect(encrypted.status).toBe(0);

    expect(await store.readSecret("x")).toEqual(payload);
    expect(readRecipient(path.join(dir, "recipient.txt"))).toMatch(/^age1/);
  });

  test("overwriting replaces the secret", async () => {
    const store = newStore();
    await store.writeSecret("k", samplePayload("first"));
    await store.writeSecret("k", samplePayload("second"));
    expect((await store.readSecret("k")).value).toBe("second");
  });

  test("reading a missing secret names the secretPath and the store directory", async () => {
    const store = newStore();
    const error = await rejection(store.readSecret("payments/nope"));
    expect(error).toBeInstanceOf(AgeFileStoreError);
    expect(error.message).toBe(
      `no secret at secretPath "payments/nope" in store directory ${store.directory} (no file ${path.join(store.directory, "payments", "nope.age")}). ` +
        "Check the secretPath and the store directory, and that the stack holding this key was applied.",
    );
  });

  test("a wrong identity fails with the file named, and no payload value in the message", async () => {
    const writer = newStore();
    const payload = samplePayload();
    await writer.writeSecret("k", payload);
    const other = await newKeyPair();
    const reader = new AgeFileStore({ directory: writer.directory, identity: other.identity });

    const error = await rejection(reader.readSecret("k"));

    expect(error.message).toMatch(new RegExp(`^cannot decrypt ${path.join(writer.directory, "k.age")}: no identity matched any of the file's recipients\\. The identity must be the private key of the recipient`));
    expect(error.message).not.toContain(payload.value);
    expect(error.message).not.toContain(other.identity);
  });

  test("a damaged file fails to decrypt with the file named", async () => {
    const store = newStore();
    await store.writeSecret("k", samplePayload());
    const file = path.join(store.directory, "k.age");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await expect(store.readSecret("k")).rejects.toThrow(`cannot decrypt ${file}: `);
  });

  test("a file that decrypts to something else is rejected without showing it", async () => {
    const store = newStore();
    fs.mkdirSync(store.directory);
    const encrypted = runAgeTool("age", ["-e", "-r", keys.recipient, "-o", path.join(store.directory, "k.age")], "not json: hunter2");
    expect(encrypted.status).toBe(0);
    const error = await rejection(store.readSecret("k"));
    expect(error.message).toBe(`${path.join(store.directory, "k.age")} decrypts, but not to a cdktf-api-keys secret (value, keyId, serviceAccountId, name, createdAt, expiresAt).`);
  });

  test("writing without a recipient says it is missing and how to supply it", async () => {
    const store = new AgeFileStore({ directory: path.join(makeTempDir(), "s"), identity: keys.identity });
    const error = await rejection(store.writeSecret("k", samplePayload()));
    expect(error.message).toMatch(/^cannot write the secret at secretPath "k": this store was opened without a recipient \(public key\) to encrypt to\. Pass `recipient`/);
    expect(error.message).not.toContain(samplePayload().value);
    expect(fs.existsSync(store.directory)).toBe(false);
  });

  test("reading without an identity says it is missing and how to supply it", async () => {
    const store = new AgeFileStore({ directory: path.join(makeTempDir(), "s"), recipient: keys.recipient });
    await store.writeSecret("k", samplePayload());
    const error = await rejection(store.readSecret("k"));
    expect(error.message).toMatch(/^cannot read the secret at secretPath "k": this store was opened without an identity \(private key\) to decrypt with\. Pass `identity`.*--identity <file> or set CDKTF_API_KEYS_IDENTITY/);
  });

  test("every operation validates the secretPath again before touching the disk", async () => {
    const store = newStore();
    const outside = path.join(path.dirname(store.directory), "escaped");
    for (const op of [
      () => store.writeSecret("../escaped", samplePayload()),
      () => store.readSecret("../escaped"),
      () => store.deleteSecret("../escaped"),
      () => store.writeKeyRecord("../escaped", sampleKeyRecord()),
      () => store.readKeyRecord("/etc/passwd"),
      () => store.deleteKeyRecord(".accounts/x"),
    ]) {
      await expect(op()).rejects.toThrow(/^`secretPath` /);
    }
    expect(fs.existsSync(store.directory)).toBe(false);
    expect(fs.existsSync(`${outside}.age`)).toBe(false);
  });

  test("the constructor verifies the checksums of the recipient and the identity, never echoing an identity", () => {
    const recipientTypo = changeOne(keys.recipient, 30);
    expect(() => new AgeFileStore({ directory: "/s", recipient: recipientTypo })).toThrow(
      `AgeFileStore: \`recipient\` "${recipientTypo}" is not a valid age recipient: its checksum does not match: a character was ` +
        "changed or lost: copy the line again from `age-keygen -y`.",
    );
    const identityTypo = changeOne(keys.identity, 40);
    expect(() => new AgeFileStore({ directory: "/s", identity: identityTypo })).toThrow(
      /^AgeFileStore: `identity` is not a valid age identity: its checksum does not match: a character was changed or lost/,
    );
    expect(() => new AgeFileStore({ directory: "/s", identity: identityTypo })).not.toThrow(identityTypo.slice(16, 40));
  });

  test("the constructor cuts a long value it shows", () => {
    expect(() => new AgeFileStore({ directory: "x".repeat(5000) })).toThrow(`(got "${"x".repeat(80)}"… (5000 characters)).`);
  });

  test("the constructor checks the directory, recipient and identity, never echoing an identity", async () => {
    expect(() => new AgeFileStore({ directory: "secrets" })).toThrow(/`directory` must be an absolute path \(got "secrets"\)/);
    expect(() => new AgeFileStore({ directory: "/s", recipient: "age1nope" })).toThrow(/`recipient` must be a native X25519 age recipient.*\(got "age1nope"\)/);
    const badIdentity = `${keys.identity.slice(0, -1)}!`;
    expect(() => new AgeFileStore({ directory: "/s", identity: badIdentity })).toThrow(/`identity` must be a native X25519 age identity/);
    expect(() => new AgeFileStore({ directory: "/s", identity: badIdentity })).not.toThrow(badIdentity.slice(16));
  });
});

describe("file modes", () => {
  test.each([
    ["the usual umask 022", 0o022],
    ["umask 000", 0o000],
    ["umask 077", 0o077],
  ])("files are 0600 and directories 0700 with %s", async (_label, umask) => {
    const store = newStore();
    const previous = process.umask(umask);
    try {
      await store.writeSecret("a/b/c", samplePayload());
      await store.writeKeyRecord("a/b/c", sampleKeyRecord());
      await store.writeAccountRecord(sampleAccountRecord());
    } finally {
      process.umask(previous);
    }
    const d = store.directory;
    for (const dir of [d, `${d}/a`, `${d}/a/b`, `${d}/.accounts`]) expect([dir, modeOf(dir)]).toEqual([dir, 0o700]);
    for (const file of [`${d}/a/b/c.age`, `${d}/a/b/c.json`, `${d}/.accounts/quickstart%2Fbilling.json`]) {
      expect([file, modeOf(file)]).toEqual([file, 0o600]);
    }
  });

  test("an overwrite makes a file 0600 again", async () => {
    const store = newStore();
    await store.writeKeyRecord("k", sampleKeyRecord());
    fs.chmodSync(path.join(store.directory, "k.json"), 0o644);
    await store.writeKeyRecord("k", sampleKeyRecord());
    expect(modeOf(path.join(store.directory, "k.json"))).toBe(0o600);
  });
});

describe("atomic writes", () => {
  test("a failing rename leaves the previous secret intact and no temp file", async () => {
    // GIVEN a secret, and a rename that fails
    const store = newStore();
    await store.writeSecret("team/k", samplePayload("old"));
    const rename = jest.spyOn(fs.promises, "rename").mockRejectedValueOnce(Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" }));

    // WHEN
    const error = await rejection(store.writeSecret("team/k", samplePayload("new")));

    // THEN
    expect(rename).toHaveBeenCalledTimes(1);
    expect(error.message).toBe(`cannot write ${path.join(store.directory, "team", "k.age")}: EIO: i/o error, rename`);
    expect(listTree(store.directory)).toEqual(["team/", "team/k.age"]);
    expect((await store.readSecret("team/k")).value).toBe("old");
  });

  test("a rename the file system refuses (a directory in the way) leaves no file and no temp file", async () => {
    const store = newStore();
    fs.mkdirSync(path.join(store.directory, "k.age", "inner"), { recursive: true });
    await expect(store.writeSecret("k", samplePayload())).rejects.toThrow(`cannot write ${path.join(store.directory, "k.age")}: `);
    expect(listTree(store.directory)).toEqual(["k.age/", "k.age/inner/"]);
  });

  test("a failing write (disk full) removes the temp file", async () => {
    const store = newStore();
    const open = fs.promises.open;
    jest.spyOn(fs.promises, "open").mockImplementation(async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      if (String(args[0]).endsWith(".tmp")) {
        jest.spyOn(handle, "writeFile").mockRejectedValue(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
      }
      return handle;
    });
    await expect(store.writeKeyRecord("a/k", sampleKeyRecord())).rejects.toThrow(/ENOSPC/);
    expect(listTree(store.directory)).toEqual(["a/"]);
  });

  test("a failing encryption writes nothing, and names the recipient but no payload value", async () => {
    // age itself is made to fail here: the constructor now refuses every recipient age would refuse.
    const { Encrypter } = await import("age-encryption");
    jest.spyOn(Encrypter.prototype, "encrypt").mockRejectedValue(new Error("no randomness"));
    const store = new AgeFileStore({ directory: path.join(makeTempDir(), "s"), recipient: keys.recipient });
    const error = await rejection(store.writeSecret("k", samplePayload()));
    expect(error.message).toBe(`cannot encrypt the secret for secretPath "k" to recipient ${keys.recipient}: no randomness`);
    expect(error.message).not.toContain(samplePayload().value);
    expect(fs.existsSync(store.directory)).toBe(false);
  });

  test("concurrent writers and readers: every read sees one whole secret, the last rename wins, no temp files remain", async () => {
    const store = newStore();
    await store.writeSecret("shared/k", samplePayload("v-initial"));
    const values = Array.from({ length: 30 }, (_, i) => `v-${i}-${"x".repeat(i * 500)}`);
    let writing = true;
    const reads: string[] = [];
    const reader = async (): Promise<void> => {
      while (writing) reads.push((await store.readSecret("shared/k")).value);
    };

    const readers = [reader(), reader(), reader()];
    await Promise.all(values.map((v) => store.writeSecret("shared/k", samplePayload(v))));
    writing = false;
    await Promise.all(readers);

    expect(reads.length).toBeGreaterThan(0);
    for (const v of reads) expect(["v-initial", ...values]).toContain(v);
    expect(values).toContain((await store.readSecret("shared/k")).value);
    expect(listTree(store.directory)).toEqual(["shared/", "shared/k.age"]);
  });

  test("writes racing deletes of a sibling (which prune empty folders) still land", async () => {
    const store = newStore();
    for (let i = 0; i < 40; i++) {
      await Promise.all([
        store.writeKeyRecord(`team/a${i}`, sampleKeyRecord()),
        store.deleteKeyRecord(`team/b${i}`),
        store.deleteKeyRecord(`team/a${i - 1}`),
      ]);
      expect(await store.readKeyRecord(`team/a${i}`)).toEqual(sampleKeyRecord());
    }
    await store.deleteKeyRecord("team/a39");
    expect(fs.readdirSync(store.directory)).toEqual([]);
  });
});

describe("deletes", () => {
  test("are idempotent and leave the store directory itself empty, and in place", async () => {
    // GIVEN secrets, records and accounts at several depths
    const store = newStore();
    const paths = ["a/b/c", "a/d", "e"];
    for (const p of paths) {
      await store.writeSecret(p, samplePayload());
      await store.writeKeyRecord(p, sampleKeyRecord());
    }
    await store.writeAccountRecord(sampleAccountRecord());
    await store.writeAccountRecord(sampleAccountRecord({ address: "other/stack" }));

    // WHEN everything is deleted, twice
    for (let round = 0; round < 2; round++) {
      for (const p of paths) {
        await store.deleteSecret(p);
        await store.deleteKeyRecord(p);
      }
      await store.deleteAccountRecord("quickstart/billing");
      await store.deleteAccountRecord("other/stack");
    }

    // THEN
    expect(fs.readdirSync(store.directory)).toEqual([]);
  });

  test("a delete keeps folders that still hold something", async () => {
    const store = newStore();
    await store.writeSecret("a/b/c", samplePayload());
    await store.writeKeyRecord("a/b/c", sampleKeyRecord());
    await store.writeSecret("a/x", samplePayload());
    await store.deleteSecret("a/b/c");
    expect(listTree(store.directory)).toEqual(["a/", "a/b/", "a/b/c.json", "a/x.age"]);
    await store.deleteKeyRecord("a/b/c");
    expect(listTree(store.directory)).toEqual(["a/", "a/x.age"]);
  });

  test("deleting in a store that does not exist yet is not an error", async () => {
    const store = newStore();
    await store.deleteSecret("a/b");
    await store.deleteKeyRecord("a/b");
    await store.deleteAccountRecord("x/y");
    expect(fs.existsSync(store.directory)).toBe(false);
  });
});

describe("records", () => {
  test("key records round trip as pretty JSON beside the secret", async () => {
    const store = newStore();
    const record = sampleKeyRecord({ expiresAt: null });
    expect(await store.readKeyRecord("payments/k")).toBeUndefined();
    await store.writeKeyRecord("payments/k", record);
    expect(await store.readKeyRecord("payments/k")).toEqual(record);
    expect(fs.readFileSync(path.join(store.directory, "payments", "k.json"), "utf8")).toBe(`${JSON.stringify(record, null, 2)}\n`);
  });

  test("account records round trip under .accounts, named by the encoded address", async () => {
    const store = newStore();
    const record = sampleAccountRecord({ address: "my stack/billing ü" });
    expect(await store.readAccountRecord(record.address)).toBeUndefined();
    await store.writeAccountRecord(record);
    expect(await store.readAccountRecord(record.address)).toEqual(record);
    expect(listTree(store.directory)).toEqual([".accounts/", `.accounts/${encodeURIComponent(record.address)}.json`]);
    expect(encodeURIComponent(record.address)).toBe("my%20stack%2Fbilling%20%C3%BC");
  });

  test("an address cannot leave .accounts", async () => {
    const store = newStore();
    await store.writeAccountRecord(sampleAccountRecord({ address: "../../x" }));
    expect(listTree(store.directory)).toEqual([".accounts/", ".accounts/..%2F..%2Fx.json"]);
    await expect(store.writeAccountRecord(sampleAccountRecord({ address: "" }))).rejects.toThrow(/`address` must be a non-empty string/);
  });

  test("a damaged record names the file", async () => {
    const store = newStore();
    await store.writeKeyRecord("k", sampleKeyRecord());
    fs.writeFileSync(path.join(store.directory, "k.json"), "{ half");
    await expect(store.readKeyRecord("k")).rejects.toThrow(`${path.join(store.directory, "k.json")} is not a cdktf-api-keys record`);
  });

  test("listKeyRecords walks the store, sorted, skipping secrets, accounts and stray files", async () => {
    const store = newStore();
    expect(await store.listKeyRecords()).toEqual([]); // no directory yet
    await store.writeKeyRecord("z", sampleKeyRecord({ keyId: "z" }));
    await store.writeKeyRecord("a/b/c", sampleKeyRecord({ keyId: "abc" }));
    await store.writeKeyRecord("a/b.json", sampleKeyRecord({ keyId: "a-b.json" }));
    await store.writeSecret("a/b/c", samplePayload());
    await store.writeAccountRecord(sampleAccountRecord());
    fs.writeFileSync(path.join(store.directory, "a", "not valid.json"), "{}");
    fs.writeFileSync(path.join(store.directory, "a", ".k.json.123.tmp"), "partial");

    const listed = await store.listKeyRecords();

    expect(listed.map((r) => [r.secretPath, r.record.keyId])).toEqual([
      ["a/b.json", "a-b.json"],
      ["a/b/c", "abc"],
      ["z", "z"],
    ]);
  });
});

/**
 * Makes a file or folder unchangeable for this process and returns the undo: `chattr +i` when running as
 * root (root ignores permission bits), read-only permission bits otherwise. Undefined when neither works
 * here (then the tests that need it are skipped, visibly).
 */
const lock: ((p: string) => () => void) | undefined = (() => {
  const chattr = (p: string): (() => void) => {
    const set = spawnSync("chattr", ["+i", p], { encoding: "utf8" });
    if (set.status !== 0) throw new Error(`chattr +i ${p} failed: ${set.stderr || set.error}`);
    return () => void spawnSync("chattr", ["-i", p]);
  };
  const chmod = (p: string): (() => void) => {
    const mode = fs.statSync(p).mode & 0o777;
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o500 : 0o400);
    fs.chmodSync(path.dirname(p), fs.statSync(path.dirname(p)).mode & 0o555); // unlink needs the parent's write bit
    return () => {
      fs.chmodSync(path.dirname(p), 0o700);
      fs.chmodSync(p, mode);
    };
  };
  const candidate = process.getuid?.() === 0 ? chattr : chmod;
  const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-lock-probe-"));
  const probe = path.join(probeDir, "f");
  fs.writeFileSync(probe, "");
  try {
    const unlock = candidate(probe);
    let locked = false;
    try {
      fs.unlinkSync(probe);
    } catch {
      locked = true;
    }
    unlock();
    return locked ? candidate : undefined;
  } catch {
    return undefined;
  } finally {
    fs.rmSync(probeDir, { recursive: true, force: true });
  }
})();

const testWhenLockable = lock ? test : test.skip;

describe("file system failures name the real operation, path and errno", () => {
  test("a file where the store directory belongs (EEXIST from mkdir)", async () => {
    const store = newStore();
    fs.writeFileSync(store.directory, "not a folder");
    const error = await rejection(store.writeSecret("k", samplePayload()));
    expect(error.message).toBe(
      `cannot write ${store.directory}/k.age: mkdir ${store.directory} failed with EEXIST (file already exists): ` +
        `${store.directory} is a file, not a folder: move it away`,
    );
    expect(error).toMatchObject({ name: "AgeFileStoreError", code: "EEXIST" });
  });

  test("a file where a folder of the secretPath belongs (ENOTDIR)", async () => {
    const store = newStore();
    await store.writeKeyRecord("team", sampleKeyRecord());
    fs.renameSync(path.join(store.directory, "team.json"), path.join(store.directory, "team"));
    const error = await rejection(store.writeSecret("team/svc/key", samplePayload()));
    expect(error.message).toBe(
      `cannot write ${store.directory}/team/svc/key.age: mkdir ${store.directory}/team/svc failed with ENOTDIR (not a directory): ` +
        `${store.directory}/team is a file, not a folder: move it away`,
    );
    // Nothing can exist below a file, so deleting there is not an error.
    await store.deleteSecret("team/svc/key");
    await store.deleteKeyRecord("team/svc/key");
  });

  test("a folder where the secret file belongs (EISDIR from rename)", async () => {
    const store = newStore();
    fs.mkdirSync(path.join(store.directory, "k.age"), { recursive: true });
    fs.writeFileSync(path.join(store.directory, "k.age", "inner"), "");
    const error = await rejection(store.writeSecret("k", samplePayload()));
    expect(error.message).toMatch(
      new RegExp(`^cannot write ${store.directory}/k\\.age: rename ${store.directory}/\\.k\\.age\\.[0-9]+\\.[0-9a-f]+\\.tmp -> ${store.directory}/k\\.age failed with EISDIR \\(.+\\): a folder is in the way where a file belongs$`),
    );
  });

  testWhenLockable("a secret that may not be deleted says so (EPERM or EACCES from unlink), not ENOTDIR from scandir", async () => {
    // GIVEN a secret this process may not delete
    const store = newStore();
    await store.writeSecret("k", samplePayload());
    const file = path.join(store.directory, "k.age");
    const unlock = lock!(file);
    try {
      // WHEN
      const error = await rejection(store.deleteSecret("k"));

      // THEN
      expect(error.message).toMatch(new RegExp(`^cannot delete ${file}: unlink ${file} failed with (EPERM \\(operation not permitted\\)|EACCES \\(permission denied\\)): `));
      expect(error.message).not.toMatch(/scandir|ENOTDIR/);
      expect((error as AgeFileStoreError).code).toMatch(/^(EPERM|EACCES)$/);
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      unlock();
    }
  });

  testWhenLockable("a folder that may not be written says so (EPERM or EACCES from open), naming the temp file", async () => {
    const store = newStore();
    await store.writeKeyRecord("k", sampleKeyRecord());
    const unlock = lock!(store.directory);
    try {
      const error = await rejection(store.writeKeyRecord("other", sampleKeyRecord()));
      expect(error.message).toMatch(
        new RegExp(`^cannot write ${store.directory}/other\\.json: open ${store.directory}/\\.other\\.json\\.[0-9]+\\.[0-9a-f]+\\.tmp failed with (EPERM|EACCES) `),
      );
    } finally {
      unlock();
    }
    expect(listTree(store.directory)).toEqual(["k.json"]);
  });
});
