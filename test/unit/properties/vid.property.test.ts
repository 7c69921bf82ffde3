import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeVid, type VidHash } from '../../../src/npki/vid.js';
import { propertyTimeout as timeout, randomR, tlv } from '../../support/property.js';

/**
 * HashContent ::= SEQUENCE { idn PrintableString, randomNum BIT STRING } by hand:
 * `30 len 13 0d <13 ASCII digits> 03 <len> 00 <R>` (DESIGN §4.3).
 */
function hashContentDer(idn: string, r: Uint8Array): Buffer {
  return tlv(0x30, tlv(0x13, Buffer.from(idn, 'ascii')), tlv(0x03, Buffer.from([0x00]), r));
}

function expectedVid(idn: string, r: Uint8Array, hash: VidHash): Buffer {
  const inner = createHash(hash).update(hashContentDer(idn, r)).digest();
  return createHash(hash).update(inner).digest();
}

const idn13 = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 })
  .map((digits) => digits.join(''));

describe('computeVid (properties)', () => {
  it(
    'the hand-built DER has one-byte lengths for R up to 109 bytes',
    () => {
      // 30 L 13 0d <13> 03 (n+1) 00 <n>: L = 2 + 13 + 2 + 1 + n = 18 + n ≤ 127.
      const der = hashContentDer('0'.repeat(13), Buffer.alloc(109));
      expect(der.subarray(0, 2).toString('hex')).toBe('307f');
      expect(der.subarray(17, 19).toString('hex')).toBe('036e');
    },
    timeout,
  );

  it(
    'SHA-256 (the default): H(H(DER)) for random 13-digit IDNs and R of 1..64 bytes',
    () => {
      fc.assert(
        fc.property(idn13, randomR, (idn, r) => {
          const vid = computeVid(idn, r);
          expect(vid.length).toBe(32);
          expect(vid.toString('hex')).toBe(expectedVid(idn, r, 'sha256').toString('hex'));
          expect(computeVid(idn, r, 'sha256').equals(vid)).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'SHA-1: H(H(DER)) for random 13-digit IDNs and R of 1..64 bytes',
    () => {
      fc.assert(
        fc.property(idn13, randomR, (idn, r) => {
          const vid = computeVid(idn, r, 'sha1');
          expect(vid.length).toBe(20);
          expect(vid.toString('hex')).toBe(expectedVid(idn, r, 'sha1').toString('hex'));
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'R beyond 109 bytes (long-form DER lengths) still matches the hand-built encoding',
    () => {
      fc.assert(
        fc.property(
          idn13,
          fc.uint8Array({ minLength: 110, maxLength: 400 }),
          fc.constantFrom<VidHash>('sha256', 'sha1'),
          (idn, r, hash) => {
            expect(computeVid(idn, r, hash).equals(expectedVid(idn, r, hash))).toBe(true);
          },
        ),
        { numRuns: 100 },
      );
    },
    timeout,
  );

  it(
    'different R or different IDN give a different VID',
    () => {
      fc.assert(
        fc.property(idn13, idn13, randomR, randomR, (idnA, idnB, rA, rB) => {
          fc.pre(idnA !== idnB || !Buffer.from(rA).equals(rB));
          expect(computeVid(idnA, rA).equals(computeVid(idnB, rB))).toBe(false);
        }),
        { numRuns: 200 },
      );
    },
    timeout,
  );

  it(
    'an IDN that is not exactly 13 ASCII digits is a programming error (RangeError)',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 20 }),
            idn13.map((idn) => `${idn.slice(0, 6)}-${idn.slice(6)}`),
            idn13.map((idn) => idn.slice(0, 12)),
            idn13.map((idn) => `${idn}0`),
            idn13.map((idn) => `${idn}\n`),
            // Non-ASCII decimal digits (Arabic-Indic) that \d must not accept.
            fc.constant('٠١٢٣٤٥٦٧٨٩٠١٢'),
          ),
          randomR,
          (idn, r) => {
            fc.pre(!/^[0-9]{13}$/.test(idn));
            expect(() => computeVid(idn, r)).toThrow(RangeError);
          },
        ),
        { numRuns: 200 },
      );
    },
    timeout,
  );
});
