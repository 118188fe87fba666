import { startSecretsManagerEmulator, type RunningSecretsManagerEmulator, type SecretsManagerEmulatorOptions } from "../../src/emulator/secrets-manager-emulator";
import { AwsSecretsManagerStore, AwsSecretsManagerStoreError, type AwsSecretsManagerStoreOptions } from "../../src/stores/aws-secrets-manager-store";
import { accountRecord, intent, keyRecord, payload, rejection, VALUE } from "./store-contract";

const TEST_CREDENTIALS = { accessKeyId: "AKIDSTORETEST", secretAccessKey: "store-test-secret-access-key" };
const PREFIX = "cdktf-api-keys/test";

const emulators: RunningSecretsManagerEmulator[] = [];
const stores: AwsSecretsManagerStore[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function startEmulator(options?: SecretsManagerEmulatorOptions): Promise<RunningSecretsManagerEmulator> {
  const emulator = await startSecretsManagerEmulator(options);
  emulators.push(emulator);
  return emulator;
}

/** A store on the emulator: endpoint override, static test credentials, us-east-1. */
function openStore(emulator: RunningSecretsManagerEmulator, options: Partial<AwsSecretsManagerStoreOptions> = {}): AwsSecretsManagerStore {
  const store = new AwsSecretsManagerStore({
    region: "us-east-1",
    namePrefix: PREFIX,
    endpoint: emulator.url,
    credentials: TEST_CREDENTIALS,
    ...options,
  });
  stores.push(store);
  return store;
}

async function setUp(options: { emulator?: SecretsManagerEmulatorOptions; store?: Partial<AwsSecretsManagerStoreOptions> } = {}): Promise<{
  emulator: RunningSecretsManagerEmulator;
  store: AwsSecretsManagerStore;
}> {
  const emulator = await startEmulator(options.emulator);
  return { emulator, store: openStore(emulator, options.store) };
}

/** Runs `body` with the given environment variables set (undefined: removed), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

/**
 * An environment where the SDK's default credential chain finds nothing, quickly: no key variables,
 * no profile, shared files that do not exist, no container or web identity, instance metadata off.
 */
const NO_AWS_ENVIRONMENT: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_DEFAULT_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/cdktf-api-keys-test/credentials",
  AWS_CONFIG_FILE: "/nonexistent/cdktf-api-keys-test/config",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_ROLE_ARN: undefined,
  AWS_EC2_METADATA_DISABLED: "true",
};

// Every error a test provokes is kept here, and the last test proves none carries a secret value.
const seenErrors: Error[] = [];
function keep<T extends Error>(e: T): T {
  seenErrors.push(e);
  return e;
}

