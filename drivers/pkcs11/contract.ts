import type { Signer } from '../../src/shared/signer.js';

/**
 * Hardware security tokens over PKCS#11 (DESIGN §3.3). Interfaces only: the real driver
 * (graphene-pk11) and the fake implement them, and one contract suite runs against both.
 *
 * Every member may reject with the typed token errors of errors.ts: TokenRemovedError
 * when the token goes away mid-call (the operation then did not happen, or is reported by
 * listObjects so the caller can clean up), WrongPinError / PinLockedError from login,
 * TokenFullError when an object does not fit. Nothing else escapes a driver.
 */

/** What a token says about itself. Selection is by label or serial, never by slot. */
export interface TokenInfo {
  readonly label: string;
  readonly serial: string;
  readonly manufacturer: string;
  readonly model: string;
  /** CKF_TOKEN_INITIALIZED: a blank token has no label, no PIN and nothing to open. */
  readonly initialized: boolean;
  /** CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED. */
  readonly pin: {
    readonly countLow: boolean;
    readonly finalTry: boolean;
    readonly locked: boolean;
    /** ulMinPinLen / ulMaxPinLen: the PIN lengths (bytes) the token accepts. */
    readonly minLength: number;
    readonly maxLength: number;
  };
}

/** How a caller names the token it wants. */
export type TokenSelector = { readonly label: string } | { readonly serial: string };

/** Which token `initToken` initialises: a named one (wiped) or the first blank one. */
export type InitTarget = TokenSelector | { readonly blank: true };

/** What `initToken` sets (PINs as bytes; the caller zeroes them). */
export interface TokenSetup {
  readonly label: string;
  /** The Security Officer PIN: set on a blank token, required to re-initialise a used one. */
  readonly soPin: Uint8Array;
  readonly userPin: Uint8Array;
}

/** A key pair on the token; the private key never leaves it. */
export interface TokenKeyPair {
  /** CKA_ID shared by the private key, the public key and (later) the certificate. */
  readonly id: Uint8Array;
  readonly label: string;
  /** DER SubjectPublicKeyInfo of the public key. */
  readonly publicKey: Uint8Array;
  /**
   * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_LOCAL read back from the private key: all
   * true for a key generated on the token, all false for one imported into it.
   */
  readonly alwaysSensitive: boolean;
  readonly neverExtractable: boolean;
  readonly local: boolean;
}

/** One object on the token, as listObjects reports it. */
export interface TokenObject {
  readonly kind: 'privateKey' | 'publicKey' | 'certificate' | 'data';
  readonly label: string;
  /** CKA_ID (keys, certificates); empty for data objects. */
  readonly id: Uint8Array;
  /** The certificate DER or the data value; absent for keys. */
  readonly value?: Uint8Array;
}

/** A session with one token. Closing it logs out. */
export interface TokenSession {
  readonly token: TokenInfo;
  /** Logs the user in with the PIN (bytes; the caller zeroes them). */
  login(pin: Uint8Array): Promise<void>;
  /** RSA-2048 on the token: private key sensitive and not extractable (DESIGN §3.3 templates). */
  generateRsaKeyPair(label: string): Promise<TokenKeyPair>;
  /**
   * Imports an RSA private key (its integers; the caller parses the file and zeroes them after)
   * as a pair with a new CKA_ID, the private key sensitive
   * and not extractable from now on (it was outside the token before, so not local and not
   * always sensitive). For copying an NPKI key file onto a token.
   */
  importRsaKeyPair(label: string, key: RsaPrivateKeyParts): Promise<TokenKeyPair>;
  /**
   * C_SetPIN: changes the user PIN of a logged-in session. WrongPinError if `oldPin` is wrong,
   * PinRulesError (before anything changes) if the token does not take `newPin`.
   */
  changePin(oldPin: Uint8Array, newPin: Uint8Array): Promise<void>;
  /** A Signer (sha256WithRSAEncryption) that signs with the private key of this CKA_ID. */
  signer(keyPair: TokenKeyPair): Signer;
  /** Stores a certificate (CKO_CERTIFICATE, CKC_X_509) with the key's CKA_ID and its subject. */
  storeCertificate(
    id: Uint8Array,
    label: string,
    der: Uint8Array,
    subject: Uint8Array,
  ): Promise<void>;
  /** Stores a CKO_DATA object (the VID's R: label `R4VID=<hex CKA_ID>`, configurable). */
  storeData(label: string, value: Uint8Array): Promise<void>;
  /**
   * Sets CKA_LABEL of the keys and certificate of this CKA_ID (C_SetAttributeValue): how the
   * kiosk marks a pair finished (src/certificates/tokenPairs.ts).
   */
  relabel(id: Uint8Array, label: string): Promise<void>;
  /** Every object visible in this session (after login: private ones too). */
  listObjects(): Promise<TokenObject[]>;
  /**
   * Removes the data object labelled `dataLabel` first, then the key pair and certificate of this
   * CKA_ID (cleanup after a failure; an interruption leaves the keys, which are found again).
   */
  deleteKeyPair(id: Uint8Array, dataLabel?: string): Promise<void>;
  close(): Promise<void>;
}

/** One PKCS#11 module (library), initialised once per process. */
export interface TokenDriver {
  /** Tokens present now, blank ones included (`initialized: false`). */
  listTokens(): Promise<TokenInfo[]>;
  /**
   * C_InitToken with the SO PIN and label, then C_InitPIN with the user PIN: the token is wiped.
   * Resolves with the token as it is afterwards. PinRulesError (before anything changes) when
   * the token does not take a PIN's length; WrongSoPinError if the SO PIN of a used token is
   * wrong; TokenNotFoundError if there is no such token (or no blank one).
   */
  initToken(target: InitTarget, setup: TokenSetup): Promise<TokenInfo>;
  /**
   * Opens a read-write session with the selected token; TokenNotFoundError if absent,
   * TokenAmbiguousError if several tokens carry the label.
   */
  open(selector: TokenSelector): Promise<TokenSession>;
  /** Closes every session and finalises the module. */
  close(): Promise<void>;
}

/** The RSAPrivateKey integers as PKCS#11 takes them: unsigned big-endian, no sign byte. */
export interface RsaPrivateKeyParts {
  readonly modulus: Buffer;
  readonly publicExponent: Buffer;
  readonly privateExponent: Buffer;
  readonly prime1: Buffer;
  readonly prime2: Buffer;
  readonly exponent1: Buffer;
  readonly exponent2: Buffer;
  readonly coefficient: Buffer;
}

// Watching for tokens: watch.ts's watchTokens polls any TokenDriver, real or fake, and reports
// through these types.

/** A token arrived (or was initialised) or went away. */
export interface TokenEvent {
  readonly type: 'present' | 'removed';
  readonly token: TokenInfo;
}

/** How watchTokens polls. */
export interface TokenWatchOptions {
  /** Between two slot polls; 1000 ms if absent. */
  readonly intervalMs?: number;
  /** A failed poll (module trouble): reported here, the last known tokens stay as they were. */
  readonly onError?: (error: unknown) => void;
}

/** A running watch: `poll()` looks now (e.g. on a USB hotplug event), `stop()` ends it. */
export interface TokenWatch {
  poll(): Promise<void>;
  stop(): void;
}
