import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  type ListSecretsCommandInput,
} from "@aws-sdk/client-secrets-manager";
import {
  startSecretsManagerEmulator,
  type RunningSecretsManagerEmulator,
  type SecretsManagerEmulatorOptions,
} from "../../src/emulator/secrets-manager-emulator";

const TEST_CREDENTIALS = { accessKeyId: "AKIDEMULATORTEST", secretAccessKey: "emulator-test-secret-access-key" };

const emulators: RunningSecretsManagerEmulator[] = [];
const clients: SecretsManagerClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function start(options?: SecretsManagerEmulatorOptions): Promise<RunningSecretsManagerEmulator> {
  const emulator = await startSecretsManagerEmulator(options);
  emulators.push(emulator);
  return emulator;
}

/** The real AWS SDK v3 client, pointed at the emulator (endpoint override, static credentials). */
function sdk(emulator: RunningSecretsManagerEmulator, overrides: { region?: string; accessKeyId?: string } = {}): SecretsManagerClient {
  const client = new SecretsManagerClient({
    region: overrides.region ?? "us-east-1",
    endpoint: emulator.url,
    credentials: { ...TEST_CREDENTIALS, ...(overrides.accessKeyId ? { accessKeyId: overrides.accessKeyId } : {}) },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promise to reject");
}

/** An unsigned-by-the-SDK request: the Authorization header has the SigV4 form (the emulator does not check the signature). */
async function raw(
  emulator: RunningSecretsManagerEmulator,
  target: string,
  body: string,
  headers: Record<string, string | null> = {},
): Promise<{ status: number; headers: Headers; body: { __type?: string; message?: string } & Record<string, unknown> }> {
  const base: Record<string, string | null> = {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": target,
    "x-amz-date": "20250101T000000Z",
    authorization: "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd",
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== null));
  const res = await fetch(`${emulator.url}/`, { method: "POST", headers: sent, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as never };
}

describe("wire protocol", () => {
  test("answers JSON 1.1 with a request id; errors carry __type, message and x-amzn-ErrorType, status 400", async () => {
    // GIVEN an emulator
    const emulator = await start();

    // WHEN a signed request asks for a secret that does not exist
    const reply = await raw(emulator, "secretsmanager.DescribeSecret", JSON.stringify({ SecretId: "nope" }));

    // THEN
    expect(reply.status).toBe(400);
    expect(reply.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(reply.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
    expect(reply.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body).toEqual({ __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." });
  });

  test("requires a SigV4 Authorization header: missing, malformed, other region, other service", async () => {
    const emulator = await start({ region: "eu-west-1" });
    const body = JSON.stringify({ SecretId: "x" });
    const scoped = (region: string, service: string): string =>
      `AWS4-HMAC-SHA256 Credential=AKID/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=00`;

    const missing = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: null });
    const basic = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: "Basic dXNlcjpwYXNz" });
    const noSignature = await raw(emulator, "secretsmanager.DescribeSecret", body, {
      authorization: "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host",
    });
    const noDate = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: scoped("eu-west-1", "secretsmanager"), "x-amz-date": null });
    const otherRegion = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: scoped("us-east-1", "secretsmanager") });
    const otherService = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: scoped("eu-west-1", "s3") });
    const fine = await raw(emulator, "secretsmanager.DescribeSecret", body, { authorization: scoped("eu-west-1", "secretsmanager") });

    expect([missing.status, missing.body.__type]).toEqual([400, "UnrecognizedClientException"]);
    expect(missing.body.message).toMatch(/AWS4-HMAC-SHA256 Credential=/);
    expect(basic.body.__type).toBe("IncompleteSignatureException");
    expect(noSignature.body).toEqual(expect.objectContaining({ __type: "IncompleteSignatureException", message: expect.stringContaining("'Signature'") }));
    expect(noDate.body.message).toMatch(/X-Amz-Date/);
    expect(otherRegion.body).toEqual(expect.objectContaining({ __type: "InvalidSignatureException", message: expect.stringContaining("region") }));
    expect(otherService.body.__type).toBe("InvalidSignatureException");
    expect(fine.body.__type).toBe("ResourceNotFoundException"); // authenticated: the secret just is not there
  });

  test("refuses an unknown X-Amz-Target, another content type, a body that is not a JSON object, and other paths", async () => {
    const emulator = await start();
    const unknown = await raw(emulator, "secretsmanager.RotateEverything", "{}");
    const noTarget = await raw(emulator, "", "{}", { "x-amz-target": null });
    const contentType = await raw(emulator, "secretsmanager.ListSecrets", "{}", { "content-type": "application/json" });
    const notJson = await raw(emulator, "secretsmanager.CreateSecret", '{"Name": "a", "SecretString": "s3cr3t-value');
    const notObject = await raw(emulator, "secretsmanager.ListSecrets", "[]");
    const otherPath = await fetch(`${emulator.url}/secrets`, { method: "GET", headers: { authorization: "AWS4-HMAC-SHA256 Credential=A/20250101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0", "x-amz-date": "20250101T000000Z" } });

    expect(unknown.body.__type).toBe("UnknownOperationException");
    expect(noTarget.body.__type).toBe("UnknownOperationException");
    expect(contentType.body.__type).toBe("SerializationException");
    expect(notJson.body).toEqual({ __type: "SerializationException", message: "The request body is not valid JSON." });
    expect(notObject.body.__type).toBe("SerializationException");
    expect(otherPath.status).toBe(404);
    await otherPath.body?.cancel();
  });

  test("an access key outside accessKeyIds is an UnrecognizedClientException for the SDK", async () => {
    const emulator = await start({ accessKeyIds: [TEST_CREDENTIALS.accessKeyId] });
    await expect(sdk(emulator).send(new ListSecretsCommand({}))).resolves.toEqual(expect.objectContaining({ SecretList: [] }));
    const error = await rejection(sdk(emulator, { accessKeyId: "AKIDSOMEONEELSE" }).send(new ListSecretsCommand({})));
    expect(error.name).toBe("UnrecognizedClientException");
    expect(error.message).toBe("The security token included in the request is invalid.");
  });

  test("the SDK signed for another region is refused", async () => {
    const emulator = await start({ region: "eu-central-1" });
    const error = await rejection(sdk(emulator, { region: "us-east-1" }).send(new ListSecretsCommand({})));
    expect(error.name).toBe("InvalidSignatureException");
  });
});