describe("layout in Secrets Manager", () => {
  test("a secret is <namePrefix>/<secretPath>: the payload JSON is its SecretString, the record its description", async () => {
    // GIVEN
    const { emulator, store } = await setUp({ store: { kmsKeyId: "alias/cdktf-api-keys" } });

    // WHEN
    await store.writeSecret("payments/webhook", payload());
    await store.writeKeyRecord("payments/webhook", keyRecord());

    // THEN
    const [secret] = emulator.inspect().secrets;
    expect(secret.name).toBe(`${PREFIX}/payments/webhook`);
    expect(secret.kmsKeyId).toBe("alias/cdktf-api-keys");
    expect(JSON.parse(secret.versions[0].secretString!)).toEqual(payload());
    expect(secret.description).toBe(`cdktf-api-keys key record: ${JSON.stringify(keyRecord())}`);
    expect(secret.tags).toEqual({});
    expect(await store.readSecret("payments/webhook")).toEqual(payload());
    expect(await store.readKeyRecord("payments/webhook")).toEqual(keyRecord());
    expect(await store.hasSecret("payments/webhook")).toBe(true);
  });

  test("a new path is CreateSecret, an existing one PutSecretValue (a new version); a record update is UpdateSecret, no version", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload("first-value-000000"));
    await store.writeKeyRecord("k", keyRecord());
    await store.writeSecret("k", payload("second-value-11111"));
    await store.writeKeyRecord("k", keyRecord({ confirmed: true }));

    const writes = emulator.inspect().requests.filter((r) => r.action !== "DescribeSecret").map((r) => `${r.action}${r.errorType ? `!${r.errorType}` : ""}`);
    expect(writes).toEqual(["CreateSecret", "UpdateSecret", "CreateSecret!ResourceExistsException", "PutSecretValue", "UpdateSecret"]);
    const [secret] = emulator.inspect().secrets;
    expect(secret.versions.map((v) => v.stages)).toEqual([["AWSPREVIOUS"], ["AWSCURRENT"]]);
    expect((await store.readSecret("k")).value).toBe("second-value-11111");
    expect((await store.readKeyRecord("k"))?.confirmed).toBe(true);
  });

  test("a record without a secret lives on a secret without a value: hasSecret is false, readSecret finds nothing", async () => {
    const { emulator, store } = await setUp();
    await store.writeKeyRecord("only/record", keyRecord());

    expect(emulator.inspect().secrets[0].versions).toEqual([]);
    expect(await store.hasSecret("only/record")).toBe(false);
    expect(await store.readKeyRecord("only/record")).toEqual(keyRecord());
    const missing = keep(await rejection(store.readSecret("only/record")));
    expect(missing.code).toBe("ResourceNotFoundException");

    // the secret comes later: the record stays
    await store.writeSecret("only/record", payload());
    expect(await store.hasSecret("only/record")).toBe(true);
    expect(await store.readKeyRecord("only/record")).toEqual(keyRecord());
  });

  test("deleteKeyRecord clears the description of a secret with a value and deletes a secret that only held the record", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("with/value", payload());
    await store.writeKeyRecord("with/value", keyRecord());
    await store.writeKeyRecord("record/only", keyRecord());

    await store.deleteKeyRecord("with/value");
    await store.deleteKeyRecord("record/only");
    await store.deleteKeyRecord("never/was");

    expect(emulator.inspect().secrets.map((s) => [s.name, s.description])).toEqual([[`${PREFIX}/with/value`, ""]]);
    expect(await store.readKeyRecord("with/value")).toBeUndefined();
    expect(await store.readSecret("with/value")).toEqual(payload());
  });

  test("a secret someone else described is not read as a record, and not listed; a damaged record names the secret", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("theirs", payload());
    await store.writeSecret("damaged", payload());
    await store.writeKeyRecord("mine", keyRecord());
    await rawUpdateDescription(emulator, `${PREFIX}/theirs`, "Rotated by the platform team");
    await rawUpdateDescription(emulator, `${PREFIX}/damaged`, "cdktf-api-keys key record: {half");

    const foreign = keep(await rejection(store.readKeyRecord("theirs")));
    const damaged = keep(await rejection(store.readKeyRecord("damaged")));
    const listing = keep(await rejection(store.listKeyRecords()));
    await rawUpdateDescription(emulator, `${PREFIX}/damaged`, "");

    expect(foreign.code).toBe("NotAStoreSecret");
    expect(foreign.message).toMatch(new RegExp(`secret ${PREFIX}/theirs exists but its description is not a cdktf-api-keys key record`));
    expect(damaged.message).toMatch(/has a damaged key record/);
    expect(listing.message).toMatch(/damaged/);
    expect((await store.listKeyRecords()).map((r) => r.secretPath)).toEqual(["mine"]);
    // and deleteKeyRecord leaves someone else's description alone
    await store.deleteKeyRecord("theirs");
    expect(emulator.inspect().secrets.find((s) => s.name.endsWith("/theirs"))?.description).toBe("Rotated by the platform team");
  });

  test("a value that is not a cdktf-api-keys payload is refused without being shown", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("odd", payload());
    await rawPutValue(emulator, `${PREFIX}/odd`, `{"password":"${VALUE}"}`);
    const error = keep(await rejection(store.readSecret("odd")));
    expect(error.code).toBe("NotAStoreSecret");
    expect(error.message).not.toContain(VALUE);
  });
});

