// The CA database's tables (DESIGN §5) and the migrations that bring a database made by an earlier
// version up to them. The statements over each table are in the files beside this one; CaDatabase
// (../database.ts) opens the file and is what the rest of the CA uses.
import type Database from 'better-sqlite3';

const schema = `
create table if not exists registrations (
  ref text primary key,
  auth_sealed blob not null,
  name text not null,
  idn_sealed blob,
  profile text not null check (profile in ('restricted', 'general')),
  created_at integer not null,
  expires_at integer not null,
  used_at integer
);
create table if not exists certificates (
  serial text primary key,
  ref text,
  der blob not null,
  status text not null check (status in ('pending', 'issued', 'rejected', 'revoked')),
  not_after integer not null,
  created_at integer not null
);
create table if not exists revocations (
  serial text primary key references certificates(serial),
  reason integer not null,
  revoked_at integer not null
);
create table if not exists transactions (
  id text primary key,
  kind text not null,
  ref text,
  protection text not null,
  cert_serial text not null,
  sender_nonce blob not null,
  created_at integer not null
);
create index if not exists transactions_created on transactions(created_at);
create table if not exists counters (name text primary key, value integer not null);
create table if not exists lockouts (
  ref text primary key,
  failures integer not null,
  locked_until integer not null,
  quiet_from integer not null
);
create index if not exists lockouts_quiet on lockouts(quiet_from);
create table if not exists ra_clients (
  serial text primary key,
  name text not null,
  issued_at integer not null,
  not_after integer not null,
  revoked_at integer
);
create unique index if not exists ra_clients_active_name on ra_clients(name)
  where revoked_at is null;
create table if not exists ra_revocations (
  serial text primary key references certificates(serial),
  ref text not null,
  ra_serial text,
  approved_by text,
  revoked_at integer not null
);
`;

/** Creates what a new database lacks and upgrades one made before (idempotent). */
export function applySchema(db: Database.Database): void {
  db.exec(schema);
  // Databases made before these were recorded (issue 11 items 1-3) gain the columns.
  addColumn(db, 'certificates', 'holder');
  addColumn(db, 'certificates', 'predecessor');
  addColumn(db, 'transactions', 'signer_serial');
  addColumn(db, 'registrations', 'vid_required', 'integer not null default 1');
  // Registrations made before the RA endpoint (issue 13 item 3) have no approval recorded: they
  // were the CA operator's own (`ca register --dir`), and stay so (null).
  addColumn(db, 'registrations', 'approved_by');
  addColumn(db, 'registrations', 'evidence');
  addColumn(db, 'registrations', 'ra_name');
  addColumn(db, 'registrations', 'ra_serial');
  // An earlier version counted failures in registrations (failures, locked_until); they are
  // not read: it kept those of unknown references in memory only, so carrying the known ones
  // over would tell them apart (the attack review of issue 11). The upgrade starts unlocked.
  // One renewal per certificate (item 3): a refused or expired one does not count.
  db.exec(
    `create unique index if not exists one_successor on certificates(predecessor)
       where predecessor is not null and status != 'rejected'`,
  );
}

function addColumn(db: Database.Database, table: string, column: string, type = 'text'): void {
  const columns = db.prepare(`pragma table_info(${table})`).all() as { name: string }[];
  if (!columns.some((c) => c.name === column))
    db.exec(`alter table ${table} add column ${column} ${type}`);
}
