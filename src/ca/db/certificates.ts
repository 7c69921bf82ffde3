// The certificates table (every certificate signed, pending until confirmed, the holder's tag and
// the certificate a renewal renews) and the revocations table (what the CRL and OCSP answer from):
// their record types and statements, as functions over the open database. CaDatabase
// (../database.ts) wraps them.
import type Database from 'better-sqlite3';
import { count } from './counters.js';

export type CertificateStatus = 'pending' | 'issued' | 'rejected' | 'revoked';

export interface CertificateRecord {
  readonly serial: string;
  readonly ref: string | undefined;
  readonly der: Buffer;
  readonly status: CertificateStatus;
  readonly notAfter: number;
  /** holderTag of the IDN the certificate was issued for; absent if none was known. */
  readonly holder: string | undefined;
  /** The certificate this one renewed (kur), superseded once this one is confirmed. */
  readonly predecessor: string | undefined;
}

export interface Revocation {
  readonly serial: string;
  readonly reason: number;
  readonly revokedAt: number;
}

/** CRLReason keyCompromise (RFC 5280 §5.3.1). */
const keyCompromise = 1;

/** See CaDatabase.successorOf. */
export function successorOf(db: Database.Database, serial: string): string | undefined {
  const row = db
    .prepare(
      "select serial from certificates where predecessor = ? and status != 'rejected' limit 1",
    )
    .get(serial) as { serial: string } | undefined;
  return row?.serial;
}

/** See CaDatabase.insertCertificate. */
export function insertCertificate(
  db: Database.Database,
  serial: string,
  ref: string | undefined,
  der: Uint8Array,
  notAfter: number,
  now: number,
  holder?: string,
  predecessor?: string,
): void {
  db.prepare(
    `insert into certificates (serial, ref, der, status, not_after, created_at, holder, predecessor) values (?, ?, ?, 'pending', ?, ?, ?, ?)`,
  ).run(serial, ref ?? null, Buffer.from(der), notAfter, now, holder ?? null, predecessor ?? null);
}

/** See CaDatabase.certificate. */
export function certificate(db: Database.Database, serial: string): CertificateRecord | undefined {
  const row = db.prepare('select * from certificates where serial = ?').get(serial) as
    CertificateRow | undefined;
  return row === undefined ? undefined : certificateRecord(row);
}

function certificateRecord(row: CertificateRow): CertificateRecord {
  return {
    serial: row.serial,
    ref: row.ref ?? undefined,
    der: row.der,
    status: row.status,
    notAfter: row.not_after,
    holder: row.holder ?? undefined,
    predecessor: row.predecessor ?? undefined,
  };
}

/** See CaDatabase.enrolmentsUnder. */
export function enrolmentsUnder(
  db: Database.Database,
  ref: string,
  limit: number,
): CertificateRecord[] {
  // The newest first, so a bound keeps the ones a visit still waits on; returned oldest first.
  const rows = db
    .prepare(
      `select * from certificates where ref = ? and predecessor is null
         order by created_at desc, rowid desc limit ?`,
    )
    .all(ref, limit) as CertificateRow[];
  return rows.reverse().map(certificateRecord);
}

/** See CaDatabase.markIssued. */
export function markIssued(db: Database.Database, serial: string): boolean {
  return (
    db
      .prepare("update certificates set status = 'issued' where serial = ? and status = 'pending'")
      .run(serial).changes === 1
  );
}

/** See CaDatabase.setCertificateStatus. */
export function setCertificateStatus(
  db: Database.Database,
  serial: string,
  status: CertificateStatus,
): void {
  db.prepare('update certificates set status = ? where serial = ?').run(status, serial);
}

/** See CaDatabase.revoke. */
export function revoke(
  db: Database.Database,
  serial: string,
  reason: number,
  now: number,
): boolean {
  // RFC 5280 §5.3.1: 0–6 and 8–10 (7 is unused). Anything else is a caller's bug, refused before a
  // certificate is marked revoked without its row (so off the CRL and OCSP).
  if (!Number.isInteger(reason) || reason < 0 || reason > 10 || reason === 7)
    throw new RangeError(`CRLReason ${String(reason)} does not exist`);
  return db.transaction((): boolean => {
    const changed = db
      .prepare(
        `update certificates set status = 'revoked' where serial = ? and status in ('issued', 'pending', 'revoked')`,
      )
      .run(serial).changes;
    if (changed === 0) return false;
    db.prepare(
      // Only a second revocation is ignored; a constraint broken is an error, not a silent skip.
      'insert into revocations (serial, reason, revoked_at) values (?, ?, ?) on conflict(serial) do nothing',
    ).run(serial, reason, now);
    if (reason === keyCompromise) {
      const escalated = db
        .prepare('update revocations set reason = ? where serial = ? and reason != ?')
        .run(keyCompromise, serial, keyCompromise).changes;
      if (escalated > 0) count(db, 'reasonChanges');
      const successor = successorOf(db, serial);
      if (successor !== undefined) revoke(db, successor, keyCompromise, now);
    }
    return true;
  })();
}

/** See CaDatabase.revocationCount. */
export function revocationCount(db: Database.Database): number {
  const row = db
    .prepare(
      `select (select count(*) from revocations) +
           coalesce((select value from counters where name = 'reasonChanges'), 0) as n`,
    )
    .get() as { n: number };
  return row.n;
}

/** See CaDatabase.revocation. */
export function revocation(db: Database.Database, serial: string): Revocation | undefined {
  const row = db
    .prepare('select serial, reason, revoked_at from revocations where serial = ?')
    .get(serial) as RevocationRow | undefined;
  return row === undefined
    ? undefined
    : { serial: row.serial, reason: row.reason, revokedAt: row.revoked_at };
}

/** See CaDatabase.revocations. */
export function revocations(db: Database.Database): Revocation[] {
  return (
    db
      .prepare('select serial, reason, revoked_at from revocations order by revoked_at')
      .all() as RevocationRow[]
  ).map((r) => ({ serial: r.serial, reason: r.reason, revokedAt: r.revoked_at }));
}

interface CertificateRow {
  serial: string;
  ref: string | null;
  der: Buffer;
  status: CertificateStatus;
  not_after: number;
  holder: string | null;
  predecessor: string | null;
}

interface RevocationRow {
  serial: string;
  reason: number;
  revoked_at: number;
}
