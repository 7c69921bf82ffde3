import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idDocumentTypes } from '../../../machines/form/idDocument.js';
import { recordableDocument } from '../../../machines/tellerApproval.js';
import type {
  IdAuthenticity,
  IdAuthenticityAnswer,
} from '../../../src/kiosk/idAuthenticity/contract.js';
import { FakeIdAuthenticity } from '../../../src/kiosk/idAuthenticity/fake.js';
import { IdAuthenticityOff } from '../../../src/kiosk/idAuthenticity/off.js';
import { recordInPerson, type InPersonInput } from '../../../src/kiosk/inPerson.js';
import { propertyTimeout } from '../../support/property.js';

// Issue 13: the teller's in-person check of a visitor's physical ID without a chip: the number
// checked and masked, the typed bytes zeroed on every path, the authenticity service asked when
// there is one, and nothing whole left in what comes back.

const NOW = new Date('2024-06-15T12:00:00+09:00');
const name = '홍길동';

/** Valid numbers as typed, and the canonical form the service must get. */
const valid = {
  residentCard: { typed: '900101-1234568', canonical: '9001011234568', masked: '900101-1******' },
  driverLicence: {
    typed: '서울 91-123456-12',
    canonical: '119112345612',
    masked: '11-91-********',
  },
  passport: { typed: 'm123a4567', canonical: 'M123A4567', masked: 'M123*****' },
} as const;
const invalid = {
  residentCard: '900230-1234568',
  driverLicence: '27-23-123456-01',
  passport: 'X12345678',
} as const;

function input(type: InPersonInput['type'], typed: string, extra: Partial<InPersonInput> = {}) {
  return { type, number: Buffer.from(typed, 'utf8'), name, ...extra };
}

const zeroed = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** Nothing of the whole number in what is returned or thrown, in any spelling of it. */
function expectNoWholeNumber(value: unknown, ...numbers: string[]): void {
  const text =
    value instanceof Error ? `${value.message} ${value.stack ?? ''}` : JSON.stringify(value);
  for (const n of numbers) expect(text).not.toContain(n);
}

describe.each(idDocumentTypes)('recordInPerson: %s', (type) => {
  const { typed, canonical, masked } = valid[type];

  it('without a service: the masked document, notChecked, the bytes zeroed', async () => {
    const request = input(type, typed);
    const record = await recordInPerson(undefined, request, NOW);
    expect(record).toEqual({
      ok: true,
      document: { type, numberMasked: masked },
      authenticity: 'notChecked',
      warnings: [],
    });
    expect(record.ok && recordableDocument(record.document)).toBe(true);
    expect(zeroed(request.number)).toBe(true);
    expectNoWholeNumber(record, typed, canonical);
  });

  it('with the service off: notChecked too', async () => {
    const record = await recordInPerson(new IdAuthenticityOff(), input(type, typed), NOW);
    expect(record).toMatchObject({ ok: true, authenticity: 'notChecked' });
  });

  it('refuses an invalid number with its problem, zeroed, the service not asked', async () => {
    const fake = new FakeIdAuthenticity();
    const request = input(type, invalid[type]);
    const record = await recordInPerson(fake, request, NOW);
    expect(record.ok).toBe(false);
    expect(zeroed(request.number)).toBe(true);
    expect(fake.calls).toHaveLength(0);
    expectNoWholeNumber(record, invalid[type], invalid[type].replace(/[ -]/g, ''));
  });

  it('authentic: the service got the canonical number, zeroed after; the reference kept', async () => {
    const fake = new FakeIdAuthenticity();
    fake.answer(type, canonical, { result: 'authentic', reference: 'MOIS-2024-0001' });
    const request = input(type, typed);
    const record = await recordInPerson(fake, request, NOW);
    expect(record).toEqual({
      ok: true,
      document: { type, numberMasked: masked },
      authenticity: 'authentic',
      reference: 'MOIS-2024-0001',
      warnings: [],
    });
    expect(fake.calls.map((c) => c.numberAtCall)).toEqual([canonical]);
    expect(fake.calls[0]?.request.name).toBe(name);
    expect(zeroed(fake.calls[0]?.request.number ?? new Uint8Array([1]))).toBe(true);
    expect(zeroed(request.number)).toBe(true);
    expectNoWholeNumber(record, typed, canonical);
  });

  it('notAuthentic: carried for the teller to see', async () => {
    const fake = new FakeIdAuthenticity();
    const record = await recordInPerson(fake, input(type, typed), NOW);
    expect(record).toMatchObject({ ok: true, authenticity: 'notAuthentic' });
  });

  it.each(['unavailable', 'rejects'] as const)(
    'the service down (%s): unavailable, everything zeroed, the error not kept',
    async (mode) => {
      const fake = new FakeIdAuthenticity();
      fake.goDown(mode);
      const request = input(type, typed);
      const record = await recordInPerson(fake, request, NOW);
      expect(record).toMatchObject({ ok: true, authenticity: 'unavailable' });
      expect(zeroed(request.number)).toBe(true);
      expect(zeroed(fake.calls[0]?.request.number ?? new Uint8Array([1]))).toBe(true);
      expectNoWholeNumber(record, typed, canonical);
    },
  );
});

