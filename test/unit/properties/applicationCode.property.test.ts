import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApplicationCodeError,
  applicationCodeSchema,
  encodeApplicationCode,
  maxApplicationCodeBytes,
  parseApplicationCode,
  type ApplicationCode,
} from '../../../src/text/applicationCode.js';
import { outcomeOf, propertyTimeout as timeout } from '../../support/property.js';

// DESIGN §8: the application code comes from a visitor's phone through the scanner; whatever the
// bytes, the parser returns fields the schema accepts or an ApplicationCodeError, quickly.

function check(scanned: Uint8Array): void {
  const outcome = outcomeOf(() => parseApplicationCode(scanned), ApplicationCodeError);
  if ('value' in outcome) expect(applicationCodeSchema.safeParse(outcome.value).success).toBe(true);
  else expect(outcome.error.message.length).toBeLessThan(400);
}

const fieldsArbitrary: fc.Arbitrary<ApplicationCode> = fc.record({
  institution: fc.stringMatching(/^[a-z0-9-]{1,32}$/),
  certificateType: fc.stringMatching(/^[a-z0-9-]{1,32}$/),
  name: fc.constantFrom('홍길동', 'Kim Min-su', "O'Brien", '이 서연'),
  phone: fc.stringMatching(/^01[016789]-?[0-9]{3,4}-?[0-9]{4}$/),
});

describe('application code properties', () => {
  it(
    'arbitrary bytes: fields or ApplicationCodeError',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
          check(b);
        }),
        {
          numRuns: 500,
        },
      );
    },
    timeout,
  );

  it(
    'arbitrary text behind a correct prefix: fields or ApplicationCodeError',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 1500 }), (s) => {
          check(Buffer.from(`NPKIAPP1.${s}`, 'utf8'));
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'any JSON value in a well-formed, correctly checksummed code: fields or a typed refusal',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          const code = encodeApplicationCode(value as ApplicationCode);
          check(Buffer.from(code, 'ascii'));
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'valid fields round-trip; one flipped byte is refused',
    () => {
      fc.assert(
        fc.property(fieldsArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, x) => {
          const code = Buffer.from(encodeApplicationCode(f), 'ascii');
          expect(code.length).toBeLessThanOrEqual(maxApplicationCodeBytes);
          expect(parseApplicationCode(code)).toEqual(f);
          const damaged = Buffer.from(code);
          const i = at % damaged.length;
          damaged[i] = (damaged[i] ?? 0) ^ x;
          // Trailing whitespace is trimmed (scanners append a newline): not damage.
          if (damaged.toString('latin1').trim() === code.toString('latin1')) return;
          expect(() => parseApplicationCode(damaged)).toThrow(ApplicationCodeError);
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );
});
