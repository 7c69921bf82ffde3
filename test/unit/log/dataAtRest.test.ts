import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initCa, loadCa } from '../../../src/ca/caFiles.js';
import { CaDatabase } from '../../../src/ca/database.js';
import { createLogger } from '../../../src/log/logger.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 11 item 17: the log was 0644 and grew without bound; a CA folder made earlier with 0755
// left ca.sqlite readable by everyone.

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('the log file', () => {
  it('is owner-only, even when it existed before with 0644', () => {
    const dir = tempDir('log-');
    const file = join(dir, 'log', 'kiosk.jsonl');
    mkdirSync(join(dir, 'log'));
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    createLogger({ level: 'info', destination: file }).info('started');
    expect(mode(file)).toBe(0o600);
    const fresh = join(dir, 'new', 'kiosk.jsonl');
    createLogger({ level: 'info', destination: fresh }).info('started');
    expect(mode(fresh)).toBe(0o600);
    expect(mode(join(dir, 'new'))).toBe(0o700);
  });

  it('is set aside past maxBytes while written, keeping `keep` old files', () => {
    const file = join(tempDir('log-'), 'kiosk.jsonl');
    const log = createLogger({
      level: 'info',
      destination: file,
      rotation: { maxBytes: 4096, keep: 2 },
    });
    for (let i = 0; i < 200; i++) log.info({ i, filler: 'x'.repeat(100) }, 'line');
    const names = readdirSync(join(file, '..')).sort();
    expect(names).toEqual(['kiosk.jsonl', 'kiosk.jsonl.1', 'kiosk.jsonl.2']);
    for (const name of names) {
      expect(statSync(join(file, '..', name)).size).toBeLessThan(4096 + 256);
      expect(mode(join(file, '..', name))).toBe(0o600);
    }
  });

  it('is set aside at start when already past maxBytes', () => {
    const file = join(tempDir('log-'), 'kiosk.jsonl');
    writeFileSync(file, 'x'.repeat(5000));
    createLogger({ level: 'info', destination: file, rotation: { maxBytes: 4096, keep: 1 } }).info(
      'started',
    );
    expect(statSync(`${file}.1`).size).toBe(5000);
    expect(statSync(file).size).toBeLessThan(4096);
  });
});

describe('the CA folder', () => {
  it('is 0700 and its files 0600, whatever modes existed before', async () => {
    const dir = join(tempDir('ca-'), 'ca');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await initCa(dir, 'yessign', 'KIOSK');
    expect(mode(dir)).toBe(0o700);
    const material = await loadCa(dir);
    new CaDatabase(material.databasePath, material.sealKey).close();
    expect(mode(material.databasePath)).toBe(0o600);

    // Loosened afterwards (a copy, an operator's chmod): the next command tightens it again.
    chmodSync(dir, 0o755);
    chmodSync(material.databasePath, 0o644);
    await loadCa(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(material.databasePath)).toBe(0o600);
    for (const name of readdirSync(join(dir, 'keys')))
      expect(mode(join(dir, 'keys', name))).toBe(0o600);
  }, 60_000);
});
