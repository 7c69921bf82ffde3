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

/** What is remembered of a key's failures (a reference number, a client address). */
export interface LockoutState {
  readonly failures: number;
  readonly lockedUntil: number;
  /** Since when the key has been quiet: its last failure, or the end of its lock if later. */
  readonly quietFrom: number;
}

/**
 * The state after one more failure at `now`, the one rule for every key (the attack review of
 * issue 11: references the CA holds and those it does not must lock and decay alike, or the
 * answers tell them apart). `free` failures pass before the key waits at all (a branch's address
 * serves many visitors' typos). The count starts afresh only after `maxMs` of quiet counted from
 * the end of the lock, so a key at its longest lock gets that lock again, not its free failures.
 */
export function afterFailure(
  previous: LockoutState | undefined,
  now: number,
  policy: LockoutPolicy,
  free = 0,
): LockoutState {
  const counting = previous !== undefined && now - previous.quietFrom < policy.maxMs;
  const failures = (counting ? previous.failures : 0) + 1;
  const lockedUntil = failures <= free ? 0 : now + lockoutDelay(failures - free, policy);
  return { failures, lockedUntil, quietFrom: Math.max(now, lockedUntil) };
}

/**
 * Failures per client address, in memory (item 5: locks per source as well as per reference, so
 * one client cannot try one code against each of many references). Bounded: past `capacity`
 * entries the one whose last failure is oldest is dropped; an address is no secret, so losing its count on a
 * restart or an eviction tells nobody anything.
 */
export class MemoryLockouts {
  private readonly entries = new Map<string, LockoutState>();

  constructor(
    private readonly free = 0,
    private readonly capacity = 10_000,
  ) {}

  lockedUntil(key: string): number {
    return this.entries.get(key)?.lockedUntil ?? 0;
  }

  recordFailure(key: string, now: number, policy: LockoutPolicy): void {
    const state = afterFailure(this.entries.get(key), now, policy, this.free);
    // Re-inserted so that the Map's order is the order of last failures.
    this.entries.delete(key);
    this.entries.set(key, state);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
