import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signatureOids, type Signer } from '../../src/shared/signer.js';
import {
  PinLockedError,
  PinRulesError,
  TokenAmbiguousError,
  TokenFailureError,
  TokenFullError,
  TokenNotFoundError,
  TokenRemovedError,
  WrongPinError,
  WrongSoPinError,
} from './errors.js';
import type {
  InitTarget,
  TokenDriver,
  TokenInfo,
  TokenKeyPair,
  TokenObject,
  TokenSelector,
  TokenSession,
  TokenSetup,
  RsaPrivateKeyParts,
} from './contract.js';

/** The session calls that `removeDuringNext` interrupts. */
export type FakeOperation =
  | 'login'
  | 'generateRsaKeyPair'
  | 'importRsaKeyPair'
  | 'sign'
  | 'storeCertificate'
  | 'storeData'
  | 'relabel'
  | 'deleteKeyPair';

/**
 * A token to put in the fake reader, initialised with `pin` as its user PIN and `soPin` (default
 * 87654321) as its SO PIN; with `blank`, uninitialised (no label, no PINs) until initToken.
 */
export interface FakeTokenOptions {
  readonly label: string;
  readonly serial: string;
  readonly pin: string;
  readonly soPin?: string;
  readonly blank?: boolean;
  readonly manufacturer?: string;
  readonly model?: string;
  /** Objects the token holds at most (a key pair is two); unlimited if absent. */
  readonly maxObjects?: number;
  /** Wrong PINs in a row that lock the user PIN; 3 if absent. */
  readonly maxPinTries?: number;
  /** PIN lengths the token accepts; 4 to 32 if absent. */
  readonly pinLength?: { readonly min: number; readonly max: number };
}

/** One object on a fake token. */
interface StoredObject {
  readonly kind: TokenObject['kind'];
  label: string;
  readonly id: Uint8Array;
  readonly value?: Uint8Array;
  /** CKA_SUBJECT of a certificate (kept, though listObjects does not report it). */
  readonly subject?: Uint8Array;
  /** CKA_PRIVATE: listed only after login. Private keys and data objects, as the real driver. */
  readonly private: boolean;
  /** The private key itself, kept inside the fake as a token keeps it. */
  readonly key?: KeyObject;
}

/** A token's state. Objects stay while the token is out of the reader, as on real hardware. */
class FakeToken {
  present = true;
  /** Bumped on each removal: sessions opened before it are dead, even after reinsertion. */
  insertion = 0;
  /** PKCS#11 login state is per token (shared by the application's sessions), not per session. */
  loggedIn = false;
  readonly objects: StoredObject[] = [];
  initialized: boolean;
  label: string;
  private pin: Buffer;
  private soPin: Buffer;
  private triesLeft: number;
  private wrongSinceLogin = false;

  constructor(private readonly options: FakeTokenOptions) {
    this.initialized = options.blank !== true;
    this.label = this.initialized ? options.label : '';
    this.pin = Buffer.from(options.pin, 'utf8');
    this.soPin = Buffer.from(options.soPin ?? '87654321', 'utf8');
    this.triesLeft = options.maxPinTries ?? 3;
  }

  /**
   * C_InitToken + C_InitPIN: a blank token takes the SO PIN it is given; a used one must be given
   * its own (WrongPinError otherwise) and is wiped.
   */
  initialise(setup: TokenSetup): void {
    this.checkLength(setup.soPin);
    this.checkLength(setup.userPin);
    if (this.initialized && !sameBytes(setup.soPin, this.soPin)) throw new WrongSoPinError();
    this.soPin = Buffer.from(setup.soPin);
    this.pin = Buffer.from(setup.userPin);
    this.label = setup.label;
    this.objects.splice(0);
    this.triesLeft = this.options.maxPinTries ?? 3;
    this.wrongSinceLogin = false;
    this.loggedIn = false;
    this.initialized = true;
  }

  setPin(pin: Uint8Array): void {
    this.pin = Buffer.from(pin);
  }

  /** PinRulesError unless the token takes a PIN of this length. */
  checkLength(pin: Uint8Array): void {
    const { minLength, maxLength } = this.info().pin;
    if (pin.length < minLength || pin.length > maxLength)
      throw new PinRulesError(minLength, maxLength);
  }

  get serial(): string {
    return this.options.serial;
  }

  get locked(): boolean {
    return this.triesLeft <= 0;
  }

