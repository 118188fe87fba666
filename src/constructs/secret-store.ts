import * as fs from "fs";
import * as path from "path";
import { Token } from "../cdktf";
import type { StoreSpec } from "../spec";
import { recipientProblem } from "../stores/age-identity";
import { storeToAttributes } from "../store-attributes";
import { tokenEnvProblem } from "./validate";
import { invalidProp, recipientFileMalformed, recipientFileUnreadable, recipientInvalid, tokenEnvNotAName } from "./errors";

/** Where the encrypted file store keeps secrets and which public key encrypts them. */
export interface AgeFileStoreProps {
  /**
   * Directory of the store. A relative path is relative to the project directory (where `cdktf.json`
   * is); the hooks resolve it there at apply time (see README, "CI pipelines", to move a stack).
   */
  readonly directory: string;
  /**
   * File holding the age recipient (public key, `age1...`) that secrets are encrypted to. Read at synth
   * time, so the machine that applies the stack needs neither this file nor the identity. Relative to
   * the project directory.
   */
  readonly recipientFile: string;
}

/** AWS Secrets Manager. */
export interface AwsSecretsManagerStoreProps {
  /**
   * Region of the secrets.
   * @default - the AWS SDK's region chain at apply (`AWS_REGION`, the profile)
   */
  readonly region?: string;
  /** Prefix of every secret's name, e.g. `cdktf-api-keys/billing`; each secret is `<namePrefix>/<secretPath>`. */
  readonly namePrefix: string;
  /**
   * KMS key (id, ARN or alias) that encrypts the secrets.
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKeyId?: string;
  /**
   * Days a deleted secret stays recoverable: 7 to 30, or 0 to delete at once.
   * @default 30 (as AWS)
   */
  readonly recoveryWindowDays?: number;
  /**
   * Endpoint override, for LocalStack-style endpoints.
   * @default - the region's AWS endpoint
   */
  readonly endpoint?: string;
}

/** HashiCorp Vault's KV version 2 engine. */
export interface VaultKv2StoreProps {
  /**
   * Vault's address, e.g. `https://vault.example.com:8200`.
   * @default - `VAULT_ADDR` at synth
   */
  readonly address?: string;
  /**
   * Mount path of the KV version 2 engine.
   * @default "secret"
   */
  readonly mount?: string;
  /** Folder under the mount for this store's secrets, e.g. `ci/keys`; each secret is `<mount>/<pathPrefix>/<secretPath>`. */
  readonly pathPrefix: string;
  /**
   * NAME of the environment variable holding the Vault token at apply (only the name is synthesized).
   * @default "VAULT_TOKEN"
   */
  readonly tokenEnv?: string;
  /**
   * Vault Enterprise namespace (`X-Vault-Namespace`).
   * @default - none (the root namespace)
   */
  readonly namespace?: string;
}

type StoreDefinition =
  | ({ readonly kind: "age-file" } & AgeFileStoreProps)
  | { readonly kind: "aws-secrets-manager" | "vault-kv2"; readonly spec: StoreSpec };


/** A secrets backend each key's plaintext is written into. Create one with a static factory. */
export class SecretStore {
  /**
   * One age-encrypted file per secret path under `directory`, readable only with the identity that
   * matches the recipient (`npx cdktf-api-keys get <secretPath>`, or the `age` CLI).
   */
  public static ageFile(props: AgeFileStoreProps): SecretStore {
    if (!props?.directory || typeof props.directory !== "string") {
      throw invalidProp("SecretStore.ageFile", "directory", props?.directory, "must be a directory path such as \"secrets\"");
    }
    if (!props.recipientFile || typeof props.recipientFile !== "string") {
      throw invalidProp("SecretStore.ageFile", "recipientFile", props.recipientFile, "must be a file path such as \".keys/recipient.txt\"");
    }
    return new SecretStore({ kind: "age-file", ...props });
  }

