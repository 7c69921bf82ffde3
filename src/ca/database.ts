import { createHmac, randomInt } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { seal, unseal } from './seal.js';
import { afterFailure, defaultLockout, type LockoutPolicy, type LockoutState } from './lockout.js';

/** Which personal profile a registration is for (DESIGN §4.4). */
export type Profile = 'restricted' | 'general';

/** What an RA registration hands the visitor: one-time reference number and authorization code. */
export interface Registration {
  readonly ref: string;
  readonly authCode: string;
  readonly expires: Date;
}

/** A registration as the CA needs it to answer a request. */
export interface RegistrationRecord {
  readonly ref: string;
  readonly authCode: Buffer;
  readonly name: string;
  /** Until the certificate is confirmed, then forgotten (DESIGN §5). */
  readonly idn: string | undefined;
  readonly profile: Profile;
  /**
   * Whether the certificate must carry the holder's VID, so the request must bring R (item 4).
   * Not for standard CMP clients (`openssl cmp`), which cannot send R.
   */
  readonly vidRequired: boolean;
  readonly expiresAt: number;
  readonly usedAt: number | undefined;
}

/** Certificates a client may refuse under one registration and still retry with it. */
export const maxRefusalsPerRegistration = 3;

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

/** A certificate signed for a request, before it is sent (see recordIssued). */
export interface IssuedRecord {
  readonly serial: string;
  readonly ref: string | undefined;
  readonly der: Uint8Array;
  readonly notAfter: number;
  readonly holder?: string | undefined;
  readonly predecessor?: string | undefined;
}

/** Why recordIssued recorded nothing: the checks made before signing lost a race. */
export type IssueConflict =
  'referenceUsed' | 'alreadyRenewed' | 'predecessorNotValid' | 'transactionIdInUse';

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

export interface Revocation {
  readonly serial: string;
  readonly reason: number;
  readonly revokedAt: number;
}

/** What register makes: 8 digits, no leading zero (randomInt(10_000_000, 100_000_000)). */
/** CRLReason keyCompromise (RFC 5280 §5.3.1). */
const keyCompromise = 1;

export const referencePattern = /^[1-9][0-9]{7}$/;

