// The transactions table: what the CA remembers of an open CMP transaction between its ip/cp/kup
// and the certConf that closes it. The record type and statements, as functions over the open
// database. CaDatabase (../database.ts) wraps them.
import type Database from 'better-sqlite3';

/** An open CMP transaction: what the CA remembers between ip/kup and certConf. */
export interface TransactionRecord {
  readonly id: string;
  readonly kind: 'enrol' | 'keyUpdate';
  readonly ref: string | undefined;
  readonly protection: 'pbm' | 'signature';
  readonly certSerial: string;
  /** For a signed request (kur): the serial of the certificate that signed it. */
  readonly signerSerial?: string | undefined;
  readonly senderNonce: Buffer;
  readonly createdAt: number;
}

/** See CaDatabase.openTransaction. */
export function openTransaction(db: Database.Database, t: TransactionRecord): void {
  db.prepare(
    'insert into transactions (id, kind, ref, protection, cert_serial, signer_serial, sender_nonce, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    t.id,
    t.kind,
    t.ref ?? null,
    t.protection,
    t.certSerial,
    t.signerSerial ?? null,
    t.senderNonce,
    t.createdAt,
  );
}

/** See CaDatabase.transaction. */
export function transaction(db: Database.Database, id: string): TransactionRecord | undefined {
  const row = db.prepare('select * from transactions where id = ?').get(id) as
    TransactionRow | undefined;
  return row === undefined ? undefined : transactionRecord(row);
}

/** See CaDatabase.transactionFor. */
export function transactionFor(
  db: Database.Database,
  certSerial: string,
): TransactionRecord | undefined {
  const row = db.prepare('select * from transactions where cert_serial = ?').get(certSerial) as
    TransactionRow | undefined;
  return row === undefined ? undefined : transactionRecord(row);
}

/** See CaDatabase.transactionsOpenedBefore. */
export function transactionsOpenedBefore(
  db: Database.Database,
  before: number,
): TransactionRecord[] {
  return (
    db
      .prepare('select * from transactions where created_at < ? order by created_at')
      .all(before) as TransactionRow[]
  ).map(transactionRecord);
}

/** See CaDatabase.closeTransaction. */
export function closeTransaction(db: Database.Database, id: string): boolean {
  return db.prepare('delete from transactions where id = ?').run(id).changes === 1;
}

interface TransactionRow {
  id: string;
  kind: 'enrol' | 'keyUpdate';
  ref: string | null;
  protection: 'pbm' | 'signature';
  cert_serial: string;
  signer_serial: string | null;
  sender_nonce: Buffer;
  created_at: number;
}

function transactionRecord(row: TransactionRow): TransactionRecord {
  return {
    id: row.id,
    kind: row.kind,
    ref: row.ref ?? undefined,
    protection: row.protection,
    certSerial: row.cert_serial,
    signerSerial: row.signer_serial ?? undefined,
    senderNonce: row.sender_nonce,
    createdAt: row.created_at,
  };
}
