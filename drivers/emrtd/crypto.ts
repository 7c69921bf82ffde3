import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/**
 * The 3DES primitives of BAC and secure messaging (ICAO 9303-11 §9.7, §9.8): key derivation,
 * DES parity, 2-key 3DES-CBC with a zero IV, ISO 9797-1 padding method 2 and the retail MAC
 * (ISO 9797-1 MAC algorithm 3). Built on node:crypto only: no maintained JS package provides the
 * retail MAC, and Node 20's OpenSSL 3 has no single DES (legacy provider), so its single-DES steps
 * run as `des-ede(-cbc)` with the key doubled (K‖K: E_K(D_K(E_K(x))) = E_K(x)), as DESIGN §3.2 says.
 */

const zeroIv = new Uint8Array(8);

/** Which key 9303-11 §9.7.1 derives from a seed: the counter appended before hashing. */
export const keyPurpose = { enc: 1, mac: 2 } as const;

/** The first 16 bytes of SHA-1 over MRZ_info: the BAC key seed (9303-11 §9.7.2). */
export function bacKeySeed(mrzInfo: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(mrzInfo, 'latin1').digest().subarray(0, 16));
}

/**
 * A 2-key 3DES key from a 16-byte seed (9303-11 §9.7.1.1): SHA-1(seed ‖ counter as 4 bytes),
 * bytes 0–15 (Ka ‖ Kb), with DES parity adjusted.
 */
export function deriveDesKey(seed: Uint8Array, counter: number): Uint8Array {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(counter);
  const digest = createHash('sha1').update(seed).update(c).digest();
  return adjustParity(digest.subarray(0, 16));
}

/**
 * A copy of `key` with each byte's low bit set so the byte has odd parity (FIPS 46-3 §3: DES
 * ignores the bit; 9303-11 Appendix D prints keys adjusted this way).
 */
export function adjustParity(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length);
  key.forEach((b, i) => {
    let ones = 0;
    for (let x = b >> 1; x > 0; x >>= 1) ones += x & 1;
    out[i] = (b & 0xfe) | (ones % 2 === 0 ? 1 : 0);
  });
  return out;
}

/** 2-key 3DES-CBC encryption with a zero IV (9303-11 §9.8.6.1); `data` is already padded. */
export function tdesEncrypt(key: Uint8Array, data: Uint8Array, iv = zeroIv): Uint8Array {
  assertBlocks(data, 8);
  const cipher = createCipheriv('des-ede-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

/** 2-key 3DES-CBC decryption with a zero IV; `data` must be whole blocks. */
export function tdesDecrypt(key: Uint8Array, data: Uint8Array, iv = zeroIv): Uint8Array {
  assertBlocks(data, 8);
  const decipher = createDecipheriv('des-ede-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
}

/** ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a whole block (always at least 1 byte). */
export function pad(data: Uint8Array, blockSize = 8): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Removes ISO/IEC 9797-1 padding method 2; undefined when `data` does not end in 0x80 followed by
 * at most blockSize − 1 zeros (a wrong key or a damaged cryptogram).
 */
export function unpad(data: Uint8Array, blockSize = 8): Uint8Array | undefined {
  let i = data.length - 1;
  const floor = Math.max(0, data.length - blockSize);
  while (i >= floor && data[i] === 0) i--;
  if (i < floor || data[i] !== 0x80) return undefined;
  return data.subarray(0, i);
}

/**
 * The retail MAC, ISO/IEC 9797-1 MAC algorithm 3 with DES and padding method 2 (9303-11 §9.8.6.2):
 * single-DES CBC under Ka over every block, and for the last block D_Kb then E_Ka, which is 3DES
 * under Ka‖Kb of the last block chained with the previous output. 8 bytes.
 */
export function retailMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const padded = pad(data, 8);
  const ka = key.subarray(0, 8);
  let chain: Uint8Array = zeroIv;
  const head = padded.subarray(0, padded.length - 8);
  if (head.length > 0) {
    const single = createCipheriv('des-ede-cbc', concat(ka, ka), zeroIv).setAutoPadding(false);
    const out = Buffer.concat([single.update(head), single.final()]);
    chain = out.subarray(out.length - 8);
  }
  const last = createCipheriv('des-ede-cbc', key.subarray(0, 16), chain).setAutoPadding(false);
  return new Uint8Array(
    Buffer.concat([last.update(padded.subarray(padded.length - 8)), last.final()]),
  );
}

/** Constant-time equality of two MACs (a timing oracle on a MAC check is a forgery aid). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Concatenation into a fresh Uint8Array. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Overwrites a secret buffer (DESIGN §8: buffers holding secrets are zeroed after use). */
export function wipe(...buffers: readonly Uint8Array[]): void {
  for (const b of buffers) b.fill(0);
}

function assertBlocks(data: Uint8Array, blockSize: number): void {
  if (data.length % blockSize !== 0) {
    throw new RangeError(`${data.length} bytes is not a whole number of ${blockSize}-byte blocks`);
  }
}
