// The counters table: numbers that only ever grow (the CRL number, reason changes), as functions
// over the open database. CaDatabase (../database.ts) wraps them.
import type Database from 'better-sqlite3';

/** Adds one to a counter and returns its new value. */
export function count(db: Database.Database, name: string): number {
  return db.transaction(() => {
    db.prepare(
      `insert into counters (name, value) values (?, 1) on conflict(name) do update set value = value + 1`,
    ).run(name);
    return (db.prepare('select value from counters where name = ?').get(name) as { value: number })
      .value;
  })();
}