describe("request shapes (Smithy model of secretsmanager 2017-10-17)", () => {
  test("required members, lengths, ranges, enums and patterns are ValidationExceptions in the service's wording", async () => {
    const emulator = await start();
    const client = sdk(emulator);

    const noSecretId = await raw(emulator, "secretsmanager.GetSecretValue", "{}");
    const wrongType = await raw(emulator, "secretsmanager.ListSecrets", JSON.stringify({ MaxResults: "10" }));
    const longName = await rejection(client.send(new CreateSecretCommand({ Name: "n".repeat(513) })));
    const maxResults = await rejection(client.send(new ListSecretsCommand({ MaxResults: 101 })));
    const filterKey = await rejection(client.send(new ListSecretsCommand({ Filters: [{ Key: "colour" as never, Values: ["x"] }] })));
    const filterValue = await rejection(client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["a*b"] }] })));
    const tokenLength = await rejection(client.send(new PutSecretValueCommand({ SecretId: "s", SecretString: "v", ClientRequestToken: "short" })));

    expect(noSecretId.body).toEqual({
      __type: "ValidationException",
      message: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    });
    expect(wrongType.body.__type).toBe("ValidationException");
    expect(longName.name).toBe("ValidationException");
    expect(longName.message).toMatch(/at 'name' failed to satisfy constraint: Member must have length less than or equal to 512/);
    expect(maxResults.message).toMatch(/at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100/);
    expect(filterKey.message).toMatch(/at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set/);
    expect(filterValue.message).toMatch(/at 'filters.1.member.values.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    expect(tokenLength.message).toMatch(/at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32/);
  });

  test("a sensitive member is never echoed: an oversized SecretString is refused without its value", async () => {
    const emulator = await start();
    const value = `fk_live_${"S".repeat(65536)}`;
    const error = await rejection(sdk(emulator).send(new CreateSecretCommand({ Name: "big", SecretString: value })));
    expect(error.name).toBe("ValidationException");
    expect(error.message).toBe(
      "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    expect(error.message).not.toContain("fk_live_");
  });

  test("parameter rules are InvalidParameterExceptions: name characters, both values, recovery window", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "app/key", SecretString: "v1" }));

    const badName = await rejection(client.send(new CreateSecretCommand({ Name: "app key!", SecretString: "v" })));
    const both = await rejection(client.send(new CreateSecretCommand({ Name: "both", SecretString: "v", SecretBinary: new Uint8Array([1]) })));
    const neither = await rejection(client.send(new PutSecretValueCommand({ SecretId: "app/key" })));
    const shortWindow = await rejection(client.send(new DeleteSecretCommand({ SecretId: "app/key", RecoveryWindowInDays: 6 })));
    const longWindow = await rejection(client.send(new DeleteSecretCommand({ SecretId: "app/key", RecoveryWindowInDays: 31 })));
    const forceAndWindow = await rejection(client.send(new DeleteSecretCommand({ SecretId: "app/key", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })));

    for (const e of [badName, both, neither, shortWindow, longWindow, forceAndWindow]) expect(e.name).toBe("InvalidParameterException");
    expect(badName.message).toMatch(/Invalid name/);
    expect(shortWindow.message).toBe("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    expect(forceAndWindow.message).toMatch(/ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays/);
    expect(emulator.inspect().secrets.map((s) => s.name)).toEqual(["app/key"]); // nothing else was created, nothing deleted
  });
});

