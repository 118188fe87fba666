import { AgeFileStore } from "../../src/stores/age-file-store";
import { readIdentity } from "../../src/stores/age-identity";
import { createClient } from "../../src/clients/create-client";
import type { Project } from "./harness";

/** What the API and the store say about a stack's keys, compared with what the stack declares. */
export interface KeyAudit {
  /** Active keys whose value is in no record of the store: nobody can use them, nothing will revoke them. */
  readonly orphaned: string[];
  /** Declared secret paths without a stored value of an active key. */
  readonly lost: string[];
  /** Key names with more than one active key. */
  readonly duplicated: string[];
  readonly active: number;
}

/** Audits the emulator and the store against the secret paths a stack declares (each key named after its path). */
export async function auditKeys(project: Project, secretPaths: readonly string[], options: { checkValues?: boolean } = {}): Promise<KeyAudit> {
  const active = project.emulator.inspect().apiKeys.filter((k: { status: string }) => k.status === "active") as { id: string; name: string }[];
  const store = new AgeFileStore({ directory: project.secretsDir, identity: readIdentity(project.identityFile) });
  const records = await store.listKeyRecords();
  const stored = new Set(records.map((r) => r.record.keyId));
  const activeIds = new Set(active.map((k) => k.id));
  const lost: string[] = [];
  const client = createClient(project.api().toSpec(), project.emulator.adminToken);
  for (const secretPath of secretPaths) {
    const record = records.find((r) => r.secretPath === secretPath)?.record;
    if (!record || !activeIds.has(record.keyId) || !(await store.hasSecret(secretPath))) {
      lost.push(secretPath);
      continue;
    }
    if (options.checkValues) {
      const payload = await store.readSecret(secretPath);
      if (payload.keyId !== record.keyId || !(await client.authenticates(payload.value))) lost.push(secretPath);
    }
  }
  const byName = new Map<string, number>();
  for (const k of active) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
  return {
    orphaned: active.filter((k) => !stored.has(k.id)).map((k) => `${k.id} (${k.name})`),
    lost,
    duplicated: [...byName].filter(([, n]) => n > 1).map(([name]) => name),
    active: active.length,
  };
}