  /**
   * One AWS Secrets Manager secret per secret path, named `<namePrefix>/<secretPath>`, with the
   * official AWS SDK and its default credential chain.
   */
  public static awsSecretsManager(props: AwsSecretsManagerStoreProps): SecretStore {
    const where = "SecretStore.awsSecretsManager";
    const namePrefix = (props?.namePrefix ?? "").replace(/^\/+|\/+$/g, "");
    if (!/^[\w+=.@-]+(\/[\w+=.@-]+)*$/.test(namePrefix)) {
      throw invalidProp(where, "namePrefix", props?.namePrefix, "must be a secret name prefix such as \"cdktf-api-keys/billing\" (letters, digits, /_+=.@-)");
    }
    if (props.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region)) throw invalidProp(where, "region", props.region, "must be an AWS region such as eu-west-1");
    const days = props.recoveryWindowDays;
    if (days !== undefined && !(Number.isInteger(days) && (days === 0 || (days >= 7 && days <= 30)))) {
      throw invalidProp(where, "recoveryWindowDays", days, "must be 0 (delete at once) or a whole number of days from 7 to 30");
    }
    if (props.endpoint !== undefined && !/^https?:\/\/\S+$/.test(props.endpoint)) throw invalidProp(where, "endpoint", props.endpoint, "must be an http(s) URL");
    return new SecretStore({
      kind: "aws-secrets-manager",
      spec: {
        kind: "aws-secrets-manager",
        namePrefix,
        ...(props.region !== undefined ? { region: props.region } : {}),
        ...(props.kmsKeyId !== undefined ? { kmsKeyId: props.kmsKeyId } : {}),
        ...(days !== undefined ? { recoveryWindowDays: days } : {}),
        ...(props.endpoint !== undefined ? { endpoint: props.endpoint.replace(/\/+$/, "") } : {}),
      },
    });
  }

  /**
   * One Vault KV v2 secret per secret path, `<mount>/<pathPrefix>/<secretPath>`, with the key's record in
   * its `custom_metadata`; the token is read at apply from the variable named by `tokenEnv`.
   */
  public static vaultKv2(props: VaultKv2StoreProps): SecretStore {
    const where = "SecretStore.vaultKv2";
    const address = (props?.address ?? process.env.VAULT_ADDR ?? "").replace(/\/+$/, "");
    if (!address) {
      throw invalidProp(where, "address", props?.address, "is required: pass Vault's address (e.g. \"https://vault.example.com:8200\"), or set VAULT_ADDR when you synthesize");
    }
    if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(address)) throw invalidProp(where, "address", address, "must be an http(s) URL such as \"https://vault.example.com:8200\"");
    const mount = (props.mount ?? "secret").replace(/^\/+|\/+$/g, "");
    const segment = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
    if (!segment.test(mount)) throw invalidProp(where, "mount", props.mount, "must be a mount path such as \"secret\" (letters, digits, _ . - and /)");
    const pathPrefix = (props.pathPrefix ?? "").replace(/^\/+|\/+$/g, "");
    if (!segment.test(pathPrefix) || pathPrefix.split("/").some((s) => s.startsWith(".") )) {
      throw invalidProp(where, "pathPrefix", props.pathPrefix, "must be a folder such as \"ci/keys\" (letters, digits, _ . - and /; no segment starting with .)");
    }
    const tokenEnv = props.tokenEnv ?? "VAULT_TOKEN";
    const problem = tokenEnvProblem(tokenEnv);
    if (problem !== undefined) throw tokenEnvNotAName(where, problem); // never echoes the value: it may be a token
    if (props.namespace !== undefined && !segment.test(props.namespace.replace(/^\/+|\/+$/g, ""))) throw invalidProp(where, "namespace", props.namespace, "must be a namespace path such as \"team-a\"");
    return new SecretStore({
      kind: "vault-kv2",
      spec: { kind: "vault-kv2", address, mount, pathPrefix, tokenEnv, ...(props.namespace !== undefined ? { namespace: props.namespace.replace(/^\/+|\/+$/g, "") } : {}) },
    });
  }

  private spec?: StoreSpec;
  private identityCache?: { readonly cwd: string; readonly identity: string };

  private constructor(private readonly definition: StoreDefinition) {}

  /** The kind of store. */
  public get kind(): StoreSpec["kind"] {
    return this.definition.kind;
  }

  /**
   * Identity of the store for duplicate-path checks: same kind and same folder. Spellings of one folder
   * are one store: `secrets`, `secrets/`, `./secrets`, its absolute path, and paths through symlinks
   * (resolved as far as the folder exists), all against the project directory (`process.cwd()` at synth).
   */
  public get identity(): string {
    if (this.definition.kind !== "age-file") return JSON.stringify(storeToAttributes({ ...this.toSpec(), ...NO_CREDENTIALS }));
    const given = this.givenDirectory;
    if (Token.isUnresolved(given)) return `age-file:${given}`;
    // Asked once per key at synth: the file system is asked once per project directory.
    const cwd = process.cwd();
    if (this.identityCache?.cwd !== cwd) this.identityCache = { cwd, identity: `age-file:${realPathAsFarAsItExists(path.resolve(cwd, given))}` };
    return this.identityCache.identity;
  }

  /**
   * The store directory in canonical form, as the synthesized spec carries it. Inside the project
   * directory (`process.cwd()` at synth) it is relative, with `/` separators and no trailing `/`:
   * `secrets`, `secrets/`, `./secrets` and the folder's absolute path all give `"secrets"`, and the
   * project directory itself gives `"."`. Outside it, a relative directory stays relative
   * (`"../shared/secrets"`: the stack stays portable) and an absolute one stays absolute, normalized.
   * An unresolved token is returned as given.
   */
  public get directory(): string {
    if (this.definition.kind !== "age-file") return "";
    const given = this.givenDirectory;
    if (Token.isUnresolved(given)) return given;
    const projectDir = process.cwd();
    const absolute = path.resolve(projectDir, given);
    const relative = path.relative(projectDir, absolute);
    if (relative === "") return ".";
    if (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)) return relative.split(path.sep).join("/");
    if (path.isAbsolute(given)) return absolute.split(path.sep).join("/");
    return path.posix.normalize(given).replace(/(.)\/+$/, "$1");
  }

  /** The non-secret spec the hooks receive (reads the recipient file once); `directory` is canonical. */
  public toSpec(): StoreSpec {
    if (!this.spec) {
      this.spec = this.definition.kind === "age-file" ? { kind: "age-file", directory: this.directory, recipient: this.readRecipient(this.definition.recipientFile) } : this.definition.spec;
    }
    return this.spec;
  }

  /** The directory as given, with `\\` read as `/` (projects move between Windows and POSIX machines). */
  private get givenDirectory(): string {
    return this.definition.kind === "age-file" ? this.definition.directory.replace(/\\/g, "/") : "";
  }

  private readRecipient(file: string): string {
    const resolved = path.resolve(file);
    let text: string;
    try {
      text = fs.readFileSync(resolved, "utf8");
    } catch (e) {
      throw recipientFileUnreadable(file, resolved, (e as NodeJS.ErrnoException).code ?? String(e));
    }
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (lines.length !== 1 || !lines[0].startsWith("age1")) throw recipientFileMalformed(file);
    const problem = recipientProblem(lines[0]);
    if (problem?.kind === "checksum") throw recipientInvalid(file, resolved, lines[0], problem.detail);
    if (problem) {
      throw recipientInvalid(
        file,
        resolved,
        lines[0],
        "it is not a native X25519 recipient (`age1` and 58 characters, as `age-keygen -y identity.txt` prints it); " +
          "plugin and post-quantum recipients are not supported",
      );
    }
    return lines[0];
  }
}

/** What does not change where a Secrets Manager store is (for its identity). */
const NO_CREDENTIALS = { kmsKeyId: undefined, recoveryWindowDays: undefined, tokenEnv: undefined } as object;

/** `p` with symlinks resolved in the part of it that exists (the rest appended as given). */
function realPathAsFarAsItExists(p: string): string {
  const missing: string[] = [];
  for (let existing = p; ; existing = path.dirname(existing)) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch {
      if (existing === path.dirname(existing)) return p;
      missing.push(path.basename(existing));
    }
  }
}
