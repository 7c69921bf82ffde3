// What an RA may see and do for a holder it has just identified (issue 13: revocation after a
// loss and reissue after a forgotten password, at the kiosk): the holder's valid certificates,
// found by the holder tag (an HMAC of the IDN, never the IDN), and the ra_revocations table that
// records which registration, RA client and teller a revocation rested on. CaDatabase
// (../database.ts) wraps these statements.
import type Database from 'better-sqlite3';

/** One of the holder's certificates, valid now (issued, not revoked, not expired). */
export interface HolderCertificate {
  readonly serial: string;
  readonly der: Buffer;
  readonly notAfter: number;
}

/** Who a revocation made through the RA rested on. */
export interface RaRevocationRecord {
  readonly serial: string;
  readonly ref: string;
  /** The RA client's certificate serial; absent for the operator's own (in-process) RA. */
  readonly raSerial: string | undefined;
  readonly approvedBy: string | undefined;
  readonly revokedAt: number;
}

/** A holder has few certificates; a bound keeps a damaged database from flooding an answer. */
const maxListed = 64;

/** See CaDatabase.holderCertificates. */
export function holderCertificates(
  db: Database.Database,
  holder: string,
  now: number,
): HolderCertificate[] {
  const rows = db
    .prepare(
      `select serial, der, not_after from certificates
         where holder = ? and status = 'issued' and not_after > ?
         order by created_at limit ?`,
    )
    .all(holder, now, maxListed) as { serial: string; der: Buffer; not_after: number }[];
  return rows.map((r) => ({ serial: r.serial, der: r.der, notAfter: r.not_after }));
}

/** See CaDatabase.raRevocation. */
export function raRevocation(
  db: Database.Database,
  serial: string,
): RaRevocationRecord | undefined {
  const row = db.prepare('select * from ra_revocations where serial = ?').get(serial) as
    | {
        serial: string;
        ref: string;
        ra_serial: string | null;
        approved_by: string | null;
        revoked_at: number;
      }
    | undefined;
  return row === undefined
    ? undefined
    : {
        serial: row.serial,
        ref: row.ref,
        raSerial: row.ra_serial ?? undefined,
        approvedBy: row.approved_by ?? undefined,
        revokedAt: row.revoked_at,
      };
}

/** Records what a revocation through the RA rested on (the first one, if repeated). */
export function recordRaRevocation(db: Database.Database, record: RaRevocationRecord): void {
  db.prepare(
    `insert or ignore into ra_revocations (serial, ref, ra_serial, approved_by, revoked_at)
       values (?, ?, ?, ?, ?)`,
  ).run(
    record.serial,
    record.ref,
    record.raSerial ?? null,
    record.approvedBy ?? null,
    record.revokedAt,
  );
}
