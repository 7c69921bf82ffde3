// The ra_clients table: the RA clients (branch kiosks) the CA issued a TLS client certificate to
// (`kiosk ca ra add`), so the RA endpoint knows which certificates it still accepts: a revoked or
// unknown one is refused however valid its signature. At most one active client per name (a
// partial unique index). CaDatabase (../database.ts) wraps these statements.
import type Database from 'better-sqlite3';

/** One RA client certificate as the CA recorded it. */
export interface RaClientRecord {
  readonly name: string;
  /** The certificate's serial number, lower-case hex without leading zero bytes. */
  readonly serial: string;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly notAfter: number;
  readonly revokedAt: number | undefined;
}

/** See CaDatabase.addRaClient. */
export function addRaClient(db: Database.Database, record: RaClientRecord): boolean {
  const result = db
    .prepare(
      `insert into ra_clients (serial, name, issued_at, not_after, revoked_at)
         values (?, ?, ?, ?, null) on conflict do nothing`,
    )
    .run(record.serial, record.name, record.issuedAt, record.notAfter);
  return result.changes === 1;
}

/** See CaDatabase.raClient. */
export function raClient(db: Database.Database, serial: string): RaClientRecord | undefined {
  const row = db.prepare('select * from ra_clients where serial = ?').get(serial) as
    RaClientRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** See CaDatabase.activeRaClient. */
export function activeRaClient(db: Database.Database, name: string): RaClientRecord | undefined {
  const row = db
    .prepare('select * from ra_clients where name = ? and revoked_at is null')
    .get(name) as RaClientRow | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** See CaDatabase.raClients. */
export function raClients(db: Database.Database): RaClientRecord[] {
  const rows = db
    .prepare('select * from ra_clients order by issued_at, name')
    .all() as RaClientRow[];
  return rows.map(fromRow);
}

/** See CaDatabase.revokeRaClient. */
export function revokeRaClient(
  db: Database.Database,
  name: string,
  now: number,
): RaClientRecord | undefined {
  return db.transaction(() => {
    const active = activeRaClient(db, name);
    if (active === undefined) return undefined;
    db.prepare('update ra_clients set revoked_at = ? where serial = ?').run(now, active.serial);
    return { ...active, revokedAt: now };
  })();
}

interface RaClientRow {
  serial: string;
  name: string;
  issued_at: number;
  not_after: number;
  revoked_at: number | null;
}

function fromRow(row: RaClientRow): RaClientRecord {
  return {
    name: row.name,
    serial: row.serial,
    issuedAt: row.issued_at,
    notAfter: row.not_after,
    revokedAt: row.revoked_at ?? undefined,
  };
}
