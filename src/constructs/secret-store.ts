import * as fs from "fs";
import * as path from "path";
import type { StoreSpec } from "../spec";
import { invalidProp, recipientFileMalformed, recipientFileUnreadable } from "./errors";

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

/** A secrets backend the hooks write each key's plaintext into. Create one with a static factory. */
export class SecretStore {
  /**
   * One age-encrypted file per secret path under `directory`, readable only with the identity that
   * matches the recipient (`npx cdktf-api-keys get <secretPath>`, or the `age` CLI).
   */
  public static ageFile(props: AgeFileStoreProps): SecretStore {
    return new SecretStore(props);
  }

  private spec?: StoreSpec;

  private constructor(private readonly props: AgeFileStoreProps) {
    if (!props.directory || typeof props.directory !== "string") {
      throw invalidProp("SecretStore.ageFile", "directory", props.directory, "must be a directory path such as \"secrets\"");
    }
    if (!props.recipientFile || typeof props.recipientFile !== "string") {
      throw invalidProp("SecretStore.ageFile", "recipientFile", props.recipientFile, "must be a file path such as \".keys/recipient.txt\"");
    }
  }

  /** Identity of the store for duplicate-path checks: same kind and same directory. */
  public get identity(): string {
    return `age-file:${path.posix.normalize(this.props.directory.replace(/\\/g, "/"))}`;
  }

  /** The non-secret spec the hooks receive (reads the recipient file once). */
  public toSpec(): StoreSpec {
    if (!this.spec) {
      this.spec = { kind: "age-file", directory: this.props.directory, recipient: this.readRecipient() };
    }
    return this.spec;
  }

  private readRecipient(): string {
    const file = this.props.recipientFile;
    const resolved = path.resolve(file);
    let text: string;
    try {
      text = fs.readFileSync(resolved, "utf8");
    } catch (e) {
      throw recipientFileUnreadable(file, resolved, (e as NodeJS.ErrnoException).code ?? String(e));
    }
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (lines.length !== 1 || !/^age1[02-9ac-hj-np-z]{58}$/.test(lines[0])) throw recipientFileMalformed(file);
    return lines[0];
  }
}
