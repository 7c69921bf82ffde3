/**
 * How long a reference number waits after failed authorizations (issue 11 item 5): the first
 * failure locks it for `baseMs`, each further one doubles the wait, up to `maxMs`. A lock is never
 * permanent, so a stranger who knows the 8 digits can delay the holder but not deny them.
 */
export interface LockoutPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The configuration's defaults (`ca.lockoutBaseMs`, `ca.lockoutMaxMs`). */
export const defaultLockout: LockoutPolicy = { baseMs: 1000, maxMs: 900_000 };

/** The wait after the `failures`-th failure (1-based). */
export function lockoutDelay(failures: number, policy: LockoutPolicy): number {
  // 2 ** 40 already exceeds any maxMs the configuration allows; stop there to stay finite.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
}

/**
 * Failures against references the database does not hold, kept in memory so that an unknown
 * reference locks exactly as a known one does: the answers must not tell them apart. Bounded:
 * past `capacity` entries the oldest is dropped (a lock on a reference that does not exist
 * protects nothing).
 */
export class UnknownReferenceLockouts {
  private readonly entries = new Map<string, { failures: number; lockedUntil: number }>();

  constructor(private readonly capacity = 10_000) {}

  lockedUntil(ref: string): number {
    return this.entries.get(ref)?.lockedUntil ?? 0;
  }

  recordFailure(ref: string, now: number, policy: LockoutPolicy): void {
    const failures = (this.entries.get(ref)?.failures ?? 0) + 1;
    this.entries.delete(ref);
    this.entries.set(ref, { failures, lockedUntil: now + lockoutDelay(failures, policy) });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
