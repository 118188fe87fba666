/**
 * Shared by the store and `get` command tests: temp directories, real key pairs, sample payloads and
 * the Debian `age` CLI (required: the interop tests fail rather than skip when it is missing).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import type { AccountRecord, KeyRecord, SecretPayload } from "../../src/stores/types";

/** A fresh directory under the OS temp dir, removed by {@link removeTempDirs}. */
const created: string[] = [];
export function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-store-"));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface KeyPair {
  readonly identity: string;
  readonly recipient: string;
}

export async function newKeyPair(): Promise<KeyPair> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

export function samplePayload(value = "fk_live_5ecret-Value-0123456789"): SecretPayload {
  return {
    value,
    keyId: "key_123",
    serviceAccountId: "sa_456",
    name: "stripe-webhook",
    createdAt: "2025-01-02T03:04:05.000Z",
    expiresAt: null,
  };
}

export function sampleKeyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    address: "quickstart/payments/webhook-key",
    instanceId: "b6a3c1f0-0000-4000-8000-000000000001",
    keyId: "key_123",
    serviceAccountId: "sa_456",
    name: "stripe-webhook",
    prefix: "fk_live_5e",
    createdAt: "2025-01-02T03:04:05.000Z",
    expiresAt: "2025-04-02T03:04:05.000Z",
    ...overrides,
  };
}

export function sampleAccountRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    address: "quickstart/billing",
    instanceId: "b6a3c1f0-0000-4000-8000-000000000002",
    serviceAccountId: "sa_456",
    name: "billing",
    createdAt: "2025-01-02T03:04:05.000Z",
    ...overrides,
  };
}

/** Path of a tool of the Debian `age` package; throws, telling how to install it, when it is missing. */
export function ageTool(name: "age" | "age-keygen"): string {
  const candidates = [`/usr/bin/${name}`, ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, name))];
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `the \`${name}\` command is not installed (looked for /usr/bin/${name} and on PATH). These interoperability tests ` +
      "never skip: install it with `apt-get install age`.",
  );
}

export interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `age` or `age-keygen` CLI and returns its exit status and output. */
export function runAgeTool(name: "age" | "age-keygen", args: readonly string[], input?: string): ToolResult {
  const result = spawnSync(ageTool(name), args, { input, encoding: "utf8", timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file and directory under `dir`, relative, with `/` separators, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      out.push(entry.isDirectory() ? `${rel}/` : rel);
      if (entry.isDirectory()) walk(path.join(d, entry.name), rel);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** The permission bits of a file or directory. */
export function modeOf(p: string): number {
  return fs.statSync(p).mode & 0o777;
}
