import { timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  PinLockedError,
  PinRulesError,
  TokenFullError,
  WrongPinError,
  WrongSoPinError,
} from './errors.js';
import type { TokenInfo, TokenObject, TokenSetup } from './contract.js';

// One token of the fake PKCS#11 driver (fake.ts): what it is made with, its PINs and tries, its
// objects and whether it is in the reader, behaving as a module reports a token.

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
export interface StoredObject {
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
export class FakeToken {
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

/** Constant-time for equal lengths, as a token compares PINs. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
