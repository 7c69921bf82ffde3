/**
 * SEED-128 block cipher (RFC 4269, KISA) and SEED-CBC with PKCS#7 padding.
 *
 * Hand-written because NPKI private keys (signPri.key) are PBES-encrypted with SEED-CBC, and there
 * is no good way to get SEED from the platform: Node 20's OpenSSL 3 ships SEED only in the legacy
 * provider, which can only be loaded process-wide (`--openssl-legacy-provider`), and that flag also
 * re-enables every other legacy algorithm (MD4, RC4, DES, ...) for the whole kiosk. No well-kept npm
 * package implements it either.
 *
 * The SS0..SS3 tables are derived at module load from the algebraic definition of the S-boxes (KISA
 * SEED specification; RFC 4269 Appendix A lists only the resulting tables), which keeps 4 KiB of
 * opaque hex out of the source. The RFC 4269 Appendix B vectors and the OpenSSL cross-check in the
 * tests are what vouch for the tables.
 */

/** Thrown by {@link seedCbcDecrypt} when the ciphertext length or its PKCS#7 padding is invalid. */
export class SeedPaddingError extends Error {
  override name = 'SeedPaddingError';
}

const BLOCK = 16;

/** Multiplies in GF(2^8) modulo x^8+x^6+x^5+x+1 (0x163), the field SEED's S-boxes are defined over. */
function gfMul(a: number, b: number): number {
  let r = 0;
  for (; b !== 0; b >>>= 1) {
    if ((b & 1) !== 0) r ^= a;
    a <<= 1;
    if ((a & 0x100) !== 0) a ^= 0x163;
  }
  return r;
}

function gfPow(a: number, e: number): number {
  let r = 1;
  for (; e !== 0; e >>>= 1) {
    if ((e & 1) !== 0) r = gfMul(r, a);
    a = gfMul(a, a);
  }
  return r;
}

/**
 * S(x) = A·x^e ⊕ c over GF(2), with A given as its rows for output bits 7 down to 0 (bit 7 of a row
 * selects input bit 7). The spec defines x^e at 0 as 0, which gfPow already gives for e > 0.
 */
function sbox(rows: readonly number[], e: number, c: number): Uint8Array {
  const s = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    const p = gfPow(x, e);
    let y = 0;
    rows.forEach((row, i) => {
      let v = row & p;
      v ^= v >>> 4;
      v ^= v >>> 2;
      v ^= v >>> 1;
      y |= (v & 1) << (7 - i);
    });
    s[x] = y ^ c;
  }
  return s;
}

const A1 = [0x8a, 0xfe, 0x85, 0x42, 0x45, 0x21, 0x88, 0x14];
const A2 = [0x45, 0x85, 0xfe, 0x21, 0x8a, 0x88, 0x42, 0x14];

/**
 * SS0..SS3 as one DataView (table t at byte offset t*1024): DataView reads are typed `number`, which
 * keeps the hot path free of non-null assertions under noUncheckedIndexedAccess.
 */
const SS = ((): DataView => {
  const s1 = sbox(A1, 247, 169);
  const s2 = sbox(A2, 251, 56);
  const [m0, m1, m2, m3] = [0xfc, 0xf3, 0xcf, 0x3f];
  const word = (a: number, b: number, c: number, d: number): number =>
    ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const view = new DataView(new ArrayBuffer(4 * 256 * 4));
  s1.forEach((a, x) => {
    const b = s2[x] ?? 0;
    view.setUint32(x * 4, word(a & m3, a & m2, a & m1, a & m0));
    view.setUint32(1024 + x * 4, word(b & m0, b & m3, b & m2, b & m1));
    view.setUint32(2048 + x * 4, word(a & m1, a & m0, a & m3, a & m2));
    view.setUint32(3072 + x * 4, word(b & m2, b & m1, b & m0, b & m3));
  });
  return view;
})();

/** The G function: byte-wise S-boxes plus the linear mixing, both folded into SS0..SS3. */
function g(x: number): number {
  return (
    (SS.getUint32((x & 0xff) << 2) ^
      SS.getUint32(1024 + (((x >>> 8) & 0xff) << 2)) ^
      SS.getUint32(2048 + (((x >>> 16) & 0xff) << 2)) ^
      SS.getUint32(3072 + ((x >>> 24) << 2))) >>>
    0
  );
}

/** The SEED-128 block cipher (RFC 4269): 16 Feistel rounds on 128-bit blocks, 128-bit key. */
export class Seed128 {
  /** 32 round-key words, K(i,0) at byte 8i and K(i,1) at 8i+4. */
  readonly #rk = new DataView(new ArrayBuffer(32 * 4));

  /** @param key 16-byte key; throws RangeError otherwise. The caller keeps ownership of `key`. */
  constructor(key: Uint8Array) {
    if (key.length !== BLOCK) throw new RangeError('SEED key must be 16 bytes');
    // The schedule works on locals and a view of the caller's key, so no key-derived copy is left
    // behind other than the round keys that dispose() clears.
    const k = new DataView(key.buffer, key.byteOffset, BLOCK);
    let a = k.getUint32(0);
    let b = k.getUint32(4);
    let c = k.getUint32(8);
    let d = k.getUint32(12);
    for (let i = 0; i < 16; i++) {
      // KC_i is the golden-ratio constant rotated left by i (JS masks the i = 0 shift of 32 to 0).
      const kc = ((0x9e3779b9 << i) | (0x9e3779b9 >>> (32 - i))) >>> 0;
      this.#rk.setUint32(i * 8, g((a + c - kc) >>> 0));
      this.#rk.setUint32(i * 8 + 4, g((b - d + kc) >>> 0));
      // Odd rounds (1-based) rotate A||B right by 8 and even ones C||D left by 8, as 64-bit values.
      if (i % 2 === 0) [a, b] = [((a >>> 8) | (b << 24)) >>> 0, ((b >>> 8) | (a << 24)) >>> 0];
      else [c, d] = [((c << 8) | (d >>> 24)) >>> 0, ((d << 8) | (c >>> 24)) >>> 0];
    }
  }