describe("secrets and versions", () => {
  test("CreateSecret, GetSecretValue, PutSecretValue: AWSCURRENT moves and AWSPREVIOUS follows", async () => {
    const emulator = await start();
    const client = sdk(emulator);

    const created = await client.send(new CreateSecretCommand({ Name: "team/api-key", SecretString: "one", Description: "first" }));
    const put = await client.send(new PutSecretValueCommand({ SecretId: "team/api-key", SecretString: "two" }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: "team/api-key" }));
    const previous = await client.send(new GetSecretValueCommand({ SecretId: "team/api-key", VersionStage: "AWSPREVIOUS" }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: created.ARN }));

    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:team\/api-key-[A-Za-z0-9]{6}$/);
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);
    expect([current.SecretString, current.VersionId]).toEqual(["two", put.VersionId]);
    expect([previous.SecretString, previous.VersionId]).toEqual(["one", created.VersionId]);
    expect(described.Description).toBe("first");
    expect(described.VersionIdsToStages).toEqual({ [created.VersionId!]: ["AWSPREVIOUS"], [put.VersionId!]: ["AWSCURRENT"] });
    expect(described.CreatedDate).toBeInstanceOf(Date);
  });

  test("a secret is found by name, full ARN and partial ARN", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    const { ARN } = await client.send(new CreateSecretCommand({ Name: "by/id", SecretString: "v" }));
    for (const id of ["by/id", ARN!, ARN!.slice(0, -7)]) {
      expect((await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString).toBe("v");
    }
  });

  test("CreateSecret of an existing name is ResourceExistsException; a repeated ClientRequestToken is idempotent", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    const token = "11111111-2222-3333-4444-555555555555";
    await client.send(new CreateSecretCommand({ Name: "dup", SecretString: "v", ClientRequestToken: token }));

    const retry = await client.send(new CreateSecretCommand({ Name: "dup", SecretString: "v", ClientRequestToken: token }));
    const other = await rejection(client.send(new CreateSecretCommand({ Name: "dup", SecretString: "v" })));
    const putRetry = await client.send(new PutSecretValueCommand({ SecretId: "dup", SecretString: "v", ClientRequestToken: token }));
    const putChanged = await rejection(client.send(new PutSecretValueCommand({ SecretId: "dup", SecretString: "w", ClientRequestToken: token })));

    expect(retry.VersionId).toBe(token);
    expect(other.name).toBe("ResourceExistsException");
    expect(putRetry.VersionId).toBe(token);
    expect(putChanged.name).toBe("ResourceExistsException");
    expect(emulator.inspect().secrets[0].versions).toHaveLength(1);
  });

  test("a secret created without a value has no version: GetSecretValue finds no AWSCURRENT", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    const created = await client.send(new CreateSecretCommand({ Name: "meta-only", Description: "record" }));
    const error = await rejection(client.send(new GetSecretValueCommand({ SecretId: "meta-only" })));
    expect(created.VersionId).toBeUndefined();
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.message).toMatch(/staging label: AWSCURRENT/);
    expect((await client.send(new DescribeSecretCommand({ SecretId: "meta-only" }))).VersionIdsToStages).toEqual({});
  });

  test("UpdateSecret changes the description without a version, and makes a version for a new value", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "u", SecretString: "v1", Description: "old" }));
    const described = await client.send(new UpdateSecretCommand({ SecretId: "u", Description: "new" }));
    const valued = await client.send(new UpdateSecretCommand({ SecretId: "u", SecretString: "v2" }));
    const cleared = await client.send(new UpdateSecretCommand({ SecretId: "u", Description: "" }));
    expect(described.VersionId).toBeUndefined();
    expect(valued.VersionId).toBeDefined();
    expect(cleared.Name).toBe("u");
    const now = await client.send(new DescribeSecretCommand({ SecretId: "u" }));
    expect(now.Description).toBeUndefined();
    expect(Object.keys(now.VersionIdsToStages ?? {})).toHaveLength(2);
    expect((await client.send(new GetSecretValueCommand({ SecretId: "u" }))).SecretString).toBe("v2");
  });

  test("TagResource appends, UntagResource removes (idempotently); reserved and surplus tags are refused", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "t", SecretString: "v", Tags: [{ Key: "team", Value: "billing" }] }));
    await client.send(new TagResourceCommand({ SecretId: "t", Tags: [{ Key: "env", Value: "prod" }, { Key: "team", Value: "payments" }] }));
    await client.send(new UntagResourceCommand({ SecretId: "t", TagKeys: ["env", "not-there"] }));

    expect((await client.send(new DescribeSecretCommand({ SecretId: "t" }))).Tags).toEqual([{ Key: "team", Value: "payments" }]);
    const reserved = await rejection(client.send(new TagResourceCommand({ SecretId: "t", Tags: [{ Key: "aws:owner", Value: "x" }] })));
    const tooMany = await rejection(
      client.send(new TagResourceCommand({ SecretId: "t", Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) })),
    );
    const badChars = await rejection(client.send(new TagResourceCommand({ SecretId: "t", Tags: [{ Key: "owner", Value: "a|b" }] })));
    const longValue = await rejection(client.send(new TagResourceCommand({ SecretId: "t", Tags: [{ Key: "owner", Value: "x".repeat(257) }] })));
    expect(reserved.name).toBe("InvalidParameterException");
    expect(tooMany.message).toMatch(/at most 50 tags/);
    expect(badChars.name).toBe("ValidationException");
    expect(longValue.message).toMatch(/at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256/);
  });
});

