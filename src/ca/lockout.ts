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
 * Failures counted in memory, by a key: references the database does not hold (so that an
 * unknown reference locks exactly as a known one does: the answers must not tell them apart), and
 * client addresses (item 5: locks per source as well as per reference, so one client cannot try
 * one code against each of many references). `free` failures pass before a key waits at all (a
 * branch's address serves many visitors' typos); a key quiet for `maxMs` starts afresh. Bounded:
 * past `capacity` entries the oldest is dropped.
 */
export class MemoryLockouts {
  private readonly entries = new Map<
    string,
    { failures: number; lockedUntil: number; last: number }
  >();

  constructor(
    private readonly free = 0,
    private readonly capacity = 10_000,
  ) {}

  lockedUntil(key: string): number {
    return this.entries.get(key)?.lockedUntil ?? 0;
  }

  recordFailure(key: string, now: number, policy: LockoutPolicy): void {
    const entry = this.entries.get(key);
    const failures =
      (entry !== undefined && now - entry.last < policy.maxMs ? entry.failures : 0) + 1;
    this.entries.delete(key);
    const lockedUntil =
      failures <= this.free ? 0 : now + lockoutDelay(failures - this.free, policy);
    this.entries.set(key, { failures, lockedUntil, last: now });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