  /** Encrypts the 16 bytes at `src[srcOff]` into `dst[dstOff]`; src and dst may alias. */
  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    this.#crypt(src, srcOff, dst, dstOff, false);
  }

  /** Decrypts the 16 bytes at `src[srcOff]` into `dst[dstOff]`; src and dst may alias. */
  decryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    this.#crypt(src, srcOff, dst, dstOff, true);
  }

  /** Zeroes the round keys; the instance must not be used afterwards. */
  dispose(): void {
    new Uint8Array(this.#rk.buffer).fill(0);
  }

  #crypt(src: Uint8Array, so: number, dst: Uint8Array, dO: number, decrypt: boolean): void {
    if (so < 0 || so + BLOCK > src.length || dO < 0 || dO + BLOCK > dst.length) {
      throw new RangeError('SEED block out of bounds');
    }
    const i = new DataView(src.buffer, src.byteOffset + so, BLOCK);
    let l0 = i.getUint32(0);
    let l1 = i.getUint32(4);
    let r0 = i.getUint32(8);
    let r1 = i.getUint32(12);
    // Rounds update the halves in place, alternating which one they write; decryption is the same
    // network with the round keys in reverse order.
    for (let n = 0; n < 16; n += 2) {
      let k = decrypt ? (15 - n) * 8 : n * 8;
      let [f0, f1] = this.#f(r0, r1, k);
      l0 = (l0 ^ f0) >>> 0;
      l1 = (l1 ^ f1) >>> 0;
      k = decrypt ? k - 8 : k + 8;
      [f0, f1] = this.#f(l0, l1, k);
      r0 = (r0 ^ f0) >>> 0;
      r1 = (r1 ^ f1) >>> 0;
    }
    const o = new DataView(dst.buffer, dst.byteOffset + dO, BLOCK);
    o.setUint32(0, r0);
    o.setUint32(4, r1);
    o.setUint32(8, l0);
    o.setUint32(12, l1);
  }

  /** The round function F for the round whose keys start at byte `k` of the schedule. */
  #f(r0: number, r1: number, k: number): [number, number] {
    let c = (r0 ^ this.#rk.getUint32(k)) >>> 0;
    let d = (r1 ^ this.#rk.getUint32(k + 4)) >>> 0;
    d = g((d ^ c) >>> 0);
    c = g((c + d) >>> 0);
    d = g((d + c) >>> 0);
    c = (c + d) >>> 0;
    return [c, d];
  }
}

function checkKeyIv(key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== BLOCK) throw new RangeError('SEED key must be 16 bytes');
  if (iv.length !== BLOCK) throw new RangeError('SEED-CBC IV must be 16 bytes');
}

function xorInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number): void {
  for (let j = 0; j < BLOCK; j++) dst[dstOff + j] = (dst[dstOff + j] ?? 0) ^ (src[srcOff + j] ?? 0);
}

/**
 * SEED-CBC encryption with PKCS#7 padding (always 1..16 pad bytes, as OpenSSL and NPKI expect).
 * @param key 16-byte key; RangeError otherwise.
 * @param iv 16-byte IV; RangeError otherwise.
 * @returns a new buffer holding the ciphertext, a non-zero multiple of 16 bytes long.
 */
export function seedCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKeyIv(key, iv);
  const pad = BLOCK - (plaintext.length % BLOCK);
  const out = new Uint8Array(plaintext.length + pad);
  out.set(plaintext);
  out.fill(pad, plaintext.length);
  const cipher = new Seed128(key);
  try {
    for (let off = 0; off < out.length; off += BLOCK) {
      if (off === 0) xorInto(out, 0, iv, 0);
      else xorInto(out, off, out, off - BLOCK);
      cipher.encryptBlock(out, off, out, off);
    }
  } finally {
    cipher.dispose();
  }
  return out;
}

/**
 * SEED-CBC decryption, removing PKCS#7 padding.
 * @param key 16-byte key; RangeError otherwise.
 * @param iv 16-byte IV; RangeError otherwise.
 * @returns a new buffer holding the plaintext; the padded intermediate is zeroed.
 * @throws SeedPaddingError if the ciphertext is empty, not block-aligned, or badly padded (every pad
 *   byte is checked, without an early exit on the first mismatch).
 */
export function seedCbcDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  checkKeyIv(key, iv);
  const n = ciphertext.length;
  if (n === 0 || n % BLOCK !== 0) {
    throw new SeedPaddingError('SEED-CBC ciphertext length must be a non-zero multiple of 16');
  }
  const out = new Uint8Array(n);
  const cipher = new Seed128(key);
  try {
    for (let off = 0; off < n; off += BLOCK) {
      cipher.decryptBlock(ciphertext, off, out, off);
      if (off === 0) xorInto(out, 0, iv, 0);
      else xorInto(out, off, ciphertext, off - BLOCK);
    }
  } finally {
    cipher.dispose();
  }
  const pad = out[n - 1] ?? 0;
  let bad = pad === 0 || pad > BLOCK ? 1 : 0;
  for (let j = 1; j <= BLOCK; j++) {
    // Only the last `pad` bytes must equal `pad`; bytes before them are examined but not judged.
    bad |= j <= pad && out[n - j] !== pad ? 1 : 0;
  }
  if (bad !== 0) {
    out.fill(0);
    throw new SeedPaddingError('SEED-CBC padding is invalid');
  }
  const plaintext = out.slice(0, n - pad);
  out.fill(0);
  return plaintext;
}
