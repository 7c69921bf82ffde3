import Database from 'better-sqlite3';
import { createOwnerOnlyFile } from '../shared/ownerOnlyFile.js';
import { AuditUnavailableError } from '../errors/audit.js';
import { KioskError } from '../shared/kioskError.js';
import type { HashedFields } from './entryHash.js';

// The audit log's SQLite file (better-sqlite3 12, its own file; DESIGN §6). One table, one row per
// entry; the hash chain over its rows is auditLog.ts's and verify.ts's business, this file only
// stores and reads rows. The triggers refusing UPDATE and DELETE guard against accidents (a
// maintenance script, a wrong statement), not against someone with the file: they can drop the
// triggers, which is what the hash chain and the signed checkpoints are for.

/** A row as written. */
export interface AuditRow extends HashedFields {
  readonly hash: string;
}

/**
 * A row as read back: the columns' values whatever they are. Verification judges them; a file
 * someone edited may hold anything its table allows.
 */
export type StoredRow = { readonly [K in keyof AuditRow]: unknown };

/** The newest entry, or none yet. */
export interface Head {
  readonly seq: number;
  readonly hash: string;
}

const schemaVersion = 1;

// STRICT: a column holds only its declared type, so a row cannot hide an integer where text
// belongs. seq is the rowid; the writer sets it (last + 1), so the sequence has no gaps.
const schema = `
  create table if not exists audit_entries (
    seq integer primary key,
    at text not null,
    visit text,
    kind text not null,
    payload text not null,
    prev text not null,
    hash text not null
  ) strict;
  create index if not exists audit_entries_visit on audit_entries (visit, seq);
  create trigger if not exists audit_entries_no_update before update on audit_entries
    begin select raise(abort, 'the audit log is append-only: UPDATE refused'); end;
  create trigger if not exists audit_entries_no_delete before delete on audit_entries
    begin select raise(abort, 'the audit log is append-only: DELETE refused'); end;
`;

/** The audit log's file: appends for the one writer, rows in order for the readers. */
export class AuditStore {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (creating it owner-only, its folder too) the log for appending. Another writer on the
   * same file waits for the write lock (busy_timeout) rather than failing.
   */
  static openForWriting(path: string): AuditStore {
    try {
      createOwnerOnlyFile(path);
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      // FULL: an append the kiosk reported is on disk before the next step, power cut or not.
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== 0 && version !== schemaVersion)
        throw new Error(`audit log format ${version}; this kiosk writes ${schemaVersion}`);
      db.exec(schema);
      db.pragma(`user_version = ${schemaVersion}`);
      return new AuditStore(db, path);
    } catch (cause) {
      throw unavailable(path, 'cannot open the audit log for writing', cause);
    }
  }

  /** Opens an existing log read-only (verification, inspection: never changes the file). */
  static openForReading(path: string): AuditStore {
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      // Fails here, not half-way, on a file that is not an audit log.
      db.prepare('select seq from audit_entries limit 1').all();
      return new AuditStore(db, path);
    } catch (cause) {
      throw unavailable(path, 'cannot read the audit log', cause);
    }
  }

  /**
   * Appends the row `build` makes from the current head, in one IMMEDIATE transaction: the head
   * is read under the write lock, so two writers can never chain onto the same entry.
   */
  append(build: (head: Head | undefined) => AuditRow): AuditRow {
    const insert = this.db.prepare(
      'insert into audit_entries (seq, at, visit, kind, payload, prev, hash) values (@seq, @at, @visit, @kind, @payload, @prev, @hash)',
    );
    const run = this.db.transaction(() => {
      const row = build(this.head());
      insert.run(row);
      return row;
    });
    try {
      return run.immediate();
    } catch (cause) {
      if (cause instanceof KioskError) throw cause;
      throw unavailable(this.path, 'cannot append to the audit log', cause);
    }
  }

  /** The newest row's sequence number and hash as stored (not checked here). */
  head(): Head | undefined {
    const row = this.db
      .prepare('select seq, hash from audit_entries order by seq desc limit 1')
      .get() as { seq: number; hash: unknown } | undefined;
    return row === undefined ? undefined : { seq: row.seq, hash: String(row.hash) };
  }

  /** The row at `seq`, if there is one. */
  row(seq: number): StoredRow | undefined {
    return this.db.prepare('select * from audit_entries where seq = ?').get(seq) as
      StoredRow | undefined;
  }

  /** Every row in sequence order, read as they are reached (the log may be large). */
  rows(): IterableIterator<StoredRow> {
    return this.db
      .prepare('select seq, at, visit, kind, payload, prev, hash from audit_entries order by seq')
      .iterate() as IterableIterator<StoredRow>;
  }

  /** One visit's rows in sequence order. */
  rowsOfVisit(visit: string): StoredRow[] {
    return this.db
      .prepare(
        'select seq, at, visit, kind, payload, prev, hash from audit_entries where visit = ? order by seq',
      )
      .all(visit) as StoredRow[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function unavailable(path: string, what: string, cause: unknown): AuditUnavailableError {
  const detail = cause instanceof Error ? `${what} (${cause.message})` : what;
  return new AuditUnavailableError(path, detail, { cause });
}
