import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CaDatabase } from '../../../src/ca/database.js';
import { tempDir } from '../../support/tempDir.js';

// A ca.sqlite made before certificates recorded their holder and predecessor and transactions
// their signer (issue 11 items 1-3) still opens.

describe('CA database made by an earlier version', () => {
  it('gains the new columns and keeps its certificates', () => {
    const path = join(tempDir('ca-db-'), 'ca.sqlite');
    const key = randomBytes(32);
    const first = new CaDatabase(path, key);
    first.insertCertificate('01', undefined, Buffer.from([0x30, 0x00]), 1, 1);
    first.close();
    const raw = new Database(path);
    raw.exec(`drop index one_successor;
      alter table certificates drop column holder;
      alter table certificates drop column predecessor;
      alter table transactions drop column signer_serial;`);
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
    db.insertCertificate('03', undefined, Buffer.from([0x30, 0x00]), 1, 1, undefined, '02');
    expect(db.successorOf('02')).toBe('03');
    db.close();
  });

  it('drops the failures an earlier version counted in registrations (it forgot unknown ones)', () => {
    const path = join(tempDir('ca-db-'), 'ca.sqlite');
    const key = randomBytes(32);
    const first = new CaDatabase(path, key);
    const { ref } = first.register('홍길동', '9001011234568', 'general', 1000);
    first.close();
    const raw = new Database(path);
    raw.exec(`alter table registrations add column failures integer not null default 0;
      alter table registrations add column locked_until integer not null default 0;`);
    raw
      .prepare('update registrations set failures = 3, locked_until = 5000 where ref = ?')
      .run(ref);
    raw.close();

    const db = new CaDatabase(path, key);
    expect(db.lockout(ref)).toBeUndefined();
    expect(db.lockout('12345678')).toBeUndefined();
    db.close();
  });
});
