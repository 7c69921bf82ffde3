import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Seed128,
  SeedPaddingError,
  seedCbcDecrypt,
  seedCbcEncrypt,
} from '../../../src/npki/seed.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 4269 Appendix B (B.1-B.4); the same four appear in OpenSSL's evptests SEED-ECB section.
const RFC4269_VECTORS = [
  {
    key: '00000000000000000000000000000000',
    pt: '000102030405060708090A0B0C0D0E0F',
    ct: '5EBAC6E0054E166819AFF1CC6D346CDB',
  },
  {
    key: '000102030405060708090A0B0C0D0E0F',
    pt: '00000000000000000000000000000000',
    ct: 'C11F22F20140505084483597E4370F43',
  },
  {
    key: '4706480851E61BE85D74BFB3FD956185',
    pt: '83A2F8A288641FB9A4E9A5CC2F131C7D',
    ct: 'EE54D13EBCAE706D226BC3142CD40D4A',
  },
  {
    key: '28DBC3BC49FFD87DCFA509B11D422BE7',
    pt: 'B41E6BE2EBA84A148E2EED84593C5EC7',
    ct: '9B9B7BFCD1813CB95D0B3618F40F5122',
  },
] as const;

const KEY = hex('28DBC3BC49FFD87DCFA509B11D422BE7');
const IV = hex('000102030405060708090A0B0C0D0E0F');

describe('Seed128', () => {
  it.each(RFC4269_VECTORS)('encrypts and decrypts RFC 4269 vector key=$key', ({ key, pt, ct }) => {
    const cipher = new Seed128(hex(key));
    const out = new Uint8Array(16);
    cipher.encryptBlock(hex(pt), 0, out, 0);
    expect(toHex(out)).toBe(ct.toLowerCase());
    cipher.decryptBlock(hex(ct), 0, out, 0);
    expect(toHex(out)).toBe(pt.toLowerCase());
  });

  it('honours offsets and works in place', () => {
    const { key, pt, ct } = RFC4269_VECTORS[2];
    const cipher = new Seed128(hex(key));
    const buf = new Uint8Array(40);
    buf.set(hex(pt), 7);
    cipher.encryptBlock(buf, 7, buf, 7);
    expect(toHex(buf.subarray(7, 23))).toBe(ct.toLowerCase());
    const out = new Uint8Array(20);
    cipher.decryptBlock(buf, 7, out, 3);
    expect(toHex(out.subarray(3, 19))).toBe(pt.toLowerCase());
  });

  it('rejects keys that are not 16 bytes and out-of-range offsets', () => {
    expect(() => new Seed128(new Uint8Array(15))).toThrow(RangeError);
    expect(() => new Seed128(new Uint8Array(32))).toThrow(RangeError);
    const cipher = new Seed128(KEY);
    expect(() => {
      cipher.encryptBlock(new Uint8Array(16), 1, new Uint8Array(16), 0);
    }).toThrow(RangeError);
  });

  it('dispose() clears the round keys', () => {
    const { key, pt, ct } = RFC4269_VECTORS[0];
    const cipher = new Seed128(hex(key));
    cipher.dispose();
    const out = new Uint8Array(16);
    cipher.encryptBlock(hex(pt), 0, out, 0);
    expect(toHex(out)).not.toBe(ct.toLowerCase());
    // With all round keys zero the result is what an all-zero schedule gives, whatever the key.
    const other = new Seed128(hex('28DBC3BC49FFD87DCFA509B11D422BE7'));
    other.dispose();
    const out2 = new Uint8Array(16);
    other.encryptBlock(hex(pt), 0, out2, 0);
    expect(out2).toEqual(out);
  });
});