  info(): TokenInfo {
    const locked = this.locked;
    return {
      label: this.label,
      serial: this.options.serial,
      manufacturer: this.options.manufacturer ?? 'Fake Tokens',
      model: this.options.model ?? 'FakeToken',
      initialized: this.initialized,
      pin: {
        // PKCS#11 v2.40 §4.3 (token flags): COUNT_LOW means a wrong PIN since the last good login;
        // FINAL_TRY means the next wrong one locks.
        countLow: !locked && this.wrongSinceLogin,
        finalTry: !locked && this.triesLeft === 1,
        locked,
        minLength: this.options.pinLength?.min ?? 4,
        maxLength: this.options.pinLength?.max ?? 32,
      },
    };
  }

  /**
   * Checks a PIN the way a token does: a wrong one costs a try (the last one locks the PIN), a
   * right one restores them all; a locked PIN refuses even the right one.
   */
  checkPin(pin: Uint8Array): 'right' | 'wrong' | 'locked' {
    if (this.locked) return 'locked';
    if (sameBytes(pin, this.pin)) {
      this.triesLeft = this.options.maxPinTries ?? 3;
      this.wrongSinceLogin = false;
      return 'right';
    }
    this.triesLeft--;
    this.wrongSinceLogin = true;
    return this.triesLeft <= 0 ? 'locked' : 'wrong';
  }

  /** checkPin with the errors a module gives: PinLockedError, WrongPinError with the flags. */
  verifyPin(pin: Uint8Array): void {
    const outcome = this.checkPin(pin);
    if (outcome === 'locked') throw new PinLockedError();
    if (outcome === 'wrong') {
      const flags = this.info().pin;
      throw new WrongPinError(flags.finalTry ? 'finalTry' : flags.countLow ? 'low' : 'unknown');
    }
  }

  /** Throws TokenFullError unless `count` more objects fit. */
  makeRoom(count: number): void {
    if (this.objects.length + count > (this.options.maxObjects ?? Infinity)) {
      throw new TokenFullError(`the token holds at most ${this.options.maxObjects ?? 0} objects`);
    }
  }

  remove(): void {
    this.present = false;
    this.loggedIn = false;
    this.insertion++;
  }
}

/** What a session needs from its driver. */
interface SessionHost {
  /** Whether a removal was armed for this operation (and disarms it). */
  takeRemoval(operation: FakeOperation): boolean;
  forget(session: FakeSession): void;
}

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

/** A session with one fake token. */
class FakeSession implements TokenSession {
  /** The token as it was when the session opened (the real driver's snapshot). */
  readonly token: TokenInfo;
  private readonly insertion: number;
  private closed = false;

  constructor(
    private readonly fake: FakeToken,
    private readonly host: SessionHost,
  ) {
    this.token = fake.info();
    this.insertion = fake.insertion;
  }

  login(pin: Uint8Array): Promise<void> {
    return settle(() => {
      const token = this.live();
      this.interrupt('login');
      token.verifyPin(pin);
      token.loggedIn = true;
    });
  }

  generateRsaKeyPair(label: string): Promise<TokenKeyPair> {
    return settle(() => {
      const token = this.user();
      token.makeRoom(2);
      const id = new Uint8Array(randomBytes(16));
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      token.objects.push({ kind: 'privateKey', label, id, private: true, key: privateKey });
      this.interrupt('generateRsaKeyPair');
      token.objects.push({ kind: 'publicKey', label, id, private: false });
      return {
        id: copy(id),
        label,
        publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
        alwaysSensitive: true,
        neverExtractable: true,
        local: true,
      };
    });
  }

