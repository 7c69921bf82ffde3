// Teller accounts (issue 14 item 1): made with a password that meets the policy, stored as a
// scrypt hash, disabled (never deleted, never renamed), and checked at login. The login check
// costs the same whether the name is an account, a disabled account or nothing at all, so the
// answer's timing does not tell which names exist.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TellerAccountStore, tellerDatabaseFile, type TellerAccountRow } from './accountStore.js';
import { TellerExistsError, TellerNotFoundError, TellerPasswordRulesError } from './errors.js';
import { tellerName, tellerNameRule } from './names.js';
import {
  defaultScryptParams,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParams,
} from './passwordHash.js';
import { checkTellerPassword, passwordBytes, passwordProblemMessage } from './passwordPolicy.js';

/** An account as the CLI lists it: no hash. Times ISO 8601 UTC. */
export interface TellerAccount {
  readonly name: string;
  readonly created: string;
  readonly disabled: string | null;
}

/** A login check's outcome; `why` is for the operator's log only, never for the client. */
export type Authentication =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly why: 'unknown' | 'wrongPassword' | 'disabled' };

export class TellerAccounts {
  readonly #store: TellerAccountStore;
  readonly #params: ScryptParams;
  /**
   * The hash an unknown name's password is checked against, made once with the current
   * parameters so that it costs what a real account's check costs. Made at the first need (the
   * CLI never needs it); a server makes it before it listens (ready).
   */
  #dummy: Promise<string> | undefined;

  /**
   * @param path The SQLite file, or `:memory:` (tests).
   * @param params scrypt's cost for new hashes (tests pass cheaper ones).
   */
  constructor(path: string, params: ScryptParams = defaultScryptParams) {
    this.#store = new TellerAccountStore(path);
    this.#params = params;
  }

  /** The accounts of a state folder (created owner-only if missing). */
  static inStateDir(stateDir: string, params?: ScryptParams): TellerAccounts {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    return new TellerAccounts(join(stateDir, tellerDatabaseFile), params);
  }

  /**
   * Starts the unknown-name hash (a quarter second of scrypt) and resolves once it exists. A server
   * starts it and listens at once: every login waits for it first (authenticate), known name or
   * not, so a login in that first moment tells nothing by its timing either.
   */
  async ready(): Promise<void> {
    await this.#dummyHash();
  }

  #dummyHash(): Promise<string> {
    if (this.#dummy === undefined) {
      const filler = randomBytes(16);
      this.#dummy = hashPassword(filler, this.#params).finally(() => filler.fill(0));
    }
    return this.#dummy;
  }

  close(): void {
    this.#store.close();
  }

  /**
   * Adds an account. `password` (UTF-8 bytes) is not zeroed here: the caller owns it.
   * @throws {RangeError} for a name that breaks tellerNameRule (the CLI checks it first).
   * @throws {TellerPasswordRulesError} naming every rule the password breaks.
   * @throws {TellerExistsError} when the name is taken, by an active or a disabled account.
   */
  async add(name: string, password: Uint8Array, now: Date): Promise<TellerAccount> {
    if (tellerName(name) !== name) throw new RangeError(`a teller's name is ${tellerNameRule}`);
    const problems = checkTellerPassword(password, name);
    if (problems.length > 0)
      throw new TellerPasswordRulesError(problems.map((p) => passwordProblemMessage(p).en));
    // Checked before the hash as well as by the insert: a taken name costs no scrypt.
    if (this.#store.get(name) !== undefined) throw new TellerExistsError(name);
    const bytes = passwordBytes(password);
    if (bytes === undefined) throw new TellerPasswordRulesError(['UTF-8 text']);
    let hash: string;
    try {
      hash = await hashPassword(bytes, this.#params);
    } finally {
      bytes.fill(0);
    }
    if (!this.#store.insert(name, hash, now.getTime())) throw new TellerExistsError(name);
    return describe(this.#store.get(name));
  }

  /** Disables an active account. @throws {TellerNotFoundError} if there is none. */
  disable(name: string, now: Date): TellerAccount {
    const row = this.#store.disable(name, now.getTime());
    if (row === undefined) throw new TellerNotFoundError(name);
    return describe(row);
  }

  list(): TellerAccount[] {
    return this.#store.list().map((row) => describe(row));
  }

  /** Whether `name` is an account that may act now (exists, not disabled). */
  isActive(name: string): boolean {
    const row = this.#store.get(name);
    return row !== undefined && row.disabledAt === undefined;
  }

  /**
   * Checks a login. `name` is as the client sent it; `password` is zeroed before this resolves.
   * One scrypt runs whatever the name: against the account's hash, or the dummy's for a name
   * that is no account or not a valid name at all; a disabled account's password is checked too
   * and then refused like a wrong one. A hash made with other parameters than the current ones
   * is re-made after a successful check (parameters can rise without a password reset).
   */
  async authenticate(name: unknown, password: Buffer): Promise<Authentication> {
    const bytes = passwordBytes(password);
    password.fill(0);
    const valid = tellerName(name);
    const row = valid === undefined ? undefined : this.#store.get(valid);
    // Awaited whatever the name: before it exists, every login waits alike.
    const dummy = await this.#dummyHash();
    const stored = row?.passwordHash ?? dummy;
    // Invalid UTF-8 can be no one's password; the empty buffer still costs a scrypt.
    const candidate = bytes ?? Buffer.alloc(0);
    try {
      const good = await verifyPassword(candidate, stored);
      if (row === undefined) return { ok: false, why: 'unknown' };
      if (!good || bytes === undefined) return { ok: false, why: 'wrongPassword' };
      if (row.disabledAt !== undefined) return { ok: false, why: 'disabled' };
      if (needsRehash(row.passwordHash, this.#params)) {
        const next = await hashPassword(candidate, this.#params);
        this.#store.replaceHash(row.name, row.passwordHash, next);
      }
      return { ok: true, name: row.name };
    } finally {
      candidate.fill(0);
    }
  }
}

function describe(row: TellerAccountRow | undefined): TellerAccount {
  if (row === undefined) throw new Error('the account vanished while it was being read');
  return {
    name: row.name,
    created: new Date(row.createdAt).toISOString(),
    disabled: row.disabledAt === undefined ? null : new Date(row.disabledAt).toISOString(),
  };
}
