import { describe, expect, it } from 'vitest';
import {
  CatalogueError,
  InstitutionsError,
  ConfigError,
  FatalError,
  KioskError,
  MalformedFileError,
  RetriableError,
  TruncatedFileError,
  UnsupportedAlgorithmError,
  UsbHotplugError,
  WrongPasswordError,
  reasons,
  toReason,
} from '../../../src/errors/index.js';
import { displaySafe } from '../../../src/text/displaySafe.js';

describe('errors', () => {
  it.each([
    [new WrongPasswordError(), RetriableError, 'wrongPassword', 'NPKI_WRONG_PASSWORD'],
    [
      new TruncatedFileError('privateKey', 10, 5),
      RetriableError,
      'truncatedInput',
      'NPKI_TRUNCATED',
    ],
    [
      new MalformedFileError('certificate', 'x'),
      RetriableError,
      'malformedInput',
      'NPKI_MALFORMED',
    ],
    [
      new UnsupportedAlgorithmError('1.2.3', 'encryption'),
      RetriableError,
      'unsupportedAlgorithm',
      'NPKI_UNSUPPORTED_ALGORITHM',
    ],
    [new ConfigError('k.yaml', []), FatalError, 'configInvalid', 'CONFIG_INVALID'],
    [new CatalogueError('tokens.json', []), FatalError, 'configInvalid', 'CATALOGUE_INVALID'],
    [
      new InstitutionsError('institutions.json', []),
      FatalError,
      'configInvalid',
      'INSTITUTIONS_INVALID',
    ],
    [new UsbHotplugError('watch'), FatalError, 'configInvalid', 'USB_HOTPLUG'],
  ] as const)('%s maps to its root, reason and code', (error, root, reason, code) => {
    expect(error).toBeInstanceOf(root);
    expect(error).toBeInstanceOf(KioskError);
    expect(toReason(error)).toBe(reason);
    expect(reasons).toContain(reason);
    expect(error.code).toBe(code);
    expect(error.visitor.ko.length).toBeGreaterThan(0);
    expect(error.visitor.en.length).toBeGreaterThan(0);
  });

  it('anything else is internal', () => {
    expect(toReason(new Error('boom'))).toBe('internal');
    expect(toReason('a string')).toBe('internal');
    expect(toReason(undefined)).toBe('internal');
  });

  it('keeps the low-level cause for the log, apart from the visitor message', () => {
    const cause = new Error('asn1js: End of input reached');
    const error = new MalformedFileError('privateKey', 'PrivateKeyInfo does not parse', { cause });
    expect(error.cause).toBe(cause);
    expect(error.visitor.en).not.toContain('asn1js');
  });
});

describe('display-safe text', () => {
  it('removes terminal escapes and bidi overrides, composes Hangul', () => {
    expect(displaySafe('evil\u001b[2J\u009b31m name\u202e')).toBe(
      'evil\ufffd[2J\ufffd31m name\ufffd',
    );
    expect(displaySafe('\u1112\u1169\u11bc')).toBe('홍');
  });
});
