/**
 * When a key is due for rotation: `rotateEveryDays` after it was minted, or `rotateBeforeExpiryDays`
 * before it expires, whichever comes first. Pure: the provider decides at plan time with its clock,
 * `status` shows the same date. The synthesized JSON holds only the policy, never a date.
 */

const DAY_MS = 86_400_000;

/** The rotation settings of one key, as the `apikeys_api_key` resource carries them. */
export interface RotationPolicy {
  readonly rotateEveryDays?: number;
  readonly rotateBeforeExpiryDays?: number;
}

/** The non-secret times of a minted key (RFC 3339). */
export interface KeyTimes {
  readonly createdAt: string;
  readonly expiresAt: string | null;
}

/** When the key is due, and why; `undefined` when the policy never rotates it. */
export interface RotationDue {
  readonly at: Date;
  /** For people: "30 days after it was minted (2026-11-01T00:00:00.000Z)". */
  readonly reason: string;
}

export function nextRotation(key: KeyTimes, policy: RotationPolicy): RotationDue | undefined {
  const candidates: RotationDue[] = [];
  const created = Date.parse(key.createdAt);
  if (policy.rotateEveryDays !== undefined && !Number.isNaN(created)) {
    candidates.push({
      at: new Date(created + policy.rotateEveryDays * DAY_MS),
      reason: `rotateEveryDays = ${policy.rotateEveryDays}: minted ${key.createdAt}`,
    });
  }
  const expires = key.expiresAt === null ? NaN : Date.parse(key.expiresAt);
  if (policy.rotateBeforeExpiryDays !== undefined && !Number.isNaN(expires)) {
    candidates.push({
      at: new Date(expires - policy.rotateBeforeExpiryDays * DAY_MS),
      reason: `rotateBeforeExpiryDays = ${policy.rotateBeforeExpiryDays}: expires ${key.expiresAt}`,
    });
  }
  return candidates.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
}

/** True when the key is due at `now`. */
export function rotationIsDue(key: KeyTimes, policy: RotationPolicy, now: Date): boolean {
  const due = nextRotation(key, policy);
  return due !== undefined && due.at.getTime() <= now.getTime();
}

/** Whole days from `now` until `at` (negative once past), rounded down. */
export function daysUntil(at: Date, now: Date): number {
  return Math.floor((at.getTime() - now.getTime()) / DAY_MS);
}
