// The teller accounts' table in SQLite (DESIGN §6: teller accounts with scrypt hashes), in the
// kiosk's state folder. `kiosk teller add/disable` write it while `kiosk start` reads it (WAL: a
// reader never waits for the writer), so a teller disabled from the command line is refused by
// the running API at the next request. Statements only; the rules are in accounts.ts.
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The file in the state folder (`stateDir`). */
export const tellerDatabaseFile = 'tellers.sqlite';

/** One account as stored. Times in milliseconds since the epoch. */
export interface TellerAccountRow {
  readonly name: string;
  /** PHC string (passwordHash.ts). */
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly disabledAt: number | undefined;
}

interface Row {
  name: string;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

// A disabled account keeps its row: its name stays taken (errors.ts TellerExistsError) and the
// audit log's entries keep naming someone the table knows.
const schema = `
create table if not exists tellers (
  name text primary key,
  password_hash text not null,
  created_at integer not null,
  disabled_at integer
) strict;
`;

export class TellerAccountStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    // Created owner-only: SQLite makes its -wal and -shm files with the database's mode.
    if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // The CLI and the running kiosk may write at once (a disable, a re-hash at login): wait
    // for the other's transaction rather than fail.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(schema);
  }

  close(): void {
    this.db.close();
  }

  /** Adds an account; false, and nothing written, if the name is taken. */
  insert(name: string, passwordHash: string, createdAt: number): boolean {
    const result = this.db
      .prepare(
        `insert into tellers (name, password_hash, created_at, disabled_at)
           values (?, ?, ?, null) on conflict do nothing`,
      )
      .run(name, passwordHash, createdAt);
    return result.changes === 1;
  }

  get(name: string): TellerAccountRow | undefined {
    const row = this.db.prepare('select * from tellers where name = ?').get(name) as
      Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Disables an active account; undefined if there is none of that name. */
  disable(name: string, at: number): TellerAccountRow | undefined {
    const result = this.db
      .prepare('update tellers set disabled_at = ? where name = ? and disabled_at is null')
      .run(at, name);
    return result.changes === 1 ? this.get(name) : undefined;
  }

  /**
   * Replaces a hash (stronger parameters at login) only if it is still `previous`: a disable or
   * another login's re-hash in between wins.
   */
  replaceHash(name: string, previous: string, next: string): boolean {
    const result = this.db
      .prepare(
        `update tellers set password_hash = ?
           where name = ? and password_hash = ? and disabled_at is null`,
      )
      .run(next, name, previous);
    return result.changes === 1;
  }

  /** Every account, disabled ones too, oldest first. */
  list(): TellerAccountRow[] {
    const rows = this.db.prepare('select * from tellers order by created_at, name').all() as Row[];
    return rows.map(fromRow);
  }
}

function fromRow(row: Row): TellerAccountRow {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? undefined,
  };
}
