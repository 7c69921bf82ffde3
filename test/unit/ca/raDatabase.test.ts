import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CaDatabase, type RaClientRecord } from '../../../src/ca/database.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 13 item 3: the CA records its RA clients (one active per name) and binds every
// registration made over the RA endpoint to the RA client, the teller and the evidence; a
// database made before gains the table and the columns, its registrations unbound.

const client = (name: string, serial: string, notAfter = Date.now() + 86_400_000) =>
  ({ name, serial, issuedAt: 1000, notAfter, revokedAt: undefined }) satisfies RaClientRecord;
const visitor = {
  name: '홍길동',
  idn: '9001011234568',
  profile: 'general',
  vidRequired: true,
} as const;

describe('RA clients in the CA database', () => {
  it('one active client per name; a revoked name may be issued again', () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    expect(db.addRaClient(client('Gangnam', '0a'))).toBe(true);
    expect(db.addRaClient(client('Gangnam', '0b'))).toBe(false);
    expect(db.addRaClient(client('Other', '0a'))).toBe(false); // the serial is taken
    expect(db.activeRaClient('Gangnam')?.serial).toBe('0a');
    expect(db.revokeRaClient('Gangnam', 2000)).toMatchObject({ serial: '0a', revokedAt: 2000 });
    expect(db.revokeRaClient('Gangnam', 3000)).toBeUndefined();
    expect(db.addRaClient(client('Gangnam', '0b'))).toBe(true);
    expect(db.raClients().map((c) => [c.serial, c.revokedAt])).toEqual([
      ['0a', 2000],
      ['0b', undefined],
    ]);
    db.close();
  });

  it('binds a registration to the RA client, the teller and the evidence', () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    db.addRaClient(client('Gangnam', '0a'));
    const now = Date.now();
    const made = db.registerThroughRa('0a', { ...visitor }, 'teller-07', 'inPersonOnly', now);
    expect(made?.ra.name).toBe('Gangnam');
    const record = db.registration(made?.registration.ref ?? '');
    expect(record).toMatchObject({
      name: '홍길동',
      idn: '9001011234568',
      profile: 'general',
      vidRequired: true,
      approval: {
        approvedBy: 'teller-07',
        evidence: 'inPersonOnly',
        ra: { name: 'Gangnam', serial: '0a' },
      },
    });
    // The operator's own registration carries no RA, and an approval only when given.
    const local = db.register('김철수', '8501012345671', 'restricted', now);
    expect(db.registration(local.ref)?.approval).toBeUndefined();
    const approved = db.register('김철수', '8501012345671', 'restricted', now, true, {
      approvedBy: 'operator',
      evidence: 'chipVerified',
    });
    expect(db.registration(approved.ref)?.approval).toEqual({
      approvedBy: 'operator',
      evidence: 'chipVerified',
    });
    db.close();
  });

  it('registers nothing for a revoked, an expired or an unknown RA client', () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    const now = Date.now();
    db.addRaClient(client('Revoked', '01'));
    db.revokeRaClient('Revoked', now);
    db.addRaClient(client('Expired', '02', now - 1));
    for (const serial of ['01', '02', '03'])
      expect(db.registerThroughRa(serial, visitor, 't', 'chipVerified', now)).toBeUndefined();
    db.close();
  });

  it('a database made before RA clients gains them; its registrations stay unbound', () => {
    const path = join(tempDir('ca-db-'), 'ca.sqlite');
    const key = randomBytes(32);
    const first = new CaDatabase(path, key);
    const { ref } = first.register('홍길동', '9001011234568', 'general', Date.now());
    first.close();
    const raw = new Database(path);
    raw.exec(`drop index ra_clients_active_name; drop table ra_clients;
      alter table registrations drop column approved_by;
      alter table registrations drop column evidence;
      alter table registrations drop column ra_name;
      alter table registrations drop column ra_serial;`);
    raw.close();

    const db = new CaDatabase(path, key);
    expect(db.registration(ref)).toMatchObject({ name: '홍길동', approval: undefined });
    expect(db.raClients()).toEqual([]);
    db.addRaClient(client('Gangnam', '0a'));
    const made = db.registerThroughRa('0a', visitor, 'teller', 'chipVerified', Date.now());
    expect(db.registration(made?.registration.ref ?? '')?.approval?.ra?.name).toBe('Gangnam');
    db.close();
  });
});