describe("deleting", () => {
  test("recoveryWindowDays schedules the deletion (RecoveryWindowInDays); the record goes with the secret", async () => {
    const { emulator, store } = await setUp({ store: { recoveryWindowDays: 7 } });
    await store.writeSecret("k", payload());
    await store.writeKeyRecord("k", keyRecord());

    await store.deleteSecret("k");

    const [secret] = emulator.inspect().secrets;
    expect(Date.parse(secret.deletionDate!) - Date.parse(secret.deletedDate!)).toBe(7 * 24 * 60 * 60 * 1000);
    expect(await store.hasSecret("k")).toBe(false);
    expect(await store.readKeyRecord("k")).toBeUndefined();
    expect(await store.listKeyRecords()).toEqual([]);
    // idempotent: scheduled already, then the record, then a path that never was
    await store.deleteSecret("k");
    await store.deleteKeyRecord("k");
    await store.deleteSecret("never/was");
  });

  test("the default recovery window is Secrets Manager's 30 days", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    const [secret] = emulator.inspect().secrets;
    expect(Date.parse(secret.deletionDate!) - Date.parse(secret.deletedDate!)).toBe(30 * 24 * 60 * 60 * 1000);
  });

  test("recoveryWindowDays 0 deletes without recovery (ForceDeleteWithoutRecovery): the name is free again", async () => {
    const { emulator, store } = await setUp({ store: { recoveryWindowDays: 0 } });
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    expect(emulator.inspect().secrets).toEqual([]);
    await store.writeSecret("k", payload("next-value-222222"));
    expect(emulator.inspect().requests.map((r) => r.action)).not.toContain("RestoreSecret");
    expect((await store.readSecret("k")).value).toBe("next-value-222222");
  });

  test("a secret without a value (a record alone) is left alone by deleteSecret", async () => {
    const { store } = await setUp();
    await store.writeKeyRecord("k", keyRecord());
    await store.deleteSecret("k");
    expect(await store.readKeyRecord("k")).toEqual(keyRecord());
  });
});