describe("deletion", () => {
  test("a recovery window schedules the deletion: reads fail with InvalidRequestException, Describe shows DeletedDate, ListSecrets hides it", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "gone/soon", SecretString: "v" }));

    const deleted = await client.send(new DeleteSecretCommand({ SecretId: "gone/soon", RecoveryWindowInDays: 7 }));
    const get = await rejection(client.send(new GetSecretValueCommand({ SecretId: "gone/soon" })));
    const put = await rejection(client.send(new PutSecretValueCommand({ SecretId: "gone/soon", SecretString: "w" })));
    const update = await rejection(client.send(new UpdateSecretCommand({ SecretId: "gone/soon", Description: "d" })));
    const create = await rejection(client.send(new CreateSecretCommand({ Name: "gone/soon", SecretString: "w" })));
    const again = await rejection(client.send(new DeleteSecretCommand({ SecretId: "gone/soon", RecoveryWindowInDays: 7 })));
    const described = await client.send(new DescribeSecretCommand({ SecretId: "gone/soon" }));
    const listed = await client.send(new ListSecretsCommand({}));
    const listedAll = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));

    expect(deleted.DeletionDate!.getTime() - described.DeletedDate!.getTime()).toBe(7 * 24 * 60 * 60 * 1000);
    expect([get.name, get.message]).toEqual(["InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion."]);
    expect(put.name).toBe("InvalidRequestException");
    expect(update.name).toBe("InvalidRequestException");
    expect(create.message).toBe("You can't create this secret because a secret with this name is already scheduled for deletion.");
    expect(again.message).toMatch(/currently marked deleted/);
    expect(listed.SecretList).toEqual([]);
    expect(listedAll.SecretList?.map((s) => [s.Name, s.DeletedDate instanceof Date])).toEqual([["gone/soon", true]]);

    // RestoreSecret brings it back, value and all
    await client.send(new RestoreSecretCommand({ SecretId: "gone/soon" }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: "gone/soon" }))).SecretString).toBe("v");
  });

  test("the secret is deleted for good when its recovery window ends", async () => {
    let now = new Date("2025-01-01T00:00:00Z");
    const emulator = await start({ now: () => now });
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "w", SecretString: "v" }));
    await client.send(new DeleteSecretCommand({ SecretId: "w" })); // the default window: 30 days

    now = new Date("2025-01-30T23:00:00Z");
    expect((await client.send(new DescribeSecretCommand({ SecretId: "w" }))).DeletedDate).toEqual(new Date("2025-01-01T00:00:00Z"));
    now = new Date("2025-01-31T00:00:00Z");
    expect((await rejection(client.send(new DescribeSecretCommand({ SecretId: "w" })))).name).toBe("ResourceNotFoundException");
    await expect(client.send(new CreateSecretCommand({ Name: "w", SecretString: "new" }))).resolves.toBeDefined();
  });

  test("ForceDeleteWithoutRecovery deletes at once, also a scheduled secret; of a missing secret it is no error", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "f", SecretString: "v" }));
    await client.send(new DeleteSecretCommand({ SecretId: "f", RecoveryWindowInDays: 10 }));

    await client.send(new DeleteSecretCommand({ SecretId: "f", ForceDeleteWithoutRecovery: true }));
    await client.send(new DeleteSecretCommand({ SecretId: "never-was", ForceDeleteWithoutRecovery: true }));
    const withoutForce = await rejection(client.send(new DeleteSecretCommand({ SecretId: "never-was" })));

    expect(emulator.inspect().secrets).toEqual([]);
    expect(withoutForce.name).toBe("ResourceNotFoundException");
    expect((await rejection(client.send(new RestoreSecretCommand({ SecretId: "f" })))).name).toBe("ResourceNotFoundException");
  });

  test("forceDeleteDelayMs keeps the name taken for a while, as the background deletion does", async () => {
    const emulator = await start({ forceDeleteDelayMs: 300 });
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "lag", SecretString: "v" }));
    await client.send(new DeleteSecretCommand({ SecretId: "lag", ForceDeleteWithoutRecovery: true }));

    const early = await rejection(client.send(new CreateSecretCommand({ Name: "lag", SecretString: "w" })));
    expect((await rejection(client.send(new DescribeSecretCommand({ SecretId: "lag" })))).name).toBe("ResourceNotFoundException");
    await new Promise((r) => setTimeout(r, 350));

    expect(early.message).toMatch(/already scheduled for deletion/);
    await expect(client.send(new CreateSecretCommand({ Name: "lag", SecretString: "w" }))).resolves.toBeDefined();
  });
});

