import { afterFailure, type LockoutPolicy, type LockoutState } from '../ca/lockout.js';

// Login throttling for the teller API (issue 14 item 1: "repeated failures slowed per account and
// per address"). The same rule as the CA's authorization codes (src/ca/lockout.ts): some free
// failures, then a wait of `baseMs` doubling with each further failure up to `maxMs`, never a
// permanent lock (a stranger can delay a teller, not lock them out for good). Per account, keyed
// by the name as typed, account or not, so unknown names wait exactly as real ones do; per
// address, so one client cannot try one password against every name.
//
// An attempt counts as a failure from the moment it starts, and is forgiven when it succeeds: a
// burst of parallel logins (each a scrypt in flight) meets the lock its predecessors set, instead
// of all passing the check before the first failure is recorded.

export interface ThrottlePolicy extends LockoutPolicy {
  /** Failures an account name may have before it waits (`teller.loginFreeFailures`). */
  readonly accountFree: number;
  /**
   * Failures one address may have before it waits (`teller.loginAddressFreeFailures`): more
   * than an account's, as every teller at a branch console may share the one loopback address.
   */
  readonly addressFree: number;
}

/** A started attempt: call succeeded() if the password was right; a failure needs nothing. */
export interface LoginAttempt {
  succeeded(): void;
}

export type ThrottleAnswer =
  | { readonly ok: true; readonly attempt: LoginAttempt }
  | { readonly ok: false; readonly retryAfterMs: number };

/** Keys remembered per kind; past it the one failed longest ago is forgotten (memory bound). */
const capacity = 10_000;

export class LoginThrottle {
  readonly #accounts = new Map<string, LockoutState>();
  readonly #addresses = new Map<string, LockoutState>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number,
  ) {}

  /**
   * Starts an attempt for `account` from `address`, or says how long they must wait first. A
   * refused attempt changes nothing (hammering a lock does not lengthen it).
   */
  begin(account: string, address: string): ThrottleAnswer {
    const at = this.now();
    const until = Math.max(
      this.#accounts.get(account)?.lockedUntil ?? 0,
      this.#addresses.get(address)?.lockedUntil ?? 0,
    );
    if (until > at) return { ok: false, retryAfterMs: until - at };
    const accountBefore = this.#accounts.get(account);
    const addressBefore = this.#addresses.get(address);
    const accountAfter = afterFailure(accountBefore, at, this.policy, this.policy.accountFree);
    const addressAfter = afterFailure(addressBefore, at, this.policy, this.policy.addressFree);
    put(this.#accounts, account, accountAfter);
    put(this.#addresses, address, addressAfter);
    return {
      ok: true,
      attempt: {
        succeeded: () => {
          // The right password: the account starts afresh; the address forgets this attempt only
          // (its earlier failures may be another name's guesses).
          this.#accounts.delete(account);
          this.#forgive(address, addressBefore, addressAfter);
        },
      },
    };
  }

  /** Until when a key waits (0: it does not); for tests and the operator. */
  lockedUntil(kind: 'account' | 'address', key: string): number {
    return (kind === 'account' ? this.#accounts : this.#addresses).get(key)?.lockedUntil ?? 0;
  }

  #forgive(address: string, before: LockoutState | undefined, recorded: LockoutState): void {
    const now = this.#addresses.get(address);
    if (now === undefined) return;
    if (now === recorded) {
      // Nothing happened since: as if this attempt had not been counted.
      if (before === undefined) this.#addresses.delete(address);
      else put(this.#addresses, address, before);
      return;
    }
    // Other attempts failed meanwhile: take this one out of the count, keep their lock.
    put(this.#addresses, address, { ...now, failures: Math.max(0, now.failures - 1) });
  }
}

/** Sets a key, last in the Map's order, and forgets the oldest past capacity. */
function put(map: Map<string, LockoutState>, key: string, state: LockoutState): void {
  map.delete(key);
  map.set(key, state);
  if (map.size > capacity) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
