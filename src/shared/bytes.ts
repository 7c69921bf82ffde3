// Bytes as the project compares and names them: one helper for each, used everywhere (issue 12
// item 5). Neither is constant-time: they are for public values (IDs, serials, nonces, hashes),
// never for secrets (those compare with crypto.timingSafeEqual where they are checked).

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('hex');
}

/** Whether two byte strings are equal; an absent one equals nothing. */
export function sameBytes(
  a: Uint8Array | ArrayBuffer | undefined,
  b: Uint8Array | ArrayBuffer | undefined,
): boolean {
  if (a === undefined || b === undefined) return false;
  const x = a instanceof ArrayBuffer ? new Uint8Array(a) : a;
  const y = b instanceof ArrayBuffer ? new Uint8Array(b) : b;
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
    Buffer.from(y.buffer, y.byteOffset, y.byteLength),
  );
}

/**
 * An INTEGER's content bytes (a serial number) as lower-case hex without leading zero bytes, as
 * the kiosk and the CA name certificates (and `openssl x509 -serial` prints, lower-cased).
 */
export function integerHex(bytes: Uint8Array | ArrayBuffer): string {
  const all = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  let start = 0;
  while (start < all.length - 1 && all[start] === 0) start++;
  return toHex(all.subarray(start));
}
