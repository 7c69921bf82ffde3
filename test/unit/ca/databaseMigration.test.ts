import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CaDatabase } from '../../../src/ca/database.js';
import { tempDir } from '../../support/tempDir.js';

// A ca.sqlite made before certificates recorded their holder (issue 11 item 1) still opens.

describe('CA database made by an earlier version', () => {
  it('gains the holder column and keeps its certificates', () => {
    const path = join(tempDir('ca-db-'), 'ca.sqlite');
    const key = randomBytes(32);
    const first = new CaDatabase(path, key);
    first.insertCertificate('01', undefined, Buffer.from([0x30, 0x00]), 1, 1);
    first.close();
    const raw = new Database(path);
    raw.exec('alter table certificates drop column holder');
    raw.close();

    const db = new CaDatabase(path, key);
    expect(db.certificate('01')).toMatchObject({ serial: '01', holder: undefined });
    db.insertCertificate(
      '02',
      undefined,
      Buffer.from([0x30, 0x00]),
      1,
      1,
      db.holderTag('9001011234568'),
    );
    expect(db.certificate('02')?.holder).toBe(db.holderTag('9001011234568'));
    expect(db.holderTag('9001011234568')).not.toBe(db.holderTag('9001011234567'));
    db.close();
  });
});
