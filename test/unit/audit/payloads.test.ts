import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { decodePayload, encodePayload, stateText } from '../../../src/audit/payloads.js';
import { readKioskKey } from '../../../src/audit/kioskKey.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { AuditPayloadError, AuditSecretError } from '../../../src/errors/audit.js';
import { KioskError } from '../../../src/errors/index.js';
import { Secret } from '../../../src/shared/secret.js';
import { auditOptions, visitId } from '../../support/auditVisit.js';
import { outcomeOf, propertyTimeout } from '../../support/property.js';

// The audit writer refuses secrets (issue 14 item 2, DESIGN §8): a field named as one, a full
// resident number or an authorization code in any string at any depth, a Secret, any object that
// is not plain data; and what it accepts it stores and reads back unchanged.

const teller = { decision: 'approved', teller: 'teller-07' } as const;

function refusal(kind: Parameters<typeof encodePayload>[0], payload: unknown): unknown {
  try {
    encodePayload(kind, payload);
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('audit payloads refuse secrets', () => {
  it.each([
    [
      'a full IDN in a free-text field',
      { ...teller, reason: '주민번호 900101-1234568 확인' },
      'reason',
    ],
    [
      'a full IDN without its dash',
      { ...teller, overrideReason: 'idn=9001011234568' },
      'overrideReason',
    ],
    ['a full IDN in the masked field', { ...teller, idnMasked: '900101-1234568' }, 'idnMasked'],
    [
      'a full IDN nested in a list',
      { ...teller, chip: { verified: true, findings: ['ok', '9001011234568'] } },
      'chip.findings[1]',
    ],
    [
      'a post-2020 IDN whose check digit does not hold',
      { ...teller, reason: '020315-4123450' },
      'reason',
    ],
    [
      'a full IDN in a key the schema does not know',
      { ...teller, extra: { deeper: { note: '851231-2345678' } } },
      'extra.deeper.note',
    ],
  ])('%s', (_what, payload, path) => {
    expect(refusal('teller.decision', payload)).toMatchObject({
      code: 'AUDIT_SECRET',
      secret: 'residentNumber',
      path,
    });
  });

  it('an authorization code anywhere, in either case', () => {
    expect(
      refusal('ca.outcome', {
        operation: 'register',
        outcome: 'ok',
        detail: 'code ABCD-EFGH-JKMN-PQRS',
      }),
    ).toMatchObject({ secret: 'authCode', path: 'detail' });
    expect(refusal('visit.step', { state: 'x', nested: ['abcd-efgh-jkmn-pq23'] })).toMatchObject({
      secret: 'authCode',
    });
  });

  it.each([
    'password',
    'userPin',
    'PIN',
    'authCode',
    'clientSecret',
    'idn',
    'holderIdn',
    'newPassword',
  ])('a field named %s, at any depth, whatever it holds', (name) => {
    expect(refusal('visit.step', { state: 'x', [name]: 'x' })).toMatchObject({
      secret: 'secretName',
      path: name,
    });
    expect(refusal('visit.step', { state: 'x', a: { [name]: true } })).toMatchObject({
      secret: 'secretName',
      path: `a.${name}`,
    });
  });

  it('a Secret, a Buffer or any class instance', () => {
    expect(refusal('visit.step', { state: 'x', event: Secret.fromText('1234') })).toMatchObject({
      secret: 'secretValue',
      path: 'event',
    });
    expect(refusal('visit.step', { state: 'x', a: [Buffer.from('pw')] })).toMatchObject({
      secret: 'secretValue',
    });
    expect(refusal('visit.step', new (class {})())).toBeInstanceOf(AuditSecretError);
  });

  it('the message names where, never the value', () => {
    const error = refusal('teller.decision', { ...teller, reason: '900101-1234568' }) as Error;
    expect(error.message).toBe('refused to write a full resident registration number at reason');
  });

  it('keeps what is not a secret: a masked IDN, a hex serial, a 22-digit NPKI name, a UUID, a reference', () => {
    expect(() =>
      encodePayload('teller.decision', {
        ...teller,
        idnMasked: '900101-1******',
        holderName: '홍길동',
        document: { type: 'residentCard', numberMasked: '900101-1******' },
      }),
    ).not.toThrow();
    expect(() =>
      encodePayload('ca.outcome', {
        operation: 'issue',
        outcome: 'ok',
        ref: '48213377',
        // 13 decimal digits in a row, a plausible date first: a hex serial, not an IDN.
        serial: '9001011234568abcdef01234',
        subject: 'cn=홍길동()0091041202002251910000,ou=personal4IB,o=yessign,c=kr',
        detail: `visit ${visitId}`,
      }),
    ).not.toThrow();
  });

  it('refuses what the kind does not allow, with AuditPayloadError', () => {
    expect(refusal('visit.step', { state: 'x', colour: 'red' })).toBeInstanceOf(AuditPayloadError);
    expect(refusal('visit.step', { state: 'has spaces' })).toBeInstanceOf(AuditPayloadError);
    expect(refusal('teller.decision', { ...teller, reason: 'x'.repeat(501) })).toBeInstanceOf(
      AuditPayloadError,
    );
    expect(refusal('teller.decision', { ...teller, reason: 'line\nbreak' })).toBeInstanceOf(
      AuditPayloadError,
    );
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 20; i++) {
      const next: Record<string, unknown> = {};
      at.a = next;
      at = next;
    }
    expect(refusal('visit.step', deep)).toBeInstanceOf(AuditPayloadError);
    const cyclic: Record<string, unknown> = { state: 'x' };
    cyclic.self = cyclic;
    expect(refusal('visit.step', cyclic)).toBeInstanceOf(AuditPayloadError);
  });

  it('the log writes nothing for a refused payload', async () => {
    const options = auditOptions();
    const log = openAuditLog(options);
    const before = log.head?.seq;
    expect(() => log.tellerDecision(visitId, { ...teller, reason: '900101-1234568' })).toThrow(
      AuditSecretError,
    );
    expect(() =>
      log.visitStep(visitId, { state: 'x', ...({ pin: Secret.fromText('0000') } as object) }),
    ).toThrow(AuditSecretError);
    expect(log.head?.seq).toBe(before);
    await log.close();
  });

  it('stateText writes a state value as one line', () => {
    expect(stateText('home')).toBe('home');
    expect(stateText({ identity: 'readingCard' })).toBe('identity.readingCard');
    expect(stateText({ issuing: { storage: 'writing' } })).toBe('issuing.storage.writing');
  });
});

// --- properties ---

/** A resident number as a visitor's would be: a real date, any serial digits, dash or not. */
const residentNumber = fc
  .record({
    year: fc.integer({ min: 0, max: 99 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    back: fc.integer({ min: 1_000_000, max: 8_999_999 }),
    dash: fc.boolean(),
  })
  .map(
    ({ year, month, day, back, dash }) =>
      `${[year, month, day].map((n) => String(n).padStart(2, '0')).join('')}${dash ? '-' : ''}${back}`,
  );

/** Printable text without digits or Latin letters: never a resident number or a code. */
const plainText = (max: number) =>
  fc
    .string({
      unit: fc.constantFrom(...'가나다라 마바사아 ()._,'.split('')),
      minLength: 1,
      maxLength: max,
    })
    .filter((s) => s.trim() !== '');

describe('audit payload properties', () => {
  it(
    'a resident number anywhere in a teller’s text is refused',
    () => {
      fc.assert(
        fc.property(plainText(100), residentNumber, plainText(100), (before, idn, after) => {
          const error = refusal('teller.decision', {
            ...teller,
            reason: `${before}${idn}${after}`,
          });
          expect(error).toBeInstanceOf(AuditSecretError);
          expect((error as Error).message).not.toContain(idn);
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    'any value at all is accepted or refused with a typed audit error, never anything else',
    () => {
      fc.assert(
        fc.property(fc.anything({ maxDepth: 8 }), (value) => {
          const outcome = outcomeOf(() => encodePayload('visit.step', value), KioskError);
          if ('error' in outcome)
            expect(
              outcome.error instanceof AuditSecretError ||
                outcome.error instanceof AuditPayloadError,
            ).toBe(true);
        }),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );

  it(
    'stored text that is not a payload is refused with a typed error, never a crash',
    () => {
      fc.assert(
        fc.property(
          fc.string({ maxLength: 2000 }),
          fc.constantFrom('visit.step', 'ca.outcome', 'x'),
          (json, kind) => {
            outcomeOf(() => decodePayload(kind, json), KioskError);
          },
        ),
        { numRuns: 500 },
      );
    },
    propertyTimeout,
  );

  it(
    'random payloads round-trip: stored as given, read back equal, the log verifying',
    async () => {
      const payload = fc.record(
        {
          operation: fc.constantFrom('register', 'issue', 'renew', 'revoke', 'confirm', 'list'),
          outcome: fc.constantFrom('ok', 'refused', 'unreachable', 'unconfirmed', 'failed'),
          spent: fc.constantFrom('nothing', 'unanswered', 'refused', 'unconfirmed'),
          ref: fc.integer({ min: 10_000_000, max: 99_999_999 }).map(String),
          serial: fc.stringMatching(/^[0-9a-f]{1,40}$/).filter((s) => !/[0-9]{13}/.test(s)),
          subject: plainText(256),
          code: fc.stringMatching(/^[A-Z][A-Z_]{1,30}$/),
          failInfo: fc.array(fc.stringMatching(/^[A-Za-z]{1,40}$/), { maxLength: 27 }),
          detail: plainText(500),
        },
        { requiredKeys: ['operation', 'outcome'] },
      );
      const samples = fc.sample(fc.array(payload, { minLength: 1, maxLength: 20 }), 10);
      for (const payloads of samples) {
        const options = auditOptions({ checkpointEvery: 7 });
        const log = openAuditLog(options);
        for (const p of payloads) log.caOutcome(visitId, p);
        await log.close();
        const store = AuditStore.openForReading(options.file);
        try {
          const stored = store
            .rowsOfVisit(visitId)
            .map((row) => JSON.parse(String(row.payload)) as unknown);
          expect(stored).toEqual(payloads);
          const report = verifyAuditLog({
            store,
            checkpointFiles: [options.checkpointsFile],
            publicKey: readKioskKey(options.keyFile).publicKey,
          });
          expect(report).toMatchObject({ ok: true, entries: payloads.length + 2 });
        } finally {
          store.close();
        }
      }
    },
    propertyTimeout,
  );
});
