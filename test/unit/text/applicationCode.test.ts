import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ApplicationCodeError,
  encodeApplicationCode,
  parseApplicationCode,
  type ApplicationCode,
} from '../../../src/text/applicationCode.js';

const fields: ApplicationCode = {
  institution: 'demo-bank',
  certificateType: 'personal-general',
  name: '홍길동',
  phone: '010-1234-5678',
};

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** A code around any JSON text, with a correct checksum: tests of what lies past the checksum. */
function codeFor(json: string): Uint8Array {
  const signed = `NPKIAPP1.${Buffer.from(json, 'utf8').toString('base64url')}`;
  const checksum = createHash('sha256').update(signed).digest('hex').slice(0, 16);
  return bytes(`${signed}.${checksum}`);
}

function refusal(scanned: Uint8Array): ApplicationCodeError {
  try {
    parseApplicationCode(scanned);
  } catch (error) {
    if (error instanceof ApplicationCodeError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('application code', () => {
  it('round-trips the fields, Korean name included', () => {
    const code = encodeApplicationCode(fields);
    expect(code).toMatch(/^NPKIAPP1\.[A-Za-z0-9_-]+\.[0-9a-f]{16}$/);
    expect(parseApplicationCode(bytes(code))).toEqual(fields);
    // A scanner may append a newline.
    expect(parseApplicationCode(bytes(`${code}\r\n`))).toEqual(fields);
  });

  it.each([
    ['tooLong', bytes('NPKIAPP1.' + 'A'.repeat(1100) + '.0')],
    ['notAnApplicationCode', bytes('https://example.com/')],
    ['unsupportedVersion', bytes('NPKIAPP2.e30.0000000000000000')],
    ['badCharacters', bytes('NPKIAPP1.e30=.0000000000000000')],
    ['notAnApplicationCode', bytes('NPKIAPP1.e30.00.00')],
    [
      'checksumMismatch',
      bytes(encodeApplicationCode(fields).replace(/.$/, (c) => (c === '0' ? '1' : '0'))),
    ],
  ] as const)('refuses %s', (problem, scanned) => {
    expect(refusal(scanned).problem).toBe(problem);
  });

  it('a body that is not UTF-8, or not JSON: named', () => {
    const signed = `NPKIAPP1.${Buffer.from([0xff, 0xfe, 0x80]).toString('base64url')}`;
    const checksum = createHash('sha256').update(signed).digest('hex').slice(0, 16);
    expect(refusal(bytes(`${signed}.${checksum}`)).problem).toBe('badEncoding');
    expect(refusal(codeFor('{"name":')).problem).toBe('badJson');
  });

  it.each([
    ['residentNumber', { ...fields, residentNumber: '900101-1234567' }],
    ['password', { ...fields, password: 'x' }],
    ['비밀번호', { ...fields, 비밀번호: 'x' }],
    ['pin', { ...fields, pin: '1234' }],
    ['extra.jumin', { ...fields, extra: { jumin: '1' } }],
  ])('refuses a secret-bearing key (%s), naming the key and not its value', (key, value) => {
    const error = refusal(codeFor(JSON.stringify(value)));
    expect(error.problem).toBe('forbiddenField');
    expect(error.field).toBe(key);
    expect(error.message).not.toMatch(/1234567|"x"/);
  });

  it('refuses a resident number hidden in an allowed field', () => {
    const error = refusal(codeFor(JSON.stringify({ ...fields, name: '홍길동 9001011234567' })));
    expect(error.problem).toBe('forbiddenField');
    expect(error.field).toBe('name');
    expect(error.message).not.toContain('9001011234567');
  });

  it.each([
    ['institution', { ...fields, institution: 'Demo Bank' }],
    ['phone', { ...fields, phone: '02-123-4567' }],
    ['name', { ...fields, name: 'a\u202eb' }],
    ['name', { ...fields, name: '\u1112\u1169\u11bc' }], // decomposed Hangul: not NFC
    ['', { ...fields, surprise: 1 }],
    ['certificateType', { institution: 'x', name: 'y', phone: '01012345678' }],
  ])('refuses a schema violation at %s', (field, value) => {
    const error = refusal(codeFor(JSON.stringify(value)));
    expect(error.problem).toBe('schema');
    expect(error.field).toBe(field);
  });

  it('names a crafted key inertly in its message', () => {
    const error = refusal(codeFor(JSON.stringify({ ...fields, '\u001b[2Jpassword': 1 })));
    expect(error.problem).toBe('forbiddenField');
    expect(error.message).not.toContain('\u001b');
  });
});
