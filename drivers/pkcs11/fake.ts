import { TokenAmbiguousError, TokenFailureError, TokenNotFoundError } from './errors.js';
import { FakeSession, settle, type FakeOperation, type SessionHost } from './fakeSession.js';
import { FakeToken, type FakeTokenOptions } from './fakeToken.js';
import type {
  InitTarget,
  TokenDriver,
  TokenInfo,
  TokenSelector,
  TokenSession,
  TokenSetup,
} from './contract.js';

// The fake PKCS#11 driver: FakeTokenDriver and its test controls (tokens added, removed and put
// back, a removal armed for the next call of an operation). One token's state is fakeToken.ts,
// the sessions fakeSession.ts.

export type { FakeOperation } from './fakeSession.js';
export type { FakeTokenOptions } from './fakeToken.js';

/**
 * A TokenDriver with no hardware behind it: real RSA keys held inside the fake, PIN counting and
 * lock, removal at any moment, and a size limit, for what SoftHSM cannot do (DESIGN §3.3). Every
 * piece of state belongs to the instance (STYLE #2).
 */
export class FakeTokenDriver implements TokenDriver {
  private readonly tokens = new Map<string, FakeToken>();
  private readonly sessions = new Set<FakeSession>();
  private readonly armed = new Set<FakeOperation>();
  private closed = false;
  private readonly host: SessionHost = {
    takeRemoval: (operation) => this.armed.delete(operation),
    forget: (session) => this.sessions.delete(session),
  };

  /** Puts a new, initialised token in a reader (present at once). */
  addToken(options: FakeTokenOptions): void {
    // Labels may repeat, as on real tokens (open() then says which are ambiguous); serials not.
    if (this.tokens.has(options.serial))
      throw new Error(`a fake token with serial ${options.serial} exists`);
    this.tokens.set(options.serial, new FakeToken({ ...options }));
  }

  /** Pulls the token out: its sessions die and its login ends; its objects stay on it. */
  removeToken(label: string): void {
    const token = this.token(label);
    if (token.present) token.remove();
  }

  /** Puts the token back; sessions opened before the removal stay dead. */
  insertToken(label: string): void {
    this.token(label).present = true;
  }

  /**
   * The next call of `operation` (on any session of this driver) rejects with TokenRemovedError
   * and its token is pulled out. What the call leaves behind is what a token interrupted there
   * would: `generateRsaKeyPair` leaves the private key without its public key (created first, the
   * public half never written); `storeCertificate` leaves the certificate (written, the reply
   * lost); `importRsaKeyPair` leaves the private key; `login`, `sign`, `storeData`, `relabel` and
   * `deleteKeyPair` leave nothing (the PIN is not checked, so no try is spent; no label changes,
   * nothing deleted). Callers find what is left with listObjects and remove it with
   * deleteKeyPair.
   */
  removeDuringNext(operation: FakeOperation): void {
    this.armed.add(operation);
  }

  initToken(target: InitTarget, setup: TokenSetup): Promise<TokenInfo> {
    return settle(() => {
      this.ensureOpen();
      const token =
        'blank' in target
          ? [...this.tokens.values()].find((t) => t.present && !t.initialized)
          : this.find(target);
      if (token === undefined) throw new TokenNotFoundError('that is blank');
      token.initialise(setup);
      return token.info();
    });
  }

  listTokens(): Promise<TokenInfo[]> {
    return settle(() => {
      this.ensureOpen();
      return [...this.tokens.values()].filter((t) => t.present).map((t) => t.info());
    });
  }

  open(selector: TokenSelector): Promise<TokenSession> {
    return settle(() => {
      this.ensureOpen();
      const token = this.find(selector);
      const session = new FakeSession(token, this.host);
      this.sessions.add(session);
      return session;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const session of [...this.sessions]) await session.close();
  }

  private ensureOpen(): void {
    // What a finalised module answers (CKR_CRYPTOKI_NOT_INITIALIZED), mapped as the real driver does.
    if (this.closed) throw new TokenFailureError('the driver is closed');
  }

  /** A present token by selector, as a module finds one; TokenNotFoundError otherwise. */
  private find(selector: TokenSelector): FakeToken {
    const matching = [...this.tokens.values()].filter(
      (t) =>
        t.present &&
        t.initialized &&
        ('label' in selector ? t.label === selector.label : t.serial === selector.serial),
    );
    const [token, ...others] = matching;
    if (token !== undefined && others.length > 0 && 'label' in selector)
      throw new TokenAmbiguousError(
        selector.label,
        matching.map((t) => t.serial),
      );
    if (token === undefined) {
      throw new TokenNotFoundError(
        'label' in selector ? `labelled ${selector.label}` : `with serial ${selector.serial}`,
      );
    }
    return token;
  }

  /** A token by label, present or not: for the test's hands, not for the module. */
  private token(label: string): FakeToken {
    const token = [...this.tokens.values()].find((t) => t.label === label);
    if (token === undefined) throw new Error(`no fake token labelled ${label}`);
    return token;
  }
}