describe('seedCbcEncrypt / seedCbcDecrypt', () => {
  it('pads to the next block, adding a full block for aligned input', () => {
    expect(seedCbcEncrypt(KEY, IV, new Uint8Array(0))).toHaveLength(16);
    expect(seedCbcEncrypt(KEY, IV, new Uint8Array(15))).toHaveLength(16);
    expect(seedCbcEncrypt(KEY, IV, new Uint8Array(16))).toHaveLength(32);
    expect(seedCbcEncrypt(KEY, IV, new Uint8Array(33))).toHaveLength(48);
  });

  it('first block equals the block cipher applied to plaintext XOR IV', () => {
    const pt = hex('B41E6BE2EBA84A148E2EED84593C5EC7');
    const ct = seedCbcEncrypt(KEY, new Uint8Array(16), pt);
    expect(toHex(ct.subarray(0, 16))).toBe('9b9b7bfcd1813cb95d0b3618f40f5122');
  });

  it('round-trips', () => {
    const pt = new TextEncoder().encode(
      '공동인증서 signPri.key — SEED-CBC round trip, 3+ blocks long',
    );
    const ct = seedCbcEncrypt(KEY, IV, pt);
    expect(seedCbcDecrypt(KEY, IV, ct)).toEqual(pt);
  });

  it('rejects key and IV that are not 16 bytes with RangeError', () => {
    expect(() => seedCbcEncrypt(new Uint8Array(8), IV, new Uint8Array(1))).toThrow(RangeError);
    expect(() => seedCbcEncrypt(KEY, new Uint8Array(17), new Uint8Array(1))).toThrow(RangeError);
    expect(() => seedCbcDecrypt(new Uint8Array(0), IV, new Uint8Array(16))).toThrow(RangeError);
    expect(() => seedCbcDecrypt(KEY, new Uint8Array(15), new Uint8Array(16))).toThrow(RangeError);
  });

  it.each([0, 1, 15, 17, 31])('rejects ciphertext of length %i', (n) => {
    expect(() => seedCbcDecrypt(KEY, IV, new Uint8Array(n))).toThrow(SeedPaddingError);
  });

  /** Encrypts one raw block (no padding added) so the test controls the decrypted padding bytes. */
  const rawBlock = (plain: Uint8Array): Uint8Array => {
    const x = plain.map((b, i) => b ^ (IV[i] ?? 0));
    const cipher = new Seed128(KEY);
    cipher.encryptBlock(x, 0, x, 0);
    cipher.dispose();
    return x;
  };

  it('accepts every valid pad value 1..16 on a crafted block', () => {
    for (let pad = 1; pad <= 16; pad++) {
      const plain = new Uint8Array(16).fill(0xaa);
      plain.fill(pad, 16 - pad);
      expect(seedCbcDecrypt(KEY, IV, rawBlock(plain))).toEqual(new Uint8Array(16 - pad).fill(0xaa));
    }
  });

  it('rejects a zero pad byte', () => {
    expect(() => seedCbcDecrypt(KEY, IV, rawBlock(new Uint8Array(16)))).toThrow(SeedPaddingError);
  });

  it('rejects a pad value above 16', () => {
    const plain = new Uint8Array(16).fill(17);
    expect(() => seedCbcDecrypt(KEY, IV, rawBlock(plain))).toThrow(SeedPaddingError);
  });

  it('rejects padding with any one inner pad byte wrong, not only the last', () => {
    for (let pad = 2; pad <= 16; pad++) {
      for (let wrong = 16 - pad; wrong < 15; wrong++) {
        const plain = new Uint8Array(16).fill(pad, 16 - pad);
        plain[wrong] = pad ^ 0x40;
        expect(() => seedCbcDecrypt(KEY, IV, rawBlock(plain))).toThrow(SeedPaddingError);
      }
    }
  });

  it('rejects a tampered final block', () => {
    const ct = seedCbcEncrypt(KEY, IV, new Uint8Array(20).fill(1));
    // Flipping a bit in the previous ciphertext block flips the same bit of the last pad byte.
    ct[31 - 16] = (ct[31 - 16] ?? 0) ^ 0x80;
    expect(() => seedCbcDecrypt(KEY, IV, ct)).toThrow(SeedPaddingError);
  });
});

describe('SEED-CBC properties', () => {
  const block = fc.uint8Array({ minLength: 16, maxLength: 16 });

  it('decrypt(encrypt(x)) == x', () => {
    fc.assert(
      fc.property(block, block, fc.uint8Array({ maxLength: 200 }), (key, iv, pt) => {
        const ct = seedCbcEncrypt(key, iv, pt);
        expect(ct.length % 16).toBe(0);
        expect(ct.length).toBeGreaterThan(pt.length);
        expect(seedCbcDecrypt(key, iv, ct)).toEqual(pt);
      }),
    );
  });

  it('decrypting random bytes returns or throws SeedPaddingError, nothing else', () => {
    fc.assert(
      fc.property(block, block, fc.uint8Array({ maxLength: 200 }), (key, iv, junk) => {
        let pt: Uint8Array | undefined;
        try {
          pt = seedCbcDecrypt(key, iv, junk);
        } catch (e) {
          expect(e).toBeInstanceOf(SeedPaddingError);
          return;
        }
        expect(junk.length - pt.length).toBeGreaterThanOrEqual(1);
        expect(junk.length - pt.length).toBeLessThanOrEqual(16);
      }),
    );
  });
});