describe("a secret scheduled for deletion", () => {
  test("writeSecret re-uses the path: RestoreSecret, the stale record cleared, the new value written", async () => {
    // GIVEN a replaced key: its secret deleted with a recovery window, as destroy-first replacement does
    const { emulator, store } = await setUp();
    await store.writeSecret("billing/prod", payload("old-key-value-3333"));
    await store.writeKeyRecord("billing/prod", keyRecord({ keyId: "key_old" }));
    await store.deleteSecret("billing/prod");

    // WHEN the new key is written at the same path
    await store.writeSecret("billing/prod", payload("new-key-value-4444"));

    // THEN
    const actions = emulator.inspect().requests.map((r) => `${r.action}${r.errorType ? `!${r.errorType}` : ""}`);
    expect(actions.slice(-4)).toEqual(["CreateSecret!InvalidRequestException", "RestoreSecret", "UpdateSecret", "PutSecretValue"]);
    expect((await store.readSecret("billing/prod")).value).toBe("new-key-value-4444");
    expect(await store.readKeyRecord("billing/prod")).toBeUndefined(); // the old key's record did not come back
    expect(await store.hasSecret("billing/prod")).toBe(true);
  });

  test("readSecret explains: scheduled since <date>, restore it with `aws secretsmanager restore-secret` or wait", async () => {
    const { store } = await setUp();
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    const error = keep(await rejection(store.readSecret("k")));
    expect(error.code).toBe("ScheduledForDeletion");
    expect(error.message).toMatch(
      new RegExp(
        `cannot read the secret at secretPath "k": secret ${PREFIX}/k in us-east-1 is scheduled for deletion since \\d{4}-\\d\\d-\\d\\dT[^ ]+ ` +
          `\\(it is deleted for good when its 7 to 30 day recovery window ends\\)\\. Restore it with ` +
          `\`aws secretsmanager restore-secret --secret-id ${PREFIX}/k --region us-east-1\`, or wait until the recovery window ends\\.`,
      ),
    );
  });

  test("when RestoreSecret is denied, writeSecret says so and how to restore by hand", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    emulator.denyNext("RestoreSecret");
    const error = keep(await rejection(store.writeSecret("k", payload())));
    expect(error.code).toBe("ScheduledForDeletion");
    expect(error.message).toMatch(/RestoreSecret was denied \(grant secretsmanager:RestoreSecret\)/);
    expect(error.message).toMatch(/aws secretsmanager restore-secret --secret-id cdktf-api-keys\/test\/k --region us-east-1/);
  });

  test("writeKeyRecord does not bring a deleted value back: it explains instead", async () => {
    const { store } = await setUp();
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    const error = keep(await rejection(store.writeKeyRecord("k", keyRecord())));
    expect(error.code).toBe("ScheduledForDeletion");
    expect(await store.hasSecret("k")).toBe(false);
  });

  test("writes wait for a name a delete without recovery has not freed yet (the background deletion)", async () => {
    const { emulator, store } = await setUp({ emulator: { forceDeleteDelayMs: 400 }, store: { recoveryWindowDays: 0 } });
    await store.writeSecret("k", payload());
    await store.writeMintIntent("k", intent());
    await store.writeAccountRecord(accountRecord());
    await store.deleteSecret("k");
    await store.deleteMintIntent("k");
    await store.deleteAccountRecord("quickstart/billing");

    await store.writeSecret("k", payload("after-lag-555555"));
    await store.writeMintIntent("k", intent());
    await store.writeAccountRecord(accountRecord({ instanceId: "again" }));

    expect((await store.readSecret("k")).value).toBe("after-lag-555555");
    expect(await store.readMintIntent("k")).toEqual(intent());
    expect((await store.readAccountRecord("quickstart/billing"))?.instanceId).toBe("again");
    expect(emulator.inspect().requests.filter((r) => r.errorType === "InvalidRequestException").length).toBeGreaterThan(0);
  });

  test("after deletionWaitMs the write gives up with StillDeleting", async () => {
    const { store } = await setUp({ emulator: { forceDeleteDelayMs: 60_000 }, store: { recoveryWindowDays: 0, deletionWaitMs: 300 } });
    await store.writeSecret("k", payload());
    await store.deleteSecret("k");
    const error = keep(await rejection(store.writeSecret("k", payload())));
    expect(error.code).toBe("StillDeleting");
    expect(error.message).toMatch(/still being deleted by Secrets Manager after 300 ms/);
  });
});

describe("mint intents", () => {
  test("are hidden secrets without a value, claimed exclusively: a second claim fails with code EEXIST", async () => {
    const { emulator, store } = await setUp();
    expect(await store.readMintIntent("billing/prod")).toBeUndefined();
    await store.writeMintIntent("billing/prod", intent());

    const other = openStore(emulator);
    const error = keep(await rejection(other.writeMintIntent("billing/prod", intent({ address: "other-stack/key", startedAt: "2025-01-02T03:04:06.000Z" }))));

    expect(emulator.inspect().secrets.map((s) => [s.name, s.versions.length])).toEqual([[`${PREFIX}/.cdktf-api-keys/intents/billing/prod`, 0]]);
    expect(error.code).toBe("EEXIST");
    expect(error.message).toMatch(/another apply is minting a key at secretPath "billing\/prod" right now .*written by quickstart\/payments\/webhook-key/);
    expect(await store.readMintIntent("billing/prod")).toEqual(intent());
    await store.deleteMintIntent("billing/prod");
    await store.deleteMintIntent("billing/prod");
    expect(await store.readMintIntent("billing/prod")).toBeUndefined();
  });

  test("concurrent claims: exactly one wins", async () => {
    const { emulator } = await setUp();
    const contenders = Array.from({ length: 8 }, () => openStore(emulator));
    const results = await Promise.allSettled(contenders.map((s, i) => s.writeMintIntent("hot/path", intent({ address: `stack${i}/key` }))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => ((r as PromiseRejectedResult).reason as AwsSecretsManagerStoreError).code)).toEqual(
      Array(7).fill("EEXIST"),
    );
  });

  test("our own claim, retried after a lost answer, is no conflict; an intent someone scheduled for deletion is no claim", async () => {
    const { emulator, store } = await setUp();
    await store.writeMintIntent("k", intent());
    await store.writeMintIntent("k", intent()); // the SDK's retry of a create whose answer was lost sees its own intent
    await rawDelete(emulator, `${PREFIX}/.cdktf-api-keys/intents/k`, 7);

    expect(await store.readMintIntent("k")).toBeUndefined();
    await store.writeMintIntent("k", intent({ startedAt: "2025-02-02T00:00:00.000Z" }));
    expect((await store.readMintIntent("k"))?.startedAt).toBe("2025-02-02T00:00:00.000Z");
  });
});