describe('recordInPerson: every other path', () => {
  const { typed, canonical } = valid.residentCard;

  it('carries the check-digit warning of a resident number', async () => {
    const record = await recordInPerson(undefined, input('residentCard', '900101-1234567'), NOW);
    expect(record).toMatchObject({ ok: true, warnings: [{ ko: expect.any(String) as string }] });
  });

  it('refuses oversized bytes without decoding them, and zeroes them', async () => {
    const request = input('passport', 'M12345678'.repeat(10_000));
    const record = await recordInPerson(new FakeIdAuthenticity(), request, NOW);
    expect(record).toMatchObject({ ok: false, code: 'tooLong' });
    expect(zeroed(request.number)).toBe(true);
  });

  it('refuses bytes that are not UTF-8 as a format problem, zeroed', async () => {
    const request = { type: 'passport' as const, number: Buffer.from([0x4d, 0xff, 0x31]), name };
    expect(await recordInPerson(undefined, request, NOW)).toMatchObject({
      ok: false,
      code: 'format',
    });
    expect(zeroed(request.number)).toBe(true);
  });

  it('passes a valid issue date to the service; refuses a future or unreal one', async () => {
    const fake = new FakeIdAuthenticity();
    await recordInPerson(fake, input('residentCard', typed, { issueDate: '2015-03-02' }), NOW);
    expect(fake.calls[0]?.request.issueDate).toBe('2015-03-02');
    for (const issueDate of ['2024-06-16', '2023-02-29', '20150302', '2015-13-01']) {
      const request = input('residentCard', typed, { issueDate });
      const record = await recordInPerson(fake, request, NOW);
      expect(record).toMatchObject({ ok: false, code: 'issueDate' });
      expect(zeroed(request.number)).toBe(true);
    }
    expect(fake.calls).toHaveLength(1);
  });

  it('throws on a name no form accepts, after zeroing (a programming error)', async () => {
    for (const bad of ['', '  ', 'a'.repeat(65), '홍\u202e길동']) {
      const request = input('residentCard', typed, { name: bad });
      const error = await recordInPerson(undefined, request, NOW).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect(zeroed(request.number)).toBe(true);
      expectNoWholeNumber(error, typed, canonical);
    }
  });

  it('throws on an invalid clock, after zeroing', async () => {
    const request = input('residentCard', typed);
    const error = await recordInPerson(undefined, request, new Date(NaN)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(zeroed(request.number)).toBe(true);
    expectNoWholeNumber(error, typed, canonical);
  });

  it('aborted before: rejects with the reason, asks nothing, zeroes the bytes', async () => {
    const fake = new FakeIdAuthenticity();
    const controller = new AbortController();
    const reason = new Error('visit cancelled');
    controller.abort(reason);
    const request = input('residentCard', typed);
    await expect(recordInPerson(fake, request, NOW, controller.signal)).rejects.toBe(reason);
    expect(fake.calls).toHaveLength(0);
    expect(zeroed(request.number)).toBe(true);
  });

  it('aborted mid-call: rejects with the reason at once, every copy zeroed', async () => {
    const fake = new FakeIdAuthenticity();
    fake.delayMs = 3_600_000;
    const controller = new AbortController();
    const reason = new Error('visit cancelled');
    const request = input('residentCard', typed);
    const pending = recordInPerson(fake, request, NOW, controller.signal);
    expect(zeroed(request.number)).toBe(true);
    await Promise.resolve();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(zeroed(fake.calls[0]?.request.number ?? new Uint8Array([1]))).toBe(true);
  });

  it('a service answering outside the contract counts as unavailable; a wild reference is dropped', async () => {
    const answers: unknown[] = [
      undefined,
      { result: 'yes' },
      { result: 'unavailable', reference: 'R1' },
      { result: 'authentic', reference: 'line\nbreak' },
      { result: 'authentic', reference: 'x'.repeat(65) },
      { result: 'notChecked', reference: 'R1' },
    ];
    const seen = [];
    for (const answer of answers) {
      const service: IdAuthenticity = {
        check: () => Promise.resolve(answer as IdAuthenticityAnswer),
      };
      const record = await recordInPerson(service, input('residentCard', typed), NOW);
      seen.push(record.ok ? [record.authenticity, record.reference] : record.code);
    }
    expect(seen).toEqual([
      ['unavailable', undefined],
      ['unavailable', undefined],
      ['unavailable', undefined],
      ['authentic', undefined],
      ['authentic', undefined],
      ['notChecked', undefined],
    ]);
  });

  it(
    'on any bytes and type: never throws, always zeroes, returns a recordable document or a problem',
    async () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => new TextEncoder().encode(s)),
        fc.constantFrom(...Object.values(valid).map((v) => new TextEncoder().encode(v.typed))),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...idDocumentTypes), bytes, async (type, raw) => {
          const request = { type, number: Buffer.from(raw), name };
          const fake = new FakeIdAuthenticity();
          const record = await recordInPerson(fake, request, NOW);
          expect(zeroed(request.number)).toBe(true);
          for (const call of fake.calls) expect(zeroed(call.request.number)).toBe(true);
          if (record.ok) {
            expect(recordableDocument(record.document)).toBe(true);
            expectNoWholeNumber(record, ...fake.calls.map((c) => c.numberAtCall));
          }
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );
});
