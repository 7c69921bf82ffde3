import { createPublicKey, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import * as graphene from 'graphene-pk11';
// The default import is module.exports: Node's ESM loader does not see every CommonJS export by name.
import pkcs11js from 'pkcs11js';
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
import { RecoveryGate } from './recovery.js';
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

/** One loaded library: its users (drivers), open sessions and recovery state. */
interface LoadedModule {
  readonly module: graphene.Module;
  readonly gate: RecoveryGate;
  users: number;
  sessions: number;
}

/**
 * Loaded modules by library path. PKCS#11 allows one C_Initialize per process per library
 * (CKR_CRYPTOKI_ALREADY_INITIALIZED otherwise, DESIGN §3.3), so this one table is process-wide;
 * drivers share an entry and the last one to close finalises it.
 */
const modules = new Map<string, LoadedModule>();

export interface GraphenePkcs11Options {
  /** Least time between two re-initialisations after removal-type errors; 2000 ms if absent. */
  readonly recoveryIntervalMs?: number;
}

/** A TokenDriver over graphene-pk11 for one PKCS#11 library (SoftHSM2 in tests). */
export class GraphenePkcs11Driver implements TokenDriver {
  private readonly loaded: LoadedModule;
  private readonly sessions = new Set<GrapheneSession>();
  private closed = false;

  /** The library's real path: two paths to one library are one module (one C_Initialize). */
  private readonly key: string;

  constructor(modulePath: string, options: GraphenePkcs11Options = {}) {
    this.key = realPath(modulePath);
    const loaded = modules.get(this.key);
    if (loaded !== undefined) {
      loaded.users++;
      this.loaded = loaded;
    } else {
      const module = mapErrors(() => {
        const m = graphene.Module.load(this.key);
        try {
          m.initialize();
        } catch (error) {
          try {
            m.close();
          } catch {
            // unloading a library that failed to initialise: nothing more to release
          }
          throw error;
        }
        return m;
      });
      this.loaded = {
        module,
        gate: new RecoveryGate(options.recoveryIntervalMs),
        users: 1,
        sessions: 0,
      };
      modules.set(this.key, this.loaded);
    }
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.attempt(() => this.presentSlots().map((slot) => tokenInfo(slot.getToken())));
  }

  open(selector: TokenSelector): Promise<TokenSession> {
    return this.attempt(() => {
      const slot = this.findSlot(selector);
      const loaded = this.loaded;
      const session = new GrapheneSession(slot, loaded.gate, () => {
        this.sessions.delete(session);
        loaded.sessions--;
      });
      loaded.sessions++;
      this.sessions.add(session);
      return session;
    });
  }

  initToken(target: InitTarget, setup: TokenSetup): Promise<TokenInfo> {
    return this.attempt(() => {
      const slot =
        'blank' in target
          ? this.presentSlots().find((s) => !tokenInfo(s.getToken()).initialized)
          : this.findSlot(target);
      if (slot === undefined) throw new TokenNotFoundError('that is blank');
      // Lengths first: nothing may be wiped for a PIN the token would then refuse.
      checkPinLength(tokenInfo(slot.getToken()), setup.soPin);
      checkPinLength(tokenInfo(slot.getToken()), setup.userPin);
      try {
        // Slot.initToken of graphene 2.3.6 fails on pkcs11js's void result after C_InitToken
        // has succeeded, so the call goes to pkcs11js itself. The label is padded by pkcs11js.
        slot.lib.C_InitToken(slot.handle, pinText(setup.soPin), setup.label);
      } catch (error) {
        if (isPinIncorrect(error)) throw new WrongSoPinError();
        throw error;
      }
      const session = slot.open(
        graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION,
      );
      try {
        session.login(pinText(setup.soPin), graphene.UserType.SO);
        session.initPin(pinText(setup.userPin));
        session.logout();
      } catch (cause) {
        const serial = slot.getToken().serialNumber.trim();
        throw new TokenFailureError(
          `token ${setup.label} (serial ${serial}) was wiped but its user PIN could not be set: initialise it again with --serial ${serial} --yes`,
          { cause: mapError(cause) },
        );
      } finally {
        session.close();
      }
      return tokenInfo(slot.getToken());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.sessions]) await session.close();
    if (--this.loaded.users === 0) {
      modules.delete(this.key);
      try {
        this.loaded.module.finalize();
      } catch {
        // already finalised or the library is gone: nothing left to release
      }
    }
  }

  /**
   * A driver call: re-initialises the module first when a removal-type error asked for it and no
   * session would die of it (RecoveryGate), then maps and notes the call's errors.
   */
  private attempt<T>(call: () => T): Promise<T> {
    return attempt(() => {
      if (this.loaded.sessions === 0 && this.loaded.gate.shouldReinitialise()) {
        try {
          this.loaded.module.finalize();
        } catch {
          // finalising a module in trouble may fail; initialising again is what matters
        }
        try {
          this.loaded.module.initialize();
        } catch (error) {
          // Still not initialised: the next call tries again, once the interval has passed.
          this.loaded.gate.rearm();
          throw error;
        }
      }
      return call();
    }, this.loaded.gate);
  }

  private findSlot(selector: TokenSelector): graphene.Slot {
    const matching = this.presentSlots().filter((s) => {
      const token = s.getToken();
      return 'label' in selector
        ? token.label.trim() === selector.label
        : token.serialNumber.trim() === selector.serial;
    });
    const [slot, ...others] = matching;
    if (slot === undefined) {
      throw new TokenNotFoundError(
        'label' in selector ? `labelled ${selector.label}` : `with serial ${selector.serial}`,
      );
    }
    if (others.length > 0 && 'label' in selector)
      throw new TokenAmbiguousError(
        selector.label,
        matching.map((s) => s.getToken().serialNumber.trim()),
      );
    return slot;
  }

  private presentSlots(): graphene.Slot[] {
    const slots = this.loaded.module.getSlots(true);
    const result: graphene.Slot[] = [];
    for (let i = 0; i < slots.length; i++) result.push(slots.items(i));
    return result;
  }
}

class GrapheneSession implements TokenSession {
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
        sign: true,
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
          verify: true,
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
            verify: true,
          },
          {
            keyType: graphene.KeyType.RSA,
            token: true,
            private: true,
            id,
            label,
            sensitive: true,
            extractable: false,
            sign: true,
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

function tokenInfo(token: graphene.Token): TokenInfo {
  const flags = token.flags;
  return {
    label: token.label.trim(),
    serial: token.serialNumber.trim(),
    manufacturer: token.manufacturerID.trim(),
    model: token.model.trim(),
    initialized: (flags & graphene.TokenFlag.TOKEN_INITIALIZED) !== 0,
    pin: {
      countLow: (flags & graphene.TokenFlag.USER_PIN_COUNT_LOW) !== 0,
      finalTry: (flags & graphene.TokenFlag.USER_PIN_FINAL_TRY) !== 0,
      locked: (flags & graphene.TokenFlag.USER_PIN_LOCKED) !== 0,
      minLength: token.minPinLen,
      maxLength: token.maxPinLen,
    },
  };
}

/**
 * mapErrors as a promise: a synchronous PKCS#11 failure becomes a rejection, never a throw, and
 * the module's recovery gate hears of it.
 */
function attempt<T>(call: () => T, gate: RecoveryGate, info?: () => TokenInfo): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      resolve(mapErrors(call, info));
    } catch (error) {
      gate.noteError(error);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Runs a PKCS#11 call, turning its errors into the typed token errors (the one mapping point). */
function mapErrors<T>(call: () => T, info?: () => TokenInfo): T {
  try {
    return call();
  } catch (error) {
    throw mapError(error, info);
  }
}

/** PKCS#11 errors are recognised by their CKR code (STYLE #6), never by their message. */
function mapError(error: unknown, info?: () => TokenInfo): Error {
  if (!(error instanceof pkcs11js.Pkcs11Error))
    return error instanceof Error ? error : new Error(String(error));
  switch (error.code) {
    case pkcs11js.CKR_PIN_INCORRECT:
    case pkcs11js.CKR_PIN_INVALID:
    case pkcs11js.CKR_PIN_LEN_RANGE: {
      const pin = safeInfo(info)?.pin;
      return new WrongPinError(
        pin?.finalTry === true ? 'finalTry' : pin?.countLow === true ? 'low' : 'unknown',
      );
    }
    case pkcs11js.CKR_PIN_LOCKED:
      return new PinLockedError();
    // CKR_CRYPTOKI_NOT_INITIALIZED: the module lost its initialisation (finalised under us, or a
    // failed recovery), which has the remedy of a pulled token, a rate-limited re-initialisation.
    case pkcs11js.CKR_DEVICE_REMOVED:
    case pkcs11js.CKR_TOKEN_NOT_PRESENT:
    case pkcs11js.CKR_SESSION_HANDLE_INVALID:
    case pkcs11js.CKR_SESSION_CLOSED:
    case pkcs11js.CKR_DEVICE_ERROR:
    case pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED:
      return new TokenRemovedError(`the token went away (${codeName(error.code)})`, {
        cause: error,
      });
    case pkcs11js.CKR_DEVICE_MEMORY:
      return new TokenFullError(`the token is full (${codeName(error.code)})`, { cause: error });
    default:
      return new TokenFailureError(`PKCS#11 ${codeName(error.code)}`, { cause: error });
  }
}

function safeInfo(info?: () => TokenInfo): TokenInfo | undefined {
  try {
    return info?.();
  } catch {
    return undefined;
  }
}

function codeName(code: number): string {
  const name = Object.entries(pkcs11js).find(
    ([key, value]) => key.startsWith('CKR_') && value === code,
  )?.[0];
  return name ?? `0x${code.toString(16)}`;
}

/** PinRulesError unless the token takes a PIN of this length (CK_TOKEN_INFO ulMin/MaxPinLen). */
function checkPinLength(token: TokenInfo, pin: Uint8Array): void {
  if (pin.length < token.pin.minLength || pin.length > token.pin.maxLength)
    throw new PinRulesError(token.pin.minLength, token.pin.maxLength);
}

function isPinIncorrect(error: unknown): boolean {
  return error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_PIN_INCORRECT;
}

/** The real path of a library, or the path as given when it cannot be resolved (dlopen says). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** PINs travel as bytes; graphene takes text (PKCS#11 PINs are UTF-8, v2.40 §3.2). */
function pinText(pin: Uint8Array): string {
  return Buffer.from(pin).toString('utf8');
}

function toBase64Url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
