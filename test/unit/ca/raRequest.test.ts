import { describe, expect, it } from 'vitest';
import type { Evidence as MachineEvidence } from '../../../machines/types.js';
import type { Evidence } from '../../../src/ca/database.js';
import { holderName, labelName } from '../../../src/ca/ra/names.js';
import { checkRegistrationRequest } from '../../../src/ca/ra/registrationRequest.js';

// Issue 13 item 3: the RA endpoint checks every field as the local `kiosk ca register` does, and
// a body is outside bytes: unknown keys, prototype-pollution keys and huge values are refused
// without echoing what was sent.

const now = new Date('2026-05-01T00:00:00Z');
const idn = '9001011234568';
const valid = {
  name: '홍길동',
  idn,
  profile: 'restricted',
  approvedBy: 'teller-07',
  evidence: 'chipVerified',
};

/** The error for a body, failing the test if it was accepted. */
function refusal(body: unknown): string {
  const checked = checkRegistrationRequest(body, now);
  if (checked.ok) throw new Error('accepted');
  return checked.error;
}

describe('the RA endpoint request', () => {
  it('the three kinds of evidence are the teller-approval machine’s', () => {
    const same: [Evidence, MachineEvidence] extends [MachineEvidence, Evidence] ? true : false =
      true;
    expect(same).toBe(true);
  });

  it('accepts a valid request, normalised, VID required by default', () => {
    const checked = checkRegistrationRequest(
      { ...valid, name: ' 홍길동 ', idn: '900101-1234568' },
      now,
    );
    expect(checked).toEqual({
      ok: true,
      registration: {
        name: '홍길동',
        idn,
        profile: 'restricted',
        approvedBy: 'teller-07',
        evidence: 'chipVerified',
        vidRequired: true,
      },
    });
    const optional = checkRegistrationRequest({ ...valid, vid: 'optional' }, now);
    expect(optional.ok && optional.registration.vidRequired).toBe(false);
  });

  it.each([
    ['a JSON array', [valid], /JSON object/],
    ['null', null, /JSON object/],
    ['a string', 'x', /JSON object/],
    ['an unknown field', { ...valid, extra: 1 }, /unknown field/],
    ['no name', { ...valid, name: undefined }, /^name must be/],
    ['an empty name', { ...valid, name: '   ' }, /^name must be/],
    ['a name of 65 characters', { ...valid, name: 'a'.repeat(65) }, /^name must be 1 to 64/],
    ['a name of a million characters', { ...valid, name: 'a'.repeat(1_000_000) }, /^name must/],
    ['a name with a comma', { ...valid, name: 'Hong, Gildong' }, /^name must/],
    ['a name with a control character', { ...valid, name: 'Hong\u001b[2J' }, /^name must/],
    ['a name with a bidi override', { ...valid, name: 'Hong\u202eX' }, /^name must/],
    ['a number for a name', { ...valid, name: 42 }, /^name must/],
    ['an IDN of 12 digits', { ...valid, idn: '900101123456' }, /^idn is not/],
    ['an IDN of a future birth date', { ...valid, idn: '3001013234561' }, /^idn is not/],
    ['an IDN of no real date', { ...valid, idn: '9002301234568' }, /^idn is not/],
    ['an IDN with a 9 gender digit', { ...valid, idn: '9001019234568' }, /^idn is not/],
    ['a long IDN', { ...valid, idn: '9'.repeat(10_000) }, /^idn must be/],
    ['a number for an IDN', { ...valid, idn: 9001011234568 }, /^idn must be/],
    ['another profile', { ...valid, profile: 'corporate' }, /^profile must be/],
    ['no teller', { ...valid, approvedBy: undefined }, /^approvedBy must be/],
    ['a teller of 65 characters', { ...valid, approvedBy: 't'.repeat(65) }, /^approvedBy must/],
    ['a teller with a newline', { ...valid, approvedBy: 'a\nb' }, /^approvedBy must/],
    ['other evidence', { ...valid, evidence: 'trustMe' }, /^evidence must be one of/],
    ['another vid', { ...valid, vid: 'never' }, /^vid must be/],
  ])('refuses %s', (_what, body, expected) => {
    const error = refusal(body);
    expect(error).toMatch(expected);
    expect(error.length).toBeLessThan(200);
  });

  it('a wrong check digit alone is no refusal (numbers since October 2020)', () => {
    expect(checkRegistrationRequest({ ...valid, idn: '9001011234567' }, now).ok).toBe(true);
  });

  it('never repeats the IDN it refuses', () => {
    for (const bad of ['9002301234568', '9001019234568', '3001013234561'])
      expect(refusal({ ...valid, idn: bad })).not.toContain(bad.slice(0, 6));
  });

  it('refuses prototype-pollution keys and pollutes nothing', () => {
    const bodies = [
      `{"__proto__":{"approvedBy":"ghost"},"name":"홍길동","idn":"${idn}","profile":"general","evidence":"inPersonOnly"}`,
      `{"constructor":{"prototype":{"approvedBy":"ghost"}},"name":"홍길동","idn":"${idn}","profile":"general","evidence":"inPersonOnly"}`,
      `{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`,
    ];
    for (const text of bodies) {
      const body: unknown = JSON.parse(text);
      expect(refusal(body)).toMatch(/unknown field/);
    }
    // Nothing reached Object.prototype, and a missing field is not read from a prototype.
    expect(({} as Record<string, unknown>).approvedBy).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const inherits = Object.create({ approvedBy: 'ghost' }) as Record<string, unknown>;
    Object.assign(inherits, { ...valid, approvedBy: undefined });
    delete inherits.approvedBy;
    expect(refusal(inherits)).toMatch(/^approvedBy must be/);
  });
});

describe('name rules', () => {
  it('holder names: NFC, trimmed, 1 to 64, none of ( ) , = + / \\ or controls', () => {
    expect(holderName(' 홍길동 ')).toBe('홍길동');
    // Decomposed Hangul (NFD) is registered composed.
    expect(holderName('홍길동'.normalize('NFD'))).toBe('홍길동');
    expect(holderName('a'.repeat(64))).toBe('a'.repeat(64));
    for (const bad of ['', 'a'.repeat(65), 'a(b', 'a=b', 'a/b', 'a\\b', 'a\u0000b', 'a\u2028b'])
      expect(holderName(bad)).toBeUndefined();
  });

  it('RA client and teller names: 1 to 64 without control or format characters', () => {
    expect(labelName('Gangnam branch (2)')).toBe('Gangnam branch (2)');
    for (const bad of ['', ' ', 'a'.repeat(65), 'a\tb', 'a\u200bb', 'a\ud800b'])
      expect(labelName(bad)).toBeUndefined();
  });
});
