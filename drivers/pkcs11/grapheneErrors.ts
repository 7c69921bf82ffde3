// The default import is module.exports: Node's ESM loader does not see every CommonJS export by name.
import pkcs11js from 'pkcs11js';
import {
  PinLockedError,
  TokenFailureError,
  TokenFullError,
  TokenRemovedError,
  WrongPinError,
} from './errors.js';
import type { RecoveryGate } from './recovery.js';
import type { TokenInfo } from './contract.js';

// The one place where PKCS#11 failures of the graphene driver become the typed token errors of
// errors.ts (STYLE #6: recognised by their CKR code, never by their message), and where a
// synchronous module call becomes a promise whose failures the module's recovery gate hears of.

/**
 * mapErrors as a promise: a synchronous PKCS#11 failure becomes a rejection, never a throw, and
 * the module's recovery gate hears of it.
 */
export function attempt<T>(call: () => T, gate: RecoveryGate, info?: () => TokenInfo): Promise<T> {
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
export function mapErrors<T>(call: () => T, info?: () => TokenInfo): T {
  try {
    return call();
  } catch (error) {
    throw mapError(error, info);
  }
}

/** PKCS#11 errors are recognised by their CKR code (STYLE #6), never by their message. */
export function mapError(error: unknown, info?: () => TokenInfo): Error {
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

/** CKR_PIN_INCORRECT: how C_InitToken says the SO PIN is wrong. */
export function isPinIncorrect(error: unknown): boolean {
  return error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_PIN_INCORRECT;
}
