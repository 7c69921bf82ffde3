import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommand, parseCommand } from '../../../drivers/emrtd/apdu.js';
import {
  adjustParity,
  pad,
  retailMac,
  tdesDecrypt,
  tdesEncrypt,
  unpad,
} from '../../../drivers/emrtd/crypto.js';
import { maxShortResponseData } from '../../../drivers/emrtd/secureMessaging.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

describe('3DES primitives', () => {
  it('parity: every byte odd, only the low bit changed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (key) => {
        const adjusted = adjustParity(key);
        adjusted.forEach((b, i) => {
          expect((b & 0xfe) === ((key[i] ?? 0) & 0xfe)).toBe(true);
          let ones = 0;
          for (let x = b; x > 0; x >>= 1) ones += x & 1;
          expect(ones % 2).toBe(1);
        });
      }),
    );
    expect(hex(adjustParity(bytes('AA94FCECF2664EDEB8B290F85C7E76F2')))).toBe(
      'AB94FDECF2674FDFB9B391F85D7F76F2',
    );
  });

  it('ISO 9797-1 padding method 2 round trips and refuses bad padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(8, 16), (data, block) => {
        const padded = pad(data, block);
        expect(padded.length % block).toBe(0);
        expect(padded.length - data.length).toBeGreaterThanOrEqual(1);
        expect(padded.length - data.length).toBeLessThanOrEqual(block);
        expect(Buffer.from(unpad(padded, block) ?? [])).toEqual(Buffer.from(data));
      }),
    );
    expect(unpad(bytes('0102030400000000'))).toBeUndefined();
    expect(unpad(bytes('0180000000000000' + '0000000000000000'))).toBeUndefined();
    expect(unpad(new Uint8Array(0))).toBeUndefined();
  });

  it('3DES-CBC round trips; the retail MAC is 8 bytes and key-dependent', () => {
    const key = bytes('AB94FDECF2674FDFB9B391F85D7F76F2');
    const data = pad(bytes('0102030405'));
    expect(Buffer.from(tdesDecrypt(key, tdesEncrypt(key, data)))).toEqual(Buffer.from(data));
    expect(() => tdesEncrypt(key, bytes('01'))).toThrow(RangeError);
    const mac = retailMac(key, bytes('00'));
    expect(mac.length).toBe(8);
    expect(hex(retailMac(bytes('7962D9ECE03D1ACD4C76089DCE131543'), bytes('00')))).not.toBe(
      hex(mac),
    );
  });

  it('a short protected response holds at most 231 plain bytes with 3DES, 223 with AES', () => {
    expect(maxShortResponseData(8)).toBe(0xe7);
    expect(maxShortResponseData(16)).toBe(0xdf);
  });
});

describe('APDU encoding (ISO 7816-4 §5.1)', () => {
  it.each([
    [{ cla: 0, ins: 0x84, p1: 0, p2: 0, le: 8 }, false, '0084000008'],
    [{ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 }, false, '00B0000000'],
    [{ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 65536 }, false, '00B00000000000'],
    [{ cla: 0, ins: 0xa4, p1: 2, p2: 12, data: bytes('011E') }, false, '00A4020C02011E'],
    [
      { cla: 0, ins: 0xa4, p1: 2, p2: 12, data: bytes('011E'), le: 256 },
      true,
      '00A4020C000002011E0100',
    ],
  ])('%o → %s', (cmd, extended, expected) => {
    const encoded = encodeCommand(cmd, extended);
    expect(hex(encoded)).toBe(expected);
  });

  it('parse inverts encode, short and extended', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
        fc.boolean(),
        (data, le, extended) => {
          const cmd = {
            cla: 0x0c,
            ins: 0xb0,
            p1: 1,
            p2: 2,
            data,
            ...(le === undefined ? {} : { le }),
          };
          const parsed = parseCommand(encodeCommand(cmd, extended));
          expect(parsed).toEqual({
            cla: 0x0c,
            ins: 0xb0,
            p1: 1,
            p2: 2,
            ...(data.length === 0 ? {} : { data }),
            ...(le === undefined ? {} : { le }),
          });
        },
      ),
    );
  });

  it('parse refuses what is no APDU case', () => {
    for (const h of ['', '00B000', '00B0000002AA', '00B00000000002AA', '00B0000000000000']) {
      expect(parseCommand(bytes(h))).toBeUndefined();
    }
  });
});
