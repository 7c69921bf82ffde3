// The registrations table (the RA's one-time reference numbers, authorization codes and IDNs,
// sealed; who approved each and through which RA client) and the lockouts table (failed authorizations per reference number): their record types
// and statements, as functions over the open database. CaDatabase (../database.ts) wraps them.
import { randomInt } from 'node:crypto';
import type Database from 'better-sqlite3';
import { seal, unseal } from '../seal.js';
import { afterFailure, type LockoutPolicy, type LockoutState } from '../lockout.js';

/** Which personal profile a registration is for (DESIGN §4.4). */
export type Profile = 'restricted' | 'general';

/** How the teller saw the visitor's identity (machines/types.ts Evidence, the same three). */
export const evidenceKinds = ['chipVerified', 'chipNotVerifiedOverride', 'inPersonOnly'] as const;
export type Evidence = (typeof evidenceKinds)[number];

/**
 * Who vouched for a registration (DESIGN §5 "RA over the network"): the approving teller, the
 * evidence, and the RA client it came through (absent: the CA operator's own `ca register`).
 */
export interface Approval {
  readonly approvedBy: string;
  readonly evidence: Evidence;
  readonly ra?: { readonly name: string; readonly serial: string };
}

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
  /** Recorded when the registration was made with one (always over the RA endpoint). */
  readonly approval: Approval | undefined;
}

/** Certificates a client may refuse under one registration and still retry with it. */
export const maxRefusalsPerRegistration = 3;

/** What register makes: 8 digits, no leading zero (randomInt(10_000_000, 100_000_000)). */
export const referencePattern = /^[1-9][0-9]{7}$/;

/** Registrations are valid this long (DESIGN §5: 14 days). */
export const registrationLifetimeMs = 14 * 86_400_000;

/** See CaDatabase.register. */
export function register(
  db: Database.Database,
  sealKey: Buffer,
  name: string,
  idn: string,
  profile: Profile,
  now: number,
  vidRequired: boolean,
  approval: Approval | undefined,
): Registration {
  forgetExpiredIdns(db, now);
  const authCode = newAuthCode();
  for (;;) {
    const ref = String(randomInt(10_000_000, 100_000_000));
    const result = db
      .prepare(
        `insert or ignore into registrations (ref, auth_sealed, name, idn_sealed, profile, vid_required, created_at, expires_at,
             approved_by, evidence, ra_name, ra_serial)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        ref,
        seal(sealKey, Buffer.from(authCode), `auth:${ref}`),
        name,
        seal(sealKey, Buffer.from(idn), `idn:${ref}`),
        profile,
        vidRequired ? 1 : 0,
        now,
        now + registrationLifetimeMs,
        approval?.approvedBy ?? null,
        approval?.evidence ?? null,
        approval?.ra?.name ?? null,
        approval?.ra?.serial ?? null,
      );
    if (result.changes === 1)
      return { ref, authCode, expires: new Date(now + registrationLifetimeMs) };
  }
}

/** See CaDatabase.registration. */
export function registration(
  db: Database.Database,
  sealKey: Buffer,
  ref: string,
): RegistrationRecord | undefined {
  const row = db.prepare('select * from registrations where ref = ?').get(ref) as
    RegistrationRow | undefined;
  if (row === undefined) return undefined;
  return {
    ref: row.ref,
    authCode: unseal(sealKey, row.auth_sealed, `auth:${row.ref}`),
    name: row.name,
    idn:
      row.idn_sealed === null
        ? undefined
        : unseal(sealKey, row.idn_sealed, `idn:${row.ref}`).toString(),
    profile: row.profile,
    vidRequired: row.vid_required !== 0,
    expiresAt: row.expires_at,
    usedAt: row.used_at ?? undefined,
    approval: approvalOf(row),
  };
}

function approvalOf(row: RegistrationRow): Approval | undefined {
  if (row.approved_by === null || row.evidence === null) return undefined;
  const { approved_by: approvedBy, evidence, ra_name: raName, ra_serial: raSerial } = row;
  return raName === null || raSerial === null
    ? { approvedBy, evidence }
    : { approvedBy, evidence, ra: { name: raName, serial: raSerial } };
}

/** See CaDatabase.markUsed. */
export function markUsed(db: Database.Database, ref: string, now: number): boolean {
  return (
    db
      .prepare('update registrations set used_at = ? where ref = ? and used_at is null')
      .run(now, ref).changes === 1
  );
}

/** See CaDatabase.reopen. */
export function reopen(db: Database.Database, ref: string): boolean {
  // Bounded: one reference must not mint and revoke certificates without end.
  const refused = db
    .prepare("select count(*) as n from certificates where ref = ? and status = 'rejected'")
    .get(ref) as { n: number };
  if (refused.n > maxRefusalsPerRegistration) return false;
  db.prepare('update registrations set used_at = null where ref = ?').run(ref);
  return true;
}

/** See CaDatabase.forgetExpiredIdns. */
export function forgetExpiredIdns(db: Database.Database, now: number): number {
  return db
    .prepare(
      'update registrations set idn_sealed = null where idn_sealed is not null and expires_at < ?',
    )
    .run(now).changes;
}

/** See CaDatabase.forgetIdn. */
export function forgetIdn(db: Database.Database, ref: string): void {
  db.prepare('update registrations set idn_sealed = null where ref = ?').run(ref);
}

/** See CaDatabase.lockout. */
export function lockout(db: Database.Database, ref: string): LockoutState | undefined {
  const row = db
    .prepare('select failures, locked_until, quiet_from from lockouts where ref = ?')
    .get(ref) as { failures: number; locked_until: number; quiet_from: number } | undefined;
  return row === undefined
    ? undefined
    : { failures: row.failures, lockedUntil: row.locked_until, quietFrom: row.quiet_from };
}

/** See CaDatabase.recordFailure. */
export function recordFailure(
  db: Database.Database,
  ref: string,
  now: number,
  policy: LockoutPolicy,
): LockoutState {
  return db.transaction(() => {
    const state = afterFailure(lockout(db, ref), now, policy);
    db.prepare(
      `insert into lockouts (ref, failures, locked_until, quiet_from) values (?, ?, ?, ?)
           on conflict (ref) do update set failures = excluded.failures,
             locked_until = excluded.locked_until, quiet_from = excluded.quiet_from`,
    ).run(ref, state.failures, state.lockedUntil, state.quietFrom);
    // A row quiet for maxMs says no more than no row (afterFailure counts afresh): the table holds
    // only what is recent, however many numbers a client tries.
    db.prepare('delete from lockouts where quiet_from <= ?').run(now - policy.maxMs);
    return state;
  })();
}

/** See CaDatabase.unlock. */
export function unlock(db: Database.Database, ref: string): boolean {
  db.prepare('delete from lockouts where ref = ?').run(ref);
  return db.prepare('select 1 from registrations where ref = ?').get(ref) !== undefined;
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
  approved_by: string | null;
  evidence: Evidence | null;
  ra_name: string | null;
  ra_serial: string | null;
}

/** 16 characters from an alphabet without look-alikes (0/O, 1/I/L), in groups of four. */
function newAuthCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const chars = Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)] ?? 'A');
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}
