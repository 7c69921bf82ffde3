// How the CA database keys what CMP messages carry as bytes: certificate serial numbers and
// transaction IDs, as lower-case hex.

import { integerHex, toHex } from '../shared/bytes.js';

/** Serial numbers as the database keys them: lower-case hex without leading zero bytes. */
export function hexSerial(bytes: Uint8Array): string {
  return integerHex(bytes);
}

/** A transactionID as the database keys it: lower-case hex, all bytes (none: the empty string). */
export function transactionKey(bytes: ArrayBuffer | undefined): string {
  return toHex(bytes ?? new ArrayBuffer(0));
}
