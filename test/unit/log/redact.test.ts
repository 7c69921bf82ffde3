import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TruncatedFileError } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { isSecretKey, maskResidentNumbers, redactSecrets } from '../../../src/log/redact.js';

describe('redaction', () => {
  it.each([
    'password',
    'newPassword',
    'user_pin',
    'PIN',
    'authCode',
    'auth-code',
    'soPin',
    'idn',
    'clientSecret',
    'privateKey',
    'randomNum',
  ])('%s is a secret key', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['spinner', 'pinned', 'opinion', 'serial', 'idnOk'])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });

  it('masks resident numbers in any string, with or without the dash', () => {
    expect(maskResidentNumbers('holder 900101-1234568 and 8501012234565.')).toBe(
      'holder 900101-1****** and 850101-2******.',
    );
    expect(maskResidentNumbers('serial 12345678901234 is 14 digits')).toBe(
      'serial 12345678901234 is 14 digits',
    );
  });

  it('redacts secrets at any depth, keeps booleans, never dumps bytes, survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(
      redactSecrets({
        visit: { form: { idn: '9001011234568', password: 'p', phone: '010' }, passwordOk: true },
        key: Buffer.from('secret bytes'),
        note: 'idn 9001011234568',
        cyclic,
      }),
    ).toEqual({
      visit: {
        form: { idn: '[redacted]', password: '[redacted]', phone: '010' },
        passwordOk: true,
      },
      key: '[12 bytes]',
      note: 'idn 900101-1******',
      cyclic: { name: 'x', self: '[…]' },
    });
  });

  it('an error keeps its type, code, typed fields and cause', () => {
    const cause = new Error('asn1js: End of input');
    const error = new TruncatedFileError('privateKey', 1300, 1200);
    Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
    expect(redactSecrets(error)).toMatchObject({
      type: 'TruncatedFileError',
      code: 'NPKI_TRUNCATED',
      file: 'privateKey',
      expectedBytes: 1300,
      actualBytes: 1200,
      cause: { type: 'Error', message: 'asn1js: End of input' },
    });
  });

  it('the logger writes redacted JSON lines, masking messages too', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'info', destination: out });
    log.info(
      { authCode: 'AUTH-1234', teller: 'kim', err: new Error('idn 9001011234568 bad') },
      'visitor 9001011234568 approved',
    );
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      authCode: '[redacted]',
      teller: 'kim',
      msg: 'visitor 900101-1****** approved',
      level: 30,
    });
    expect(chunks.join('')).not.toContain('9001011234568');
    expect(chunks.join('')).not.toContain('AUTH-1234');
  });
});
