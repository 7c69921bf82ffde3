import { describe, expect, it } from 'vitest';
import { auditFiles, auditLogOptions, checkpointsFileOf } from '../../../src/audit/auditFiles.js';
import { defaultConfig, parseConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors/index.js';

// The audit log's configuration keys and where its files are (README "Configuration").

function problems(text: string): unknown {
  try {
    parseConfig(text, 'kiosk.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('audit configuration', () => {
  it('defaults: the log in the state folder, checkpoints every 100 entries or 5 minutes, no sink', () => {
    const config = defaultConfig();
    expect(config.audit).toEqual({
      checkpointEvery: 100,
      checkpointIntervalMs: 300_000,
      sink: { kind: 'none' },
    });
    expect(auditFiles(config, '/opt/kiosk')).toEqual({
      file: '/opt/kiosk/var/state/audit.sqlite',
      checkpointsFile: '/opt/kiosk/var/state/audit.checkpoints.jsonl',
      keyFile: '/opt/kiosk/var/state/audit-key.pem',
      publicKeyFile: '/opt/kiosk/var/state/audit-key.pub.pem',
    });
    expect(auditLogOptions(config, '/opt/kiosk').sink).toBeUndefined();
  });

  it('audit.file and the sink path are taken from the kiosk home when relative', () => {
    const config = parseConfig(
      'stateDir: /srv/state\naudit:\n  file: log/audit.db\n  sink: {kind: file, path: mnt/audit.jsonl}\n',
      'k.yaml',
    );
    expect(auditFiles(config, '/opt/kiosk')).toMatchObject({
      file: '/opt/kiosk/log/audit.db',
      checkpointsFile: '/opt/kiosk/log/audit.checkpoints.jsonl',
      keyFile: '/srv/state/audit-key.pem',
    });
    expect(auditLogOptions(config, '/opt/kiosk').sink?.name).toBe(
      'file:/opt/kiosk/mnt/audit.jsonl',
    );
    const syslog = parseConfig('audit: {sink: {kind: syslog, server: "10.0.0.5:514"}}', 'k.yaml');
    expect(auditLogOptions(syslog, '/opt/kiosk').sink?.name).toBe('syslog:10.0.0.5:514');
  });

  it('checkpoints beside a log of any name', () => {
    expect(checkpointsFileOf('/a/b/audit.sqlite')).toBe('/a/b/audit.checkpoints.jsonl');
    expect(checkpointsFileOf('/a/b/journal')).toBe('/a/b/journal.checkpoints.jsonl');
  });

  it('wrong keys are named', () => {
    expect(problems('audit:\n  checkpointEvery: 0\n')).toEqual([
      { key: 'audit.checkpointEvery', got: '0', expected: 'a number ≥ 1' },
    ]);
    expect(problems('audit:\n  sink: {kind: file}\n')).toEqual([
      expect.objectContaining({ key: 'audit.sink.path' }),
    ]);
    expect(problems('audit:\n  sink: {kind: ftp}\n')).toEqual([
      expect.objectContaining({ key: 'audit.sink.kind' }),
    ]);
    expect(problems('audit:\n  sink: {kind: syslog, server: nowhere}\n')).toEqual([
      expect.objectContaining({ key: 'audit.sink.server' }),
    ]);
    expect(problems('audit:\n  checkpointsEvery: 5\n')).toEqual([
      expect.objectContaining({
        key: 'audit.checkpointsEvery',
        expected: 'no such key (misspelt?)',
      }),
    ]);
  });
});
