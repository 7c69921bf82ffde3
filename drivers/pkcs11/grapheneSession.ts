import { createPublicKey, randomBytes } from 'node:crypto';
import * as graphene from 'graphene-pk11';
// The default import is module.exports: Node's ESM loader does not see every CommonJS export by name.
import pkcs11js from 'pkcs11js';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signatureOids, type Signer } from '../../src/shared/signer.js';
import { PinRulesError, TokenFailureError } from './errors.js';
import { attempt, mapError } from './grapheneErrors.js';
import { checkPinLength, pinText, tokenInfo } from './grapheneToken.js';
import type { RecoveryGate } from './recovery.js';
import type {
  RsaPrivateKeyParts,
  TokenInfo,
  TokenKeyPair,
  TokenObject,
  TokenSession,
} from './contract.js';

// The session operations of the graphene driver (graphenePkcs11.ts opens them): login and PIN
// change, RSA keys generated on the token or imported into it, signing, certificates and data
// objects stored, relabelled, listed and deleted. Every failure goes through grapheneErrors.ts.

/** A TokenSession on one graphene session; closing it logs out and tells the driver. */
/**
 * An NPKI key signs and nothing else (the VID and the signature are all it is for): the usages a
 * token would otherwise fill in by its own defaults (SoftHSM2 sets decrypt and unwrap, encrypt and
 * wrap) are set false, so the key cannot serve as a decryption oracle.
 */
const signOnly = {
  privateKey: { sign: true, decrypt: false, unwrap: false },
  publicKey: { verify: true, encrypt: false, wrap: false },
} as const;

export class GrapheneSession implements TokenSession {
  readonly token: TokenInfo;
  private readonly session: graphene.Session;
  private open = true;

  constructor(
    private readonly slot: graphene.Slot,
    private readonly gate: RecoveryGate,
    private readonly onClose: () => void,
  ) {
    this.session = slot.open(graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION);
    this.token = tokenInfo(slot.getToken());
  }

  login(pin: Uint8Array): Promise<void> {
    return attempt(
      () => {
        this.session.login(pinText(pin), graphene.UserType.USER);
      },
      this.gate,
      () => tokenInfo(this.slot.getToken()),
    );
  }

  changePin(oldPin: Uint8Array, newPin: Uint8Array): Promise<void> {
    return attempt(
      () => {
        checkPinLength(tokenInfo(this.slot.getToken()), newPin);
        try {
          this.session.setPin(pinText(oldPin), pinText(newPin));
        } catch (error) {
          // C_SetPIN: CKR_PIN_LEN_RANGE / CKR_PIN_INVALID are about the new PIN (v2.40 §5.6).
          if (
            error instanceof pkcs11js.Pkcs11Error &&
            (error.code === pkcs11js.CKR_PIN_LEN_RANGE || error.code === pkcs11js.CKR_PIN_INVALID)
          )
            throw new PinRulesError(undefined, undefined, { cause: error });
          throw error;
        }
      },
      this.gate,
      () => tokenInfo(this.slot.getToken()),
    );
  }

  importRsaKeyPair(label: string, parts: RsaPrivateKeyParts): Promise<TokenKeyPair> {
    return attempt(() => {
      const id = randomBytes(16);
      const common = { keyType: graphene.KeyType.RSA, token: true, id, label };
      // The private key first: a failure before the public key leaves one object that
      // deleteKeyPair removes by CKA_ID, as after an interrupted key generation.
      const privateKey = this.session.create({
        ...common,
        class: graphene.ObjectClass.PRIVATE_KEY,
        private: true,
        sensitive: true,
        extractable: false,
        ...signOnly.privateKey,
        modulus: parts.modulus,
        publicExponent: parts.publicExponent,
        privateExponent: parts.privateExponent,
        prime1: parts.prime1,
        prime2: parts.prime2,
        exp1: parts.exponent1,
        exp2: parts.exponent2,
        coefficient: parts.coefficient,
      });
      let publicKey: graphene.SessionObject;
      try {
        publicKey = this.session.create({
          ...common,
          class: graphene.ObjectClass.PUBLIC_KEY,
          ...signOnly.publicKey,
          modulus: parts.modulus,
          publicExponent: parts.publicExponent,
        });
      } catch (error) {
        // A token that takes the private key but not the public one keeps nothing of it.
        try {
          privateKey.destroy();
        } catch {
          // the token is gone: the next sweep finds the pending private key
        }
        throw error;
      }
      return keyPairOf(
        { privateKey: privateKey.toType(), publicKey: publicKey.toType() },
        id,
        label,
      );
    }, this.gate);
  }

