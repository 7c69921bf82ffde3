import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signatureOids, type Signer } from '../../src/shared/signer.js';
import { TokenFailureError, TokenRemovedError } from './errors.js';
import { sameBytes, type FakeToken, type StoredObject } from './fakeToken.js';
import type {
  RsaPrivateKeyParts,
  TokenInfo,
  TokenKeyPair,
  TokenObject,
  TokenSession,
} from './contract.js';

// The fake PKCS#11 driver's sessions (fake.ts opens them): the TokenSession calls on a FakeToken,
// each of which a test can interrupt with a removal (removeDuringNext).

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

/** What a session needs from its driver. */
export interface SessionHost {
  /** Whether a removal was armed for this operation (and disarms it). */
  takeRemoval(operation: FakeOperation): boolean;
  forget(session: FakeSession): void;
}

/** A session with one fake token. */
export class FakeSession implements TokenSession {
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
export function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(call());
  });
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
