import { createHash, randomBytes } from 'node:crypto';

// Teller sessions (issue 14 item 1): a login gives a random bearer token that ends at logout,
// after `idleMs` without a request, after `sessionMs` in all (a shift), or when the account is
// disabled. Kept in memory, each under the SHA-256 of its token: a kiosk restart logs every
// teller out, and nothing on disk or in a heap dump of this map lets anyone act as a teller.

/** How long sessions last (`teller.sessionMs`, `teller.idleMs`). */
export interface SessionPolicy {
  /** From login to the forced end, however busy: 8 hours by default (a shift). */
  readonly sessionMs: number;
  /** Without a request: 15 minutes by default (a console left alone at the counter). */
  readonly idleMs: number;
}

/**
 * Sessions one teller may hold at once (a teller at a console or two); a further login ends the
 * oldest, so repeated logins cannot fill the kiosk's memory.
 */
export const maxSessionsPerTeller = 4;

/** A token as issued: 32 random bytes, base64url without padding. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface OpenedSession {
  readonly token: string;
  /** When the session ends at the latest (ms since the epoch). */
  readonly expires: number;
  /** When it ends if no request comes first. */
  readonly idleExpires: number;
}

/** Why a session ended, as onEnd reports it. */
export type SessionEnd = 'logout' | 'expired' | 'disabled' | 'replaced';

interface Entry {
  readonly teller: string;
  readonly createdAt: number;
  lastSeen: number;
}

export class Sessions {
  readonly #byHash = new Map<string, Entry>();

  /**
   * @param now The clock (ms since the epoch); tests pass their own.
   * @param onEnd Told of every session that ends, whatever the cause (the audit log).
   */
  constructor(
    private readonly policy: SessionPolicy,
    private readonly now: () => number,
    private readonly onEnd: (teller: string, why: SessionEnd) => void = () => undefined,
  ) {}

  /** A new session for `teller` (whose password was just checked). */
  open(teller: string): OpenedSession {
    this.#sweep();
    const mine = [...this.#byHash].filter(([, e]) => e.teller === teller);
    // The Map keeps insertion order: the first is the oldest.
    for (const [hash] of mine.slice(0, Math.max(0, mine.length - maxSessionsPerTeller + 1))) {
      this.#byHash.delete(hash);
      this.onEnd(teller, 'replaced');
    }
    const bytes = randomBytes(32);
    const token = bytes.toString('base64url');
    bytes.fill(0);
    const at = this.now();
    this.#byHash.set(hashOf(token), { teller, createdAt: at, lastSeen: at });
    return { token, expires: at + this.policy.sessionMs, idleExpires: at + this.policy.idleMs };
  }

  /**
   * The teller a token stands for, its idle time restarted; undefined for a token that is not
   * (or no longer) a session. An expired one is removed and reported.
   */
  use(token: string): { readonly teller: string; readonly expires: number } | undefined {
    if (!tokenPattern.test(token)) return undefined;
    const hash = hashOf(token);
    const entry = this.#byHash.get(hash);
    if (entry === undefined) return undefined;
    const at = this.now();
    if (this.#expired(entry, at)) {
      this.#byHash.delete(hash);
      this.onEnd(entry.teller, 'expired');
      return undefined;
    }
    entry.lastSeen = at;
    return { teller: entry.teller, expires: entry.createdAt + this.policy.sessionMs };
  }

  /** Ends the token's session (logout); the teller it was, or undefined. */
  end(token: string): string | undefined {
    if (!tokenPattern.test(token)) return undefined;
    const hash = hashOf(token);
    const entry = this.#byHash.get(hash);
    if (entry === undefined) return undefined;
    this.#byHash.delete(hash);
    this.onEnd(entry.teller, 'logout');
    return entry.teller;
  }

  /** Ends every session of `teller` (its account was disabled); how many there were. */
  endAllFor(teller: string): number {
    let ended = 0;
    for (const [hash, entry] of this.#byHash) {
      if (entry.teller !== teller) continue;
      this.#byHash.delete(hash);
      ended++;
    }
    if (ended > 0) this.onEnd(teller, 'disabled');
    return ended;
  }

  /** Open sessions (tests, the operator's status). */
  get size(): number {
    return this.#byHash.size;
  }

  #expired(entry: Entry, at: number): boolean {
    return (
      at - entry.createdAt >= this.policy.sessionMs || at - entry.lastSeen >= this.policy.idleMs
    );
  }

  /** Drops sessions that ended without being used again, at each login. */
  #sweep(): void {
    const at = this.now();
    for (const [hash, entry] of this.#byHash) {
      if (!this.#expired(entry, at)) continue;
      this.#byHash.delete(hash);
      this.onEnd(entry.teller, 'expired');
    }
  }
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