describe("account records", () => {
  test("round trip under <namePrefix>/.cdktf-api-keys/accounts/<encoded address>, and are deleted without recovery", async () => {
    const { emulator, store } = await setUp();
    const record = accountRecord({ address: "my stack/billing ü+x" });
    expect(await store.readAccountRecord(record.address)).toBeUndefined();
    await store.writeAccountRecord(record);
    await store.writeAccountRecord({ ...record, instanceId: "updated" });

    expect(emulator.inspect().secrets.map((s) => s.name)).toEqual([`${PREFIX}/.cdktf-api-keys/accounts/my+20stack/billing+20+C3+BC+2Bx`]);
    expect(await store.readAccountRecord(record.address)).toEqual({ ...record, instanceId: "updated" });
    await store.deleteAccountRecord(record.address);
    await store.deleteAccountRecord(record.address);
    expect(emulator.inspect().secrets).toEqual([]);
    await expect(store.writeAccountRecord(accountRecord({ address: "" }))).rejects.toThrow(/`address` must be a non-empty string/);
  });

  test("an account record someone scheduled for deletion is restored (it holds nothing secret)", async () => {
    const { emulator, store } = await setUp();
    await store.writeAccountRecord(accountRecord());
    await rawDelete(emulator, `${PREFIX}/.cdktf-api-keys/accounts/quickstart/billing`, 7);
    expect(await store.readAccountRecord("quickstart/billing")).toBeUndefined();
    await store.writeAccountRecord(accountRecord({ instanceId: "back" }));
    expect((await store.readAccountRecord("quickstart/billing"))?.instanceId).toBe("back");
  });
});

describe("listKeyRecords", () => {
  test("follows NextToken over several pages, sorted by secret path, skipping what is not a key record of this prefix", async () => {
    // GIVEN pages of 2 secrets, and around the records: intents, accounts, a scheduled secret, a secret
    // without a record, another prefix that shares the first characters
    const { emulator, store } = await setUp({ emulator: { listPageSize: 2 } });
    for (const p of ["z", "a/b/c", "a/b.json", "m-1", "m_2"]) {
      await store.writeSecret(p, payload());
      await store.writeKeyRecord(p, keyRecord({ keyId: `key-${p}` }));
    }
    await store.writeSecret("no/record", payload());
    await store.writeMintIntent("z", intent());
    await store.writeAccountRecord(accountRecord());
    await store.writeSecret("deleted", payload());
    await store.writeKeyRecord("deleted", keyRecord());
    await store.deleteSecret("deleted");
    const neighbour = openStore(emulator, { namePrefix: `${PREFIX}x` });
    await neighbour.writeKeyRecord("n", keyRecord());

    // WHEN
    const listed = await store.listKeyRecords();

    // THEN
    expect(listed.map((r) => [r.secretPath, r.record.keyId])).toEqual([
      ["a/b.json", "key-a/b.json"],
      ["a/b/c", "key-a/b/c"],
      ["m-1", "key-m-1"],
      ["m_2", "key-m_2"],
      ["z", "key-z"],
    ]);
    expect(listed[0].record).toEqual(keyRecord({ keyId: "key-a/b.json" }));
    const listCalls = emulator.inspect().requests.filter((r) => r.action === "ListSecrets");
    expect(listCalls.length).toBeGreaterThanOrEqual(4); // 9 matching secrets, 2 a page
  });

  test("more than one page of 100 at the service's own page size", async () => {
    const { emulator, store } = await setUp();
    const paths = Array.from({ length: 105 }, (_, i) => `bulk/k${String(i).padStart(3, "0")}`);
    for (const p of paths) await store.writeKeyRecord(p, keyRecord({ keyId: p }));
    const listed = await store.listKeyRecords();
    expect(listed.map((r) => r.secretPath)).toEqual(paths);
    expect(emulator.inspect().requests.filter((r) => r.action === "ListSecrets")).toHaveLength(2);
  });

  test("an empty store lists nothing", async () => {
    const { store } = await setUp();
    expect(await store.listKeyRecords()).toEqual([]);
  });
});

