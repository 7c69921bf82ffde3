import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, parseConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors/index.js';

function problems(text: string): unknown {
  try {
    parseConfig(text, 'kiosk.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults serve the demo', () => {
    expect(defaultConfig()).toEqual({
      language: 'ko',
      npki: { writeFormat: 'pbes2', iterations: 2048, renewalWindowDays: 30 },
      log: { level: 'info', file: 'var/log/kiosk.jsonl', maxBytes: 10 * 1024 * 1024, keep: 5 },
      emrtd: { minRsaBits: 2048, minEcBits: 224, allowSha1: false, requireCountryMatch: true },
      hid: {},
      ca: {
        transactionTimeoutMs: 300_000,
        lockoutBaseMs: 1000,
        sourceFreeFailures: 10,
        lockoutMaxMs: 900_000,
        pbmMaxIterations: 2000,
        maxConnections: 512,
        maxPerAddress: 64,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5000,
      },
      pkcs11: {
        r4vidLabelPrefix: 'R4VID=',
        labelPrefix: 'kiosk',
        pollIntervalMs: 1000,
        recoveryIntervalMs: 2000,
      },
      usb: {
        maxBytes: 256 * 1024 ** 3,
        allowLoopDevices: false,
        allowImageFiles: false,
        imageFolder: 'var/images',
        formatLabel: 'NPKI',
      },
      kiosk: {
        inactivityWarningMs: 60_000,
        inactivityWipeMs: 30_000,
        tellerApprovalMs: 600_000,
        media: ['token', 'usb'],
        idAuthenticity: { enabled: false },
      },
      teller: {
        listen: '127.0.0.1:8830',
        sessionMs: 28_800_000,
        idleMs: 900_000,
        loginFreeFailures: 3,
        loginAddressFreeFailures: 10,
        loginBaseDelayMs: 1000,
        loginMaxDelayMs: 300_000,
      },
      audit: { checkpointEvery: 100, checkpointIntervalMs: 300_000, sink: { kind: 'none' } },
      stateDir: 'var/state',
    });
    expect(parseConfig('', 'empty.yaml')).toEqual(defaultConfig());
  });

  it('reads YAML and JSON, keeping defaults for what is not given', () => {
    expect(parseConfig('language: en\nnpki:\n  iterations: 4096\n', 'k.yaml')).toMatchObject({
      language: 'en',
      npki: { writeFormat: 'pbes2', iterations: 4096, renewalWindowDays: 30 },
    });
    expect(parseConfig('{"log": {"file": null}}', 'k.json').log).toEqual({
      level: 'info',
      file: null,
      maxBytes: 10 * 1024 * 1024,
      keep: 5,
    });
  });

  it('names every wrong key with its value and what was expected', () => {
    expect(problems('npki:\n  iterations: 10\n  writeFormat: des\nlog:\n  level: loud\n')).toEqual([
      { key: 'npki.writeFormat', got: '"des"', expected: 'one of "pbes2", "seedCbcWithSha1"' },
      { key: 'npki.iterations', got: '10', expected: 'a number ≥ 1024' },
      {
        key: 'log.level',
        got: '"loud"',
        expected: expect.stringContaining('one of "fatal"') as unknown,
      },
    ]);
  });

  it('refuses unknown keys as probable misspellings', () => {
    expect(problems('langauge: en\nnpki:\n  iteration: 4096\n')).toEqual([
      { key: 'npki.iteration', got: '4096', expected: 'no such key (misspelt?)' },
      { key: 'langauge', got: '"en"', expected: 'no such key (misspelt?)' },
    ]);
  });

  it('reports wrong types and syntax errors', () => {
    expect(problems('npki: 5\n')).toEqual([
      { key: 'npki', got: '5', expected: 'a value of type object' },
    ]);
    expect(problems('[1, 2]')).toEqual([
      { key: '(root)', got: '[1,2]', expected: 'a value of type object' },
    ]);
    const syntax = (got: string): unknown => [
      { key: '(syntax)', got, expected: 'JSON or YAML without tags or aliases' },
    ];
    expect(problems('language: [en\n')).toEqual(syntax('bad indent at line 2'));
    expect(problems('language: en\nlanguage: ko\n')).toEqual(syntax('duplicate key at line 2'));
    // YAML 1.1 types and aliases have no place in a configuration (cycles, alias bombs).
    expect(problems('npki: !!binary aGVsbG8=\n')).toEqual(syntax('tag resolve failed at line 1'));
    expect(problems('a: &x {b: *x}\n')).toEqual(syntax('a YAML alias (*name)'));
  });

  it('a missing file is a ConfigError naming the file', async () => {
    await expect(loadConfig('/nonexistent/kiosk.yaml')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        '/nonexistent/kiosk.yaml: (file): got ENOENT, expected a readable file of at most 262144 bytes',
    });
  });

  it('refuses a device or a folder rather than reading it', async () => {
    await expect(loadConfig('/dev/zero')).rejects.toMatchObject({
      problems: [{ key: '(file)', got: 'not a regular file' }],
    });
    await expect(loadConfig(tmpdir())).rejects.toMatchObject({
      problems: [{ got: 'not a regular file' }],
    });
  });

  it('loads a file from disk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'kiosk.json');
    writeFileSync(file, JSON.stringify({ npki: { renewalWindowDays: 14 } }));
    expect((await loadConfig(file)).npki.renewalWindowDays).toBe(14);
  });
});