  generateRsaKeyPair(label: string): Promise<TokenKeyPair> {
    const id = randomBytes(16);
    return new Promise((resolve, reject) => {
      try {
        // DESIGN §3.3 templates; the callback form keeps the event loop (and the UI) running.
        this.session.generateKeyPair(
          graphene.KeyGenMechanism.RSA,
          {
            keyType: graphene.KeyType.RSA,
            token: true,
            id,
            label,
            modulusBits: 2048,
            publicExponent: Buffer.from([1, 0, 1]),
            ...signOnly.publicKey,
          },
          {
            keyType: graphene.KeyType.RSA,
            token: true,
            private: true,
            id,
            label,
            sensitive: true,
            extractable: false,
            ...signOnly.privateKey,
          },
          (error, keys) => {
            if (error !== null) {
              reject(this.failure(error));
              return;
            }
            try {
              if (keys === null) throw new TokenFailureError('key generation returned no keys');
              resolve(keyPairOf(keys, id, label));
            } catch (cause) {
              reject(this.failure(cause));
            }
          },
        );
      } catch (cause) {
        reject(this.failure(cause));
      }
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
        new Promise((resolve, reject) => {
          try {
            const key = this.findOne(
              graphene.ObjectClass.PRIVATE_KEY,
              keyPair.id,
            ).toType<graphene.PrivateKey>();
            this.session
              .createSign('SHA256_RSA_PKCS', key)
              .once(Buffer.from(data), (error, signature) => {
                if ((error as Error | null) !== null) reject(this.failure(error));
                else resolve(new Uint8Array(signature));
              });
          } catch (cause) {
            reject(this.failure(cause));
          }
        }),
    };
  }

  storeCertificate(
    id: Uint8Array,
    label: string,
    der: Uint8Array,
    subject: Uint8Array,
  ): Promise<void> {
    return attempt(() => {
      this.session.create({
        class: graphene.ObjectClass.CERTIFICATE,
        certType: graphene.CertificateType.X_509,
        token: true,
        private: false,
        id: Buffer.from(id),
        label,
        subject: Buffer.from(subject),
        value: Buffer.from(der),
      });
    }, this.gate);
  }

  storeData(label: string, value: Uint8Array): Promise<void> {
    return attempt(() => {
      this.session.create({
        class: graphene.ObjectClass.DATA,
        token: true,
        private: true,
        label,
        application: 'kiosk',
        value: Buffer.from(value),
      });
    }, this.gate);
  }

  listObjects(): Promise<TokenObject[]> {
    return attempt(() => {
      const objects: TokenObject[] = [];
      const found = this.session.find();
      for (let i = 0; i < found.length; i++) {
        const object = found.items(i);
        const kind = kindOf(object.class);
        if (kind === undefined) continue;
        const storage = object.toType<graphene.Storage>();
        const id =
          kind === 'data' ? new Uint8Array(0) : new Uint8Array(object.toType<graphene.Key>().id);
        const base = { kind, label: storage.label, id };
        objects.push(
          kind === 'certificate'
            ? { ...base, value: new Uint8Array(object.toType<graphene.X509Certificate>().value) }
            : kind === 'data'
              ? { ...base, value: new Uint8Array(object.toType<graphene.Data>().value) }
              : base,
        );
      }
      return objects;
    }, this.gate);
  }

  relabel(id: Uint8Array, label: string): Promise<void> {
    return attempt(() => {
      const found = this.session.find({ id: Buffer.from(id) });
      for (let i = 0; i < found.length; i++) found.items(i).setAttribute({ label });
    }, this.gate);
  }

  deleteKeyPair(id: Uint8Array, dataLabel?: string): Promise<void> {
    return attempt(() => {
      if (dataLabel !== undefined)
        this.session.destroy({ class: graphene.ObjectClass.DATA, label: dataLabel });
      // An empty CKA_ID would match every key without one: never a template for destroy.
      if (id.length === 0) throw new TokenFailureError('refusing to delete objects without CKA_ID');
      this.session.destroy({ id: Buffer.from(id) });
    }, this.gate);
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.open = false;
    this.onClose();
    try {
      this.session.logout();
    } catch {
      // not logged in, or the token is gone: closing is all that is left
    }
    try {
      this.session.close();
    } catch {
      // the session died with the token
    }
    return Promise.resolve();
  }

  /** Maps a failure of this session's call and tells the recovery gate about it. */
  private failure(error: unknown): Error {
    const mapped = mapError(error);
    this.gate.noteError(mapped);
    return mapped;
  }

  private findOne(kind: graphene.ObjectClass, id: Uint8Array): graphene.SessionObject {
    const found = this.session.find({ class: kind, id: Buffer.from(id) });
    if (found.length === 0) throw new TokenFailureError('the key is no longer on the token');
    return found.items(0);
  }
}

function keyPairOf(keys: graphene.IKeyPair, id: Buffer, label: string): TokenKeyPair {
  const pub = keys.publicKey.getAttribute({ modulus: null, publicExponent: null });
  const flags = keys.privateKey.getAttribute({
    alwaysSensitive: null,
    neverExtractable: null,
    local: null,
  });
  if (!pub.modulus || !pub.publicExponent)
    throw new TokenFailureError('the public key has no modulus or exponent');
  const publicKey = createPublicKey({
    key: { kty: 'RSA', n: toBase64Url(pub.modulus), e: toBase64Url(pub.publicExponent) },
    format: 'jwk',
  }).export({ type: 'spki', format: 'der' });
  return {
    id: new Uint8Array(id),
    label,
    publicKey: new Uint8Array(publicKey),
    alwaysSensitive: flags.alwaysSensitive === true,
    neverExtractable: flags.neverExtractable === true,
    local: flags.local === true,
  };
}

function kindOf(objectClass: graphene.ObjectClass): TokenObject['kind'] | undefined {
  switch (objectClass) {
    case graphene.ObjectClass.PRIVATE_KEY:
      return 'privateKey';
    case graphene.ObjectClass.PUBLIC_KEY:
      return 'publicKey';
    case graphene.ObjectClass.CERTIFICATE:
      return 'certificate';
    case graphene.ObjectClass.DATA:
      return 'data';
    default:
      return undefined;
  }
}

function toBase64Url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
