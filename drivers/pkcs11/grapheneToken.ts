import * as graphene from 'graphene-pk11';
import { PinRulesError } from './errors.js';
import type { TokenInfo } from './contract.js';

// What graphene says of a token, in the contract's terms, and the PIN rules both the driver and
// its sessions apply: TokenInfo from CK_TOKEN_INFO, PIN bytes as the text graphene takes, and the
// PIN length check done before anything on the token changes.

/** The contract's TokenInfo from CK_TOKEN_INFO: its text fields trimmed, its flags decoded. */
export function tokenInfo(token: graphene.Token): TokenInfo {
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

/** PinRulesError unless the token takes a PIN of this length (CK_TOKEN_INFO ulMin/MaxPinLen). */
export function checkPinLength(token: TokenInfo, pin: Uint8Array): void {
  if (pin.length < token.pin.minLength || pin.length > token.pin.maxLength)
    throw new PinRulesError(token.pin.minLength, token.pin.maxLength);
}

/** PINs travel as bytes; graphene takes text (PKCS#11 PINs are UTF-8, v2.40 §3.2). */
export function pinText(pin: Uint8Array): string {
  return Buffer.from(pin).toString('utf8');
}
