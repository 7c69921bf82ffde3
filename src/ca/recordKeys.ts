// How the CA database keys what CMP messages carry as bytes: certificate serial numbers and
// transaction IDs, as lower-case hex.

/** Serial numbers as the database keys them: lower-case hex without leading zero bytes. */
export function hexSerial(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString('hex');
}

/** A transactionID as the database keys it: lower-case hex, all bytes (none: the empty string). */
export function transactionKey(bytes: ArrayBuffer | undefined): string {
  return Buffer.from(bytes ?? new ArrayBuffer(0)).toString('hex');
}