/** Registrations are valid this long (DESIGN §5: 14 days). */
export const registrationLifetimeMs = 14 * 86_400_000;

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
`;

/**
 * The embedded CA's state in SQLite (better-sqlite3 12; DESIGN §5): registrations (one-time,
 * expiring, authorization code and IDN sealed), certificates, revocations, open transactions.
 * Synchronous by design: one statement at a time, inside transactions where two must agree.
 */
export class CaDatabase {
  private readonly db: Database.Database;

  constructor(
    path: string,
    private readonly sealKey: Buffer,
  ) {
    // Created owner-only: SQLite makes its -wal and -shm files with the database's mode.
    if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(schema);
    // Databases made before these were recorded (issue 11 items 1-3) gain the columns.
    this.addColumn('certificates', 'holder');
    this.addColumn('certificates', 'predecessor');
    this.addColumn('transactions', 'signer_serial');
    this.addColumn('registrations', 'vid_required', 'integer not null default 1');
    // An earlier version counted failures in registrations (failures, locked_until); they are
    // not read: it kept those of unknown references in memory only, so carrying the known ones
    // over would tell them apart (the attack review of issue 11). The upgrade starts unlocked.
    // One renewal per certificate (item 3): a refused or expired one does not count.
    this.db.exec(
      `create unique index if not exists one_successor on certificates(predecessor)
       where predecessor is not null and status != 'rejected'`,
    );
  }

  private addColumn(table: string, column: string, type = 'text'): void {
    const columns = this.db.prepare(`pragma table_info(${table})`).all() as { name: string }[];
    if (!columns.some((c) => c.name === column))
      this.db.exec(`alter table ${table} add column ${column} ${type}`);
  }

  /**
   * Who a certificate belongs to, without keeping the IDN: an HMAC of it under the CA's seal key.
   * A PBM-protected rr is accepted only from a registration with the same tag (item 1).
   */
  holderTag(idn: string): string {
    return createHmac('sha256', this.sealKey).update(`holder:${idn}`).digest('hex');
  }

  close(): void {
    this.db.close();
  }

  /** Registers a visitor after the identity check; the code is shown once and stored sealed. */
  register(
    name: string,
    idn: string,
    profile: Profile,
    now: number,
    vidRequired = true,
  ): Registration {
    this.forgetExpiredIdns(now);
    const authCode = newAuthCode();
    for (;;) {
      const ref = String(randomInt(10_000_000, 100_000_000));
      const result = this.db
        .prepare(
          `insert or ignore into registrations (ref, auth_sealed, name, idn_sealed, profile, vid_required, created_at, expires_at)
           values (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          ref,
          seal(this.sealKey, Buffer.from(authCode), `auth:${ref}`),
          name,
          seal(this.sealKey, Buffer.from(idn), `idn:${ref}`),
          profile,
          vidRequired ? 1 : 0,
          now,
          now + registrationLifetimeMs,
        );
      if (result.changes === 1)
        return { ref, authCode, expires: new Date(now + registrationLifetimeMs) };
    }
  }

  registration(ref: string): RegistrationRecord | undefined {
    const row = this.db.prepare('select * from registrations where ref = ?').get(ref) as
      RegistrationRow | undefined;
    if (row === undefined) return undefined;
    return {
      ref: row.ref,
      authCode: unseal(this.sealKey, row.auth_sealed, `auth:${row.ref}`),
      name: row.name,
      idn:
        row.idn_sealed === null
          ? undefined
          : unseal(this.sealKey, row.idn_sealed, `idn:${row.ref}`).toString(),
      profile: row.profile,
      vidRequired: row.vid_required !== 0,
      expiresAt: row.expires_at,
      usedAt: row.used_at ?? undefined,
    };
  }

  /**
   * The failures counted against a reference number, whether or not it is registered: an unknown
   * one is kept and decays exactly as a known one (the attack review of issue 11), here, so a
   * restart or a flood of other numbers forgets neither.
   */
  lockout(ref: string): LockoutState | undefined {
    const row = this.db
      .prepare('select failures, locked_until, quiet_from from lockouts where ref = ?')
      .get(ref) as { failures: number; locked_until: number; quiet_from: number } | undefined;
    return row === undefined
      ? undefined
      : { failures: row.failures, lockedUntil: row.locked_until, quietFrom: row.quiet_from };
  }

  /** Counts a failed check and locks the reference for longer each time (see lockout.ts). */
  recordFailure(ref: string, now: number, policy: LockoutPolicy = defaultLockout): LockoutState {
    return this.db.transaction(() => {
      const state = afterFailure(this.lockout(ref), now, policy);
      this.db
        .prepare(
          `insert into lockouts (ref, failures, locked_until, quiet_from) values (?, ?, ?, ?)
           on conflict (ref) do update set failures = excluded.failures,
             locked_until = excluded.locked_until, quiet_from = excluded.quiet_from`,
        )
        .run(ref, state.failures, state.lockedUntil, state.quietFrom);
      // A row quiet for maxMs says no more than no row (afterFailure counts afresh): the table holds
      // only what is recent, however many numbers a client tries.
      this.db.prepare('delete from lockouts where quiet_from <= ?').run(now - policy.maxMs);
      return state;
    })();
  }

  /** The RA releases a locked reference (`kiosk ca unlock`): false if there is no such reference. */
  unlock(ref: string): boolean {
    this.db.prepare('delete from lockouts where ref = ?').run(ref);
    return this.db.prepare('select 1 from registrations where ref = ?').get(ref) !== undefined;
  }

  /** Marks a registration used: a reference number works once. False if it already was. */
  markUsed(ref: string, now: number): boolean {
    return (
      this.db
        .prepare('update registrations set used_at = ? where ref = ? and used_at is null')
        .run(now, ref).changes === 1
    );
  }

  /**
   * Opens a used registration again: the client refused the certificate it got (certConf with a
   * rejection, e.g. the medium went away before the pair was stored), so the visitor has no
   * certificate yet and may retry with the same reference and code until the registration expires,
   * at most maxRefusalsPerRegistration times. False when the limit is reached (the visitor needs
   * a new registration).
   */
  reopen(ref: string): boolean {
    // Bounded: one reference must not mint and revoke certificates without end.
    const refused = this.db
      .prepare("select count(*) as n from certificates where ref = ? and status = 'rejected'")
      .get(ref) as { n: number };
    if (refused.n > maxRefusalsPerRegistration) return false;
    this.db.prepare('update registrations set used_at = null where ref = ?').run(ref);
    return true;
  }

  /**
   * Forgets the IDNs of registrations that expired unused or whose certificate was never
   * confirmed (DESIGN §5: the IDN is kept only as long as it is needed). Returns how many.
   */
  forgetExpiredIdns(now: number): number {
    return this.db
      .prepare(
        'update registrations set idn_sealed = null where idn_sealed is not null and expires_at < ?',
      )
      .run(now).changes;
  }

  /** Forgets the IDN once nothing needs it any more. */
  forgetIdn(ref: string): void {
    this.db.prepare('update registrations set idn_sealed = null where ref = ?').run(ref);
  }

  /**
   * Records, in one SQLite transaction, what a certificate response commits the CA to: the
   * reference spent (enrolment), the certificate (pending), the open transaction. Requests
   * checked the same conditions before signing; this is where concurrent ones are decided.
   */
  recordIssued(
    certificate: IssuedRecord,
    transaction: TransactionRecord,
    now: number,
    spendRef: string | undefined,
  ): IssueConflict | undefined {
    return this.db.transaction((): IssueConflict | undefined => {
      if (this.transaction(transaction.id) !== undefined) return 'transactionIdInUse';
      if (spendRef !== undefined && !this.markUsed(spendRef, now)) return 'referenceUsed';
      if (certificate.predecessor !== undefined) {
        // Revoked while the renewal was being signed: it renews nothing.
        if (this.certificate(certificate.predecessor)?.status !== 'issued')
          return 'predecessorNotValid';
        if (this.successorOf(certificate.predecessor) !== undefined) return 'alreadyRenewed';
      }
      this.insertCertificate(
        certificate.serial,
        certificate.ref,
        certificate.der,
        certificate.notAfter,
        now,
        certificate.holder,
        certificate.predecessor,
      );
      this.openTransaction(transaction);
      return undefined;
    })();
  }

  /** The renewal of a certificate that is pending or was confirmed (not a refused one). */
  successorOf(serial: string): string | undefined {
    const row = this.db
      .prepare(
        "select serial from certificates where predecessor = ? and status != 'rejected' limit 1",
      )
      .get(serial) as { serial: string } | undefined;
    return row?.serial;
  }

  insertCertificate(
    serial: string,
    ref: string | undefined,
    der: Uint8Array,
    notAfter: number,
    now: number,
    holder?: string,
    predecessor?: string,
  ): void {
    this.db
      .prepare(
        `insert into certificates (serial, ref, der, status, not_after, created_at, holder, predecessor) values (?, ?, ?, 'pending', ?, ?, ?, ?)`,
      )
      .run(
        serial,
        ref ?? null,
        Buffer.from(der),
        notAfter,
        now,
        holder ?? null,
        predecessor ?? null,
      );
  }

  certificate(serial: string): CertificateRecord | undefined {
    const row = this.db.prepare('select * from certificates where serial = ?').get(serial) as
      CertificateRow | undefined;
    return row === undefined
      ? undefined
      : {
          serial: row.serial,
          ref: row.ref ?? undefined,
          der: row.der,
          status: row.status,
          notAfter: row.not_after,
          holder: row.holder ?? undefined,
          predecessor: row.predecessor ?? undefined,
        };
  }

  /** A pending certificate confirmed; false if it is no longer pending (revoked meanwhile). */
  markIssued(serial: string): boolean {
    return (
      this.db
        .prepare(
          "update certificates set status = 'issued' where serial = ? and status = 'pending'",
        )
        .run(serial).changes === 1
    );
  }

  setCertificateStatus(serial: string, status: CertificateStatus): void {
    this.db.prepare('update certificates set status = ? where serial = ?').run(status, serial);
  }

  /**
   * Revokes a certificate (idempotent); false if the CA never issued it. A key reported
   * compromised weighs more than what was recorded before (RFC 5280 §5.3.1: a reason may become
   * keyCompromise): a certificate already revoked, superseded say, takes that reason, and the
   * renewal its key signed is revoked too, for a kur made with a stolen key is the thief's (the
   * attack review of issue 11).
   */
  revoke(serial: string, reason: number, now: number): boolean {
    return this.db.transaction((): boolean => {
      const changed = this.db
        .prepare(
          `update certificates set status = 'revoked' where serial = ? and status in ('issued', 'pending', 'revoked')`,
        )
        .run(serial).changes;
      if (changed === 0) return false;
      this.db
        .prepare('insert or ignore into revocations (serial, reason, revoked_at) values (?, ?, ?)')
        .run(serial, reason, now);
      if (reason === keyCompromise) {
        const escalated = this.db
          .prepare('update revocations set reason = ? where serial = ? and reason != ?')
          .run(keyCompromise, serial, keyCompromise).changes;
        if (escalated > 0) this.count('reasonChanges');
        const successor = this.successorOf(serial);
        if (successor !== undefined) this.revoke(successor, keyCompromise, now);
      }
      return true;
    })();
  }

  /**
   * Revocations made and reasons changed, so far: it only ever grows, so it dates a CRL (a new
   * count, a new CRL).
   */
  revocationCount(): number {
    const row = this.db
      .prepare(
        `select (select count(*) from revocations) +
           coalesce((select value from counters where name = 'reasonChanges'), 0) as n`,
      )
      .get() as { n: number };
    return row.n;
  }

  /** The revocation of one certificate, if it is revoked. */
  revocation(serial: string): Revocation | undefined {
    const row = this.db
      .prepare('select serial, reason, revoked_at from revocations where serial = ?')
      .get(serial) as RevocationRow | undefined;
    return row === undefined
      ? undefined
      : { serial: row.serial, reason: row.reason, revokedAt: row.revoked_at };
  }

  revocations(): Revocation[] {
    return (
      this.db
        .prepare('select serial, reason, revoked_at from revocations order by revoked_at')
        .all() as RevocationRow[]
    ).map((r) => ({ serial: r.serial, reason: r.reason, revokedAt: r.revoked_at }));
  }

  openTransaction(t: TransactionRecord): void {
    this.db
      .prepare(
        'insert into transactions (id, kind, ref, protection, cert_serial, signer_serial, sender_nonce, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
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

  transaction(id: string): TransactionRecord | undefined {
    const row = this.db.prepare('select * from transactions where id = ?').get(id) as
      TransactionRow | undefined;
    return row === undefined ? undefined : transactionRecord(row);
  }

  /** The open transaction that awaits the confirmation of a certificate, if any. */
  transactionFor(certSerial: string): TransactionRecord | undefined {
    const row = this.db
      .prepare('select * from transactions where cert_serial = ?')
      .get(certSerial) as TransactionRow | undefined;
    return row === undefined ? undefined : transactionRecord(row);
  }

  /** Transactions opened before `before`: their certConf is overdue. */
  transactionsOpenedBefore(before: number): TransactionRecord[] {
    return (
      this.db
        .prepare('select * from transactions where created_at < ? order by created_at')
        .all(before) as TransactionRow[]
    ).map(transactionRecord);
  }

  /** Closes an open transaction; false if it was not open (closed meanwhile, or never). */
  closeTransaction(id: string): boolean {
    return this.db.prepare('delete from transactions where id = ?').run(id).changes === 1;
  }

  /** The next CRL number (RFC 5280 §5.2.3: monotonically increasing). */
  nextCrlNumber(): number {
    return this.count('crl');
  }

  /** Adds one to a counter and returns its new value. */
  private count(name: string): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `insert into counters (name, value) values (?, 1) on conflict(name) do update set value = value + 1`,
        )
        .run(name);
      return (
        this.db.prepare('select value from counters where name = ?').get(name) as { value: number }
      ).value;
    })();
  }
}

interface RegistrationRow {
  ref: string;
  auth_sealed: Buffer;
  name: string;
  idn_sealed: Buffer | null;
  profile: Profile;
  vid_required: number;
  expires_at: number;
  used_at: number | null;
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

/** 16 characters from an alphabet without look-alikes (0/O, 1/I/L), in groups of four. */
function newAuthCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const chars = Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)] ?? 'A');
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}