describe("ListSecrets", () => {
  async function names(client: SecretsManagerClient, input: ListSecretsCommandInput): Promise<string[]> {
    return ((await client.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name!);
  }

  test("filters: name prefix case-sensitive, description prefix any case, tags, negation with !, several filters all apply", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "app/one", SecretString: "v", Description: "Billing key", Tags: [{ Key: "team", Value: "pay" }] }));
    await client.send(new CreateSecretCommand({ Name: "app/two", SecretString: "v", Description: "other" }));
    await client.send(new CreateSecretCommand({ Name: "App/three", SecretString: "v" }));

    expect(await names(client, { Filters: [{ Key: "name", Values: ["app/"] }] })).toEqual(["app/one", "app/two"]);
    expect(await names(client, { Filters: [{ Key: "description", Values: ["billing"] }] })).toEqual(["app/one"]);
    expect(await names(client, { Filters: [{ Key: "tag-key", Values: ["team"] }] })).toEqual(["app/one"]);
    expect(await names(client, { Filters: [{ Key: "tag-value", Values: ["pay"] }] })).toEqual(["app/one"]);
    expect(await names(client, { Filters: [{ Key: "name", Values: ["!app/"] }] })).toEqual(["App/three"]);
    expect(await names(client, { Filters: [{ Key: "name", Values: ["app/", "App/"] }] })).toEqual(["app/one", "app/two", "App/three"]);
    expect(await names(client, { Filters: [{ Key: "name", Values: ["app/"] }, { Key: "description", Values: ["other"] }] })).toEqual(["app/two"]);
    expect(await names(client, { Filters: [{ Key: "all", Values: ["billing"] }] })).toEqual(["app/one"]);
    expect(await names(client, { SortOrder: "desc" })).toEqual(["App/three", "app/two", "app/one"]);
  });

  test("pages with MaxResults and NextToken; listPageSize caps a page whatever MaxResults asks; a foreign token is refused", async () => {
    const emulator = await start({ listPageSize: 2 });
    const client = sdk(emulator);
    for (let i = 0; i < 5; i++) await client.send(new CreateSecretCommand({ Name: `p/${i}`, SecretString: "v" }));

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: token, Filters: [{ Key: "name", Values: ["p/"] }] }));
      seen.push(...(page.SecretList ?? []).map((s) => s.Name!));
      token = page.NextToken;
      pages++;
    } while (token);

    expect(seen).toEqual(["p/0", "p/1", "p/2", "p/3", "p/4"]);
    expect(pages).toBe(3);
    const first = await client.send(new ListSecretsCommand({ MaxResults: 1 }));
    expect(first.SecretList).toHaveLength(1);
    const forged = await rejection(client.send(new ListSecretsCommand({ NextToken: "bm90LWEtdG9rZW4=" })));
    const otherQuery = await rejection(client.send(new ListSecretsCommand({ NextToken: first.NextToken, Filters: [{ Key: "name", Values: ["p/"] }] })));
    expect(forged.name).toBe("InvalidNextTokenException");
    expect(otherQuery.name).toBe("InvalidNextTokenException");
  });
});