  importRsaKeyPair(label: string, parts: RsaPrivateKeyParts): Promise<TokenKeyPair> {
    return settle(() => {
      const token = this.user();
      token.makeRoom(2);
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: jwkOf(parts), format: 'jwk' });
      } catch (cause) {
        throw new TokenFailureError('the key cannot be imported', { cause });
      }
      if (key.asymmetricKeyType !== 'rsa')
        throw new TokenFailureError('only RSA keys can be imported');
      const id = new Uint8Array(randomBytes(16));
      token.objects.push({ kind: 'privateKey', label, id, private: true, key });
      this.interrupt('importRsaKeyPair');
      token.objects.push({ kind: 'publicKey', label, id, private: false });
      return {
        id: copy(id),
        label,
        publicKey: new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' })),
        alwaysSensitive: false,
        neverExtractable: false,
        local: false,
      };
    });
  }

  changePin(oldPin: Uint8Array, newPin: Uint8Array): Promise<void> {
    return settle(() => {
      const token = this.user();
      token.checkLength(newPin);
      token.verifyPin(oldPin);
      token.setPin(newPin);
    });
  }

  signer(keyPair: TokenKeyPair): Signer {
    return {
      algorithm: new AlgorithmIdentifier({
        algorithm: signatureOids.sha256WithRsa,
        parameters: null,
      }),
      publicKey: keyPair.publicKey,
      sign: (data) =>
        settle(() => {
          const token = this.user();
          this.interrupt('sign');
          const key = token.objects.find(
            (o) => o.kind === 'privateKey' && sameBytes(o.id, keyPair.id),
          )?.key;
          // CKR_KEY_HANDLE_INVALID on a real token: the key was deleted, the token is still here.
          if (key === undefined) throw new TokenFailureError('no private key with this CKA_ID');
          return new Uint8Array(sign('sha256', data, key));
        }),
    };
  }

  storeCertificate(
    id: Uint8Array,
    label: string,
    der: Uint8Array,
    subject: Uint8Array,
  ): Promise<void> {
    return settle(() => {
      const token = this.user();
      token.makeRoom(1);
      token.objects.push({
        kind: 'certificate',
        label,
        id: copy(id),
        value: copy(der),
        subject: copy(subject),
        private: false,
      });
      this.interrupt('storeCertificate');
    });
  }

  storeData(label: string, value: Uint8Array): Promise<void> {
    return settle(() => {
      const token = this.user();
      token.makeRoom(1);
      this.interrupt('storeData');
      token.objects.push({
        kind: 'data',
        label,
        id: new Uint8Array(0),
        value: copy(value),
        private: true,
      });
    });
  }

  listObjects(): Promise<TokenObject[]> {
    return settle(() => {
      const token = this.live();
      return token.objects
        .filter((o) => token.loggedIn || !o.private)
        .map((o) => ({
          kind: o.kind,
          label: o.label,
          id: copy(o.id),
          ...(o.value !== undefined ? { value: copy(o.value) } : {}),
        }));
    });
  }

  relabel(id: Uint8Array, label: string): Promise<void> {
    return settle(() => {
      const token = this.user();
      this.interrupt('relabel');
      for (const o of token.objects) if (o.kind !== 'data' && sameBytes(o.id, id)) o.label = label;
    });
  }

  deleteKeyPair(id: Uint8Array, dataLabel?: string): Promise<void> {
    return settle(() => {
      const token = this.user();
      this.interrupt('deleteKeyPair');
      if (id.length === 0) throw new TokenFailureError('refusing to delete objects without CKA_ID');
      const doomed = (o: StoredObject): boolean =>
        o.kind === 'data' ? o.label === dataLabel : sameBytes(o.id, id);
      const kept = token.objects.filter((o) => !doomed(o));
      token.objects.splice(0, token.objects.length, ...kept);
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.host.forget(this);
      // C_Logout ends the login of every session on the token (contract: closing logs out).
      if (this.fake.present && this.fake.insertion === this.insertion) this.fake.loggedIn = false;
    }
    return Promise.resolve();
  }

  /** The token, if this session still reaches it; TokenRemovedError otherwise. */
  private live(): FakeToken {
    if (this.closed) throw new TokenRemovedError('the session is closed');
    if (!this.fake.present || this.fake.insertion !== this.insertion) {
      throw new TokenRemovedError('the token was removed');
    }
    return this.fake;
  }

  /** The token, if the user is logged in (CKR_USER_NOT_LOGGED_IN otherwise, as the real driver maps it). */
  private user(): FakeToken {
    const token = this.live();
    if (!token.loggedIn) throw new TokenFailureError('not logged in');
    return token;
  }

  /** Pulls the token out here if the test armed a removal for this operation. */
  private interrupt(operation: FakeOperation): void {
    if (this.host.takeRemoval(operation)) {
      this.fake.remove();
      throw new TokenRemovedError(`the token was removed during ${operation}`);
    }
  }
}

/** Runs `call` now and settles a promise with its result or its error. */
function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(call());
  });
}

/** Constant-time for equal lengths, as a token compares PINs. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A copy of the bytes, as a token keeps its own. (Buffer's slice() would share memory, so a caller
 * zeroing its buffer would wipe what the fake "stored".)
 */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The integers as a JWK, which is how Node builds a key from them (the fake keeps KeyObjects). */
function jwkOf(parts: RsaPrivateKeyParts): NodeJsonWebKey {
  const b64 = (b: Buffer): string => b.toString('base64url');
  return {
    kty: 'RSA',
    n: b64(parts.modulus),
    e: b64(parts.publicExponent),
    d: b64(parts.privateExponent),
    p: b64(parts.prime1),
    q: b64(parts.prime2),
    dp: b64(parts.exponent1),
    dq: b64(parts.exponent2),
    qi: b64(parts.coefficient),
  };
}