describe("errors name the action, the secret and the fix", () => {
  test("AccessDenied: the IAM permission to grant, on the prefix's ARN pattern", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("billing/prod", payload());
    emulator.denyNext("PutSecretValue");

    const error = keep(await rejection(store.writeSecret("billing/prod", payload())));

    expect(error).toBeInstanceOf(AwsSecretsManagerStoreError);
    expect(error.code).toBe("AccessDeniedException");
    expect(error.message).toContain(
      `cannot write the secret at secretPath "billing/prod": Secrets Manager denied PutSecretValue on secret ${PREFIX}/billing/prod in us-east-1. ` +
        `The caller needs the IAM permission secretsmanager:PutSecretValue on arn:aws:secretsmanager:us-east-1:<account-id>:secret:${PREFIX}/*. AWS said: User: `,
    );
    expect(error.message).toMatch(/on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:cdktf-api-keys\/test\/billing\/prod-\w{6}/);
  });

  test("AccessDenied on ListSecrets names the account-wide permission, and KMS permissions when a key is set", async () => {
    const { emulator, store } = await setUp({ store: { kmsKeyId: "alias/keys" } });
    emulator.denyNext("ListSecrets");
    emulator.denyNext("CreateSecret");
    const list = keep(await rejection(store.listKeyRecords()));
    const create = keep(await rejection(store.writeSecret("k", payload())));
    expect(list.message).toMatch(/denied ListSecrets on the account's secrets in us-east-1\. The caller needs the IAM permission secretsmanager:ListSecrets on \*\./);
    expect(create.message).toMatch(/secretsmanager:CreateSecret on .* \(and kms:GenerateDataKey and kms:Decrypt on KMS key alias\/keys\)/);
  });

  test("AccessDenied on reads: DescribeSecret for records and hasSecret, GetSecretValue for the value", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload());
    emulator.denyNext("DescribeSecret");
    emulator.denyNext("GetSecretValue");
    const describe = keep(await rejection(store.hasSecret("k")));
    const get = keep(await rejection(store.readSecret("k")));
    expect(describe.message).toMatch(/cannot check the secret at secretPath "k": .* secretsmanager:DescribeSecret/);
    expect(get.message).toMatch(/cannot read the secret at secretPath "k": .* secretsmanager:GetSecretValue/);
  });

  test("ResourceNotFound: reading a missing secret names the secretPath, the secret name and the region", async () => {
    const { store } = await setUp();
    const error = keep(await rejection(store.readSecret("payments/missing")));
    expect(error.code).toBe("ResourceNotFoundException");
    expect(error.message).toBe(
      `no secret at secretPath "payments/missing": Secrets Manager in us-east-1 has no secret ${PREFIX}/payments/missing with a value. ` +
        `Check the secretPath, the store's namePrefix "${PREFIX}" and region, and that the stack holding this key was applied.`,
    );
  });

  test("missing credentials: the default chain finds none, and the message says which variables or profile to set", async () => {
    const emulator = await startEmulator();
    const error = await withEnv(NO_AWS_ENVIRONMENT, async () => {
      const store = openStore(emulator, { credentials: undefined });
      return keep(await rejection(store.writeSecret("k", payload())));
    });
    expect(error.code).toBe("CredentialsProviderError");
    expect(error.message).toMatch(/^cannot write the secret at secretPath "k": no AWS credentials were found, so CreateSecret was not sent\. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(error.message).toMatch(/AWS_PROFILE/);
    expect(emulator.inspect().requests).toEqual([]); // nothing was sent unsigned
  });

  test("the default chain takes credentials from the environment; an access key AWS does not know is explained", async () => {
    const emulator = await startEmulator({ accessKeyIds: ["AKIDFROMENVIRONMENT"] });
    await withEnv({ ...NO_AWS_ENVIRONMENT, AWS_ACCESS_KEY_ID: "AKIDFROMENVIRONMENT", AWS_SECRET_ACCESS_KEY: "env-secret" }, async () => {
      const store = openStore(emulator, { credentials: undefined });
      await store.writeSecret("k", payload());
      expect((await store.readSecret("k")).value).toBe(VALUE);
    });
    const error = await withEnv({ ...NO_AWS_ENVIRONMENT, AWS_ACCESS_KEY_ID: "AKIDUNKNOWN", AWS_SECRET_ACCESS_KEY: "env-secret" }, async () =>
      keep(await rejection(openStore(emulator, { credentials: undefined }).hasSecret("k"))),
    );
    expect(error.code).toBe("UnrecognizedClientException");
    expect(error.message).toMatch(/AWS does not recognize the access key .* Check AWS_ACCESS_KEY_ID/);
  });

  test("no region anywhere: the message says to pass `region` or set AWS_REGION", async () => {
    const emulator = await startEmulator();
    const error = await withEnv(NO_AWS_ENVIRONMENT, async () => keep(await rejection(openStore(emulator, { region: undefined }).hasSecret("k"))));
    expect(error.code).toBe("RegionMissing");
    expect(error.message).toMatch(/Pass `region` to the store, or set AWS_REGION/);
  });

  test("the region comes from AWS_REGION when not given", async () => {
    const emulator = await startEmulator({ region: "eu-west-3" });
    await withEnv({ AWS_REGION: "eu-west-3" }, async () => {
      const store = openStore(emulator, { region: undefined });
      await store.writeSecret("k", payload());
    });
    expect(emulator.inspect().secrets[0].arn).toMatch(/^arn:aws:secretsmanager:eu-west-3:/);
  });

  test("the endpoint override is where every request goes; an endpoint that does not answer is explained", async () => {
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload());
    expect(emulator.inspect().requests.length).toBeGreaterThan(0);

    const dead = await startEmulator();
    const url = dead.url;
    await dead.close();
    const error = keep(await rejection(new AwsSecretsManagerStore({ region: "us-east-1", namePrefix: PREFIX, endpoint: url, credentials: TEST_CREDENTIALS }).hasSecret("k")));
    expect(error.code).toBe("ConnectionFailed");
    expect(error.message).toContain(`could not be reached at ${url} (ECONNREFUSED, DescribeSecret)`);
  });

  test("the constructor checks its options and says what is expected", () => {
    const base = { namePrefix: PREFIX, region: "us-east-1" };
    expect(() => new AwsSecretsManagerStore({ ...base, namePrefix: "" })).toThrow(/`namePrefix` must be letters, digits and \/_\+=\.@-/);
    expect(() => new AwsSecretsManagerStore({ ...base, namePrefix: "has space" })).toThrow(/`namePrefix`/);
    expect(() => new AwsSecretsManagerStore({ ...base, namePrefix: "a//b" })).toThrow(/no empty segment/);
    expect(() => new AwsSecretsManagerStore({ ...base, namePrefix: "x".repeat(300) })).toThrow(/at most 262 characters/);
    expect(() => new AwsSecretsManagerStore({ ...base, region: "Europe" })).toThrow(/`region` must be an AWS region code such as "eu-west-1" \(got "Europe"\)/);
    expect(() => new AwsSecretsManagerStore({ ...base, recoveryWindowDays: 3 })).toThrow(/`recoveryWindowDays` must be 0 .* or a whole number from 7 to 30 \(got 3\)/);
    expect(() => new AwsSecretsManagerStore({ ...base, endpoint: "localhost:4566" })).toThrow(/`endpoint` must be an http\(s\) URL/);
    const trailing = new AwsSecretsManagerStore({ ...base, namePrefix: `${PREFIX}/` });
    expect(trailing.namePrefix).toBe(PREFIX);
    trailing.close();
  });

  test("every operation checks the secretPath before calling AWS", async () => {
    const { emulator, store } = await setUp();
    for (const op of [
      () => store.writeSecret("../x", payload()),
      () => store.readSecret("/abs"),
      () => store.hasSecret(".cdktf-api-keys/intents/x"),
      () => store.writeKeyRecord("a//b", keyRecord()),
      () => store.writeMintIntent("", intent()),
    ]) {
      await expect(op()).rejects.toThrow(/`secretPath`/);
    }
    expect(emulator.inspect().requests).toEqual([]);
  });

  test("a record too long for a description (2048 characters) is refused before anything is written", async () => {
    const { emulator, store } = await setUp();
    const error = keep(await rejection(store.writeKeyRecord("k", keyRecord({ name: "n".repeat(2100) }))));
    expect(error.code).toBe("RecordTooLong");
    expect(emulator.inspect().requests).toEqual([]);
  });

  test("no error message carries a secret value (the payload's value or its JSON)", async () => {
    // GIVEN every write of a value failing once, in each way a write can fail
    const { emulator, store } = await setUp();
    await store.writeSecret("k", payload());
    for (const action of ["CreateSecret", "PutSecretValue", "GetSecretValue"]) emulator.denyNext(action);
    const attempts = [
      () => store.writeSecret("new", payload()),
      () => store.writeSecret("k", payload()),
      () => store.readSecret("k"),
      () => store.writeSecret("k", payload(`${VALUE}${"x".repeat(70000)}`)), // refused by the service as too long
    ];
    for (const attempt of attempts) keep(await rejection(attempt()));
    await store.deleteSecret("k");
    keep(await rejection(store.readSecret("k")));

    // THEN neither these nor any error the other tests of this file provoked shows the value
    expect(seenErrors.length).toBeGreaterThanOrEqual(attempts.length + 1);
    for (const e of seenErrors) {
      expect(e.message).not.toContain(VALUE);
      expect(e.message).not.toContain("5ecret-Value");
      expect(e.message).not.toContain(JSON.stringify(payload()));
    }
  });
});

// Changes made behind the store's back, as another tool or a person would, through the wire protocol.
async function rawCall(emulator: RunningSecretsManagerEmulator, action: string, input: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator.url}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `secretsmanager.${action}`,
      "x-amz-date": "20250101T000000Z",
      authorization: "AWS4-HMAC-SHA256 Credential=AKIDOTHERTOOL/20250101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00",
    },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${action} failed: ${res.status} ${text}`);
}

const rawUpdateDescription = (e: RunningSecretsManagerEmulator, name: string, description: string) => rawCall(e, "UpdateSecret", { SecretId: name, Description: description });
const rawPutValue = (e: RunningSecretsManagerEmulator, name: string, value: string) =>
  rawCall(e, "PutSecretValue", { SecretId: name, SecretString: value, ClientRequestToken: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" });
const rawDelete = (e: RunningSecretsManagerEmulator, name: string, days: number) => rawCall(e, "DeleteSecret", { SecretId: name, RecoveryWindowInDays: days });