describe("the read-only access key", () => {
  /** An admin-made secret with two versions and a tag, and one scheduled for deletion. */
  async function seeded(options?: SecretsManagerEmulatorOptions): Promise<{ emulator: RunningSecretsManagerEmulator; arn: string }> {
    const emulator = await start(options);
    const admin = sdk(emulator);
    const { ARN } = await admin.send(new CreateSecretCommand({ Name: "ro/app", SecretString: "one", Tags: [{ Key: "team", Value: "ci" }] }));
    await admin.send(new PutSecretValueCommand({ SecretId: "ro/app", SecretString: "two" }));
    await admin.send(new CreateSecretCommand({ Name: "ro/old", SecretString: "old" }));
    await admin.send(new DeleteSecretCommand({ SecretId: "ro/old", RecoveryWindowInDays: 7 }));
    return { emulator, arn: ARN! };
  }

  test("is a fresh random AKIA id by default, or the one given; it must look like an access key id", async () => {
    const emulator = await start();
    expect(emulator.readOnlyAccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect((await start({ readOnlyAccessKeyId: "AKIDREADONLY" })).readOnlyAccessKeyId).toBe("AKIDREADONLY");
    await expect(startSecretsManagerEmulator({ readOnlyAccessKeyId: "AKID/READ" })).rejects.toThrow(/`readOnlyAccessKeyId` must be letters and digits only/);
  });

  test("GetSecretValue, DescribeSecret and ListSecrets work through the SDK", async () => {
    // GIVEN
    const { emulator, arn } = await seeded();
    const reader = sdk(emulator, { accessKeyId: emulator.readOnlyAccessKeyId });

    // WHEN
    const current = await reader.send(new GetSecretValueCommand({ SecretId: "ro/app" }));
    const previous = await reader.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: "AWSPREVIOUS" }));
    const described = await reader.send(new DescribeSecretCommand({ SecretId: "ro/old" }));
    const listed = await reader.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));

    // THEN
    expect([current.SecretString, previous.SecretString]).toEqual(["two", "one"]);
    expect(described.DeletedDate).toBeInstanceOf(Date);
    expect(listed.SecretList?.map((secret) => secret.Name)).toEqual(["ro/app", "ro/old"]);
  });

  test.each([
    ["CreateSecret", () => new CreateSecretCommand({ Name: "ro/new", SecretString: "v" })],
    ["PutSecretValue", () => new PutSecretValueCommand({ SecretId: "ro/app", SecretString: "three" })],
    ["UpdateSecret", () => new UpdateSecretCommand({ SecretId: "ro/app", Description: "changed", SecretString: "three" })],
    ["TagResource", () => new TagResourceCommand({ SecretId: "ro/app", Tags: [{ Key: "owner", Value: "someone" }] })],
    ["UntagResource", () => new UntagResourceCommand({ SecretId: "ro/app", TagKeys: ["team"] })],
    ["DeleteSecret", () => new DeleteSecretCommand({ SecretId: "ro/app", ForceDeleteWithoutRecovery: true })],
    ["RestoreSecret", () => new RestoreSecretCommand({ SecretId: "ro/old" })],
  ] as const)("%s is AccessDeniedException, as a missing IAM permission, and changes nothing", async (action, command) => {
    // GIVEN
    const { emulator } = await seeded();
    const reader = sdk(emulator, { accessKeyId: emulator.readOnlyAccessKeyId });
    const before = emulator.inspect().secrets;

    // WHEN
    const denied = await rejection(reader.send(command() as never));

    // THEN
    const secretId = action === "CreateSecret" ? "ro/new" : action === "RestoreSecret" ? "ro/old" : "ro/app";
    const resource = before.find((secret) => secret.name === secretId)?.arn ?? `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}`;
    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: arn:aws:iam::123456789012:user/${emulator.readOnlyAccessKeyId} is not authorized to perform: secretsmanager:${action} ` +
        `on resource: ${resource} because no identity-based policy allows the secretsmanager:${action} action`,
    );
    expect(emulator.inspect().secrets).toEqual(before);
    expect(emulator.inspect().requests.at(-1)).toEqual({ action, secretId, status: 400, errorType: "AccessDeniedException" });
  });

  test("it is accepted even when accessKeyIds does not list it; other keys still may write", async () => {
    const { emulator } = await seeded({ accessKeyIds: [TEST_CREDENTIALS.accessKeyId] });
    const reader = sdk(emulator, { accessKeyId: emulator.readOnlyAccessKeyId });
    await expect(reader.send(new GetSecretValueCommand({ SecretId: "ro/app" }))).resolves.toMatchObject({ SecretString: "two" });
    expect((await rejection(reader.send(new PutSecretValueCommand({ SecretId: "ro/app", SecretString: "x" })))).name).toBe("AccessDeniedException");
    await expect(sdk(emulator).send(new PutSecretValueCommand({ SecretId: "ro/app", SecretString: "three" }))).resolves.toBeDefined();
  });
});

describe("test hooks", () => {
  test("denyNext makes the next call of an action fail with AccessDeniedException naming action and resource, once", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    const { ARN } = await client.send(new CreateSecretCommand({ Name: "guarded", SecretString: "v" }));
    emulator.denyNext("PutSecretValue");

    const denied = await rejection(client.send(new PutSecretValueCommand({ SecretId: "guarded", SecretString: "w" })));
    await client.send(new PutSecretValueCommand({ SecretId: "guarded", SecretString: "w" }));

    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: arn:aws:iam::123456789012:user/${TEST_CREDENTIALS.accessKeyId} is not authorized to perform: secretsmanager:PutSecretValue ` +
        `on resource: ${ARN} because no identity-based policy allows the secretsmanager:PutSecretValue action`,
    );
    expect(() => emulator.denyNext("DropTables")).toThrow(/unknown operation "DropTables"/);
  });

  test("inspect shows secrets with versions and values, and every request answered", async () => {
    const emulator = await start();
    const client = sdk(emulator);
    await client.send(new CreateSecretCommand({ Name: "i", SecretString: "v", KmsKeyId: "alias/keys" }));
    await rejection(client.send(new GetSecretValueCommand({ SecretId: "missing" })));

    const snapshot = emulator.inspect();

    expect(snapshot.region).toBe("us-east-1");
    expect(snapshot.secrets).toEqual([
      expect.objectContaining({ name: "i", kmsKeyId: "alias/keys", versions: [expect.objectContaining({ stages: ["AWSCURRENT"], secretString: "v" })] }),
    ]);
    expect(snapshot.requests).toEqual([
      { action: "CreateSecret", secretId: "i", status: 200 },
      { action: "GetSecretValue", secretId: "missing", status: 400, errorType: "ResourceNotFoundException" },
    ]);
  });
});
