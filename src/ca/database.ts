// CaDatabase, the embedded CA's one store, and the records it hands out. The statements are kept
// by table in db/ (registrations and lockouts, certificates and revocations, transactions,
// counters, RA clients; the schema and its migrations in db/schema.ts); what spans tables,
// recordIssued and registerThroughRa, is here.
import { createHmac } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { defaultLockout, type LockoutPolicy, type LockoutState } from './lockout.js';
import * as certificates from './db/certificates.js';
import type { CertificateRecord, CertificateStatus, Revocation } from './db/certificates.js';
import { count } from './db/counters.js';
import * as raClients from './db/raClients.js';
import type { RaClientRecord } from './db/raClients.js';
import * as registrations from './db/registrations.js';
import type {
  Approval,
  Evidence,
  Profile,
  Registration,
  RegistrationRecord,
} from './db/registrations.js';
import { applySchema } from './db/schema.js';
import * as transactions from './db/transactions.js';
import * as holders from './db/holders.js';
import type { HolderCertificate, RaRevocationRecord } from './db/holders.js';
import type { TransactionRecord } from './db/transactions.js';

export type { CertificateRecord, CertificateStatus, Revocation } from './db/certificates.js';
export type { RaClientRecord } from './db/raClients.js';
export {
  evidenceKinds,
  maxRefusalsPerRegistration,
  referencePattern,
  registrationLifetimeMs,
  type Approval,
  type Evidence,
  type Profile,
  type Registration,
  type RegistrationRecord,
} from './db/registrations.js';
export type { TransactionRecord } from './db/transactions.js';
export type { HolderCertificate, RaRevocationRecord } from './db/holders.js';

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
    applySchema(this.db);
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

  /**
   * Registers a visitor after the identity check; the code is shown once and stored sealed.
   * `approval`, if given, records who vouched for the visitor.
   */
  register(
    name: string,
    idn: string,
    profile: Profile,
    now: number,
    vidRequired = true,
    approval?: Approval,
  ): Registration {
    return registrations.register(
      this.db,
      this.sealKey,
      name,
      idn,
      profile,
      now,
      vidRequired,
      approval,
    );
  }

  /**
   * A registration sent by an RA client over the RA endpoint, bound to that client, the teller
   * and the evidence. Undefined, and nothing registered, when the client is not active (revoked
   * since its request was authenticated, expired, or never recorded): decided in one SQLite transaction
   * with the insert, so a `kiosk ca ra revoke` in another process wins or loses cleanly.
   */
  registerThroughRa(
    raSerial: string,
    visitor: { name: string; idn: string; profile: Profile; vidRequired: boolean },
    approvedBy: string,
    evidence: Evidence,
    now: number,
  ): { registration: Registration; ra: RaClientRecord } | undefined {
    return this.db.transaction(() => {
      const ra = raClients.raClient(this.db, raSerial);
      if (ra === undefined || ra.revokedAt !== undefined || ra.notAfter < now) return undefined;
      const approval: Approval = {
        approvedBy,
        evidence,
        ra: { name: ra.name, serial: ra.serial },
      };
      const { name, idn, profile, vidRequired } = visitor;
      const registration = this.register(name, idn, profile, now, vidRequired, approval);
      return { registration, ra };
    })();
  }

  registration(ref: string): RegistrationRecord | undefined {
    return registrations.registration(this.db, this.sealKey, ref);
  }

  /**
   * The failures counted against a reference number, whether or not it is registered: an unknown
   * one is kept and decays exactly as a known one (the attack review of issue 11), here, so a
   * restart or a flood of other numbers forgets neither.
   */
  lockout(ref: string): LockoutState | undefined {
    return registrations.lockout(this.db, ref);
  }

  /** Counts a failed check and locks the reference for longer each time (see lockout.ts). */
  recordFailure(ref: string, now: number, policy: LockoutPolicy = defaultLockout): LockoutState {
    return registrations.recordFailure(this.db, ref, now, policy);
  }

  /** The RA releases a locked reference (`kiosk ca unlock`): false if there is no such reference. */
  unlock(ref: string): boolean {
    return registrations.unlock(this.db, ref);
  }

  /** Marks a registration used: a reference number works once. False if it already was. */
  markUsed(ref: string, now: number): boolean {
    return registrations.markUsed(this.db, ref, now);
  }

  /**
   * Opens a used registration again: the client refused the certificate it got (certConf with a
   * rejection, e.g. the medium went away before the pair was stored), so the visitor has no
   * certificate yet and may retry with the same reference and code until the registration expires,
   * at most maxRefusalsPerRegistration times. False when the limit is reached (the visitor needs
   * a new registration).
   */
  reopen(ref: string): boolean {
    return registrations.reopen(this.db, ref);
  }

  /**
   * Forgets the IDNs of registrations that expired unused or whose certificate was never
   * confirmed (DESIGN §5: the IDN is kept only as long as it is needed). Returns how many.
   */
  forgetExpiredIdns(now: number): number {
    return registrations.forgetExpiredIdns(this.db, now);
  }

  /** Forgets the IDN once nothing needs it any more. */
  forgetIdn(ref: string): void {
    registrations.forgetIdn(this.db, ref);
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
    return certificates.successorOf(this.db, serial);
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
    certificates.insertCertificate(this.db, serial, ref, der, notAfter, now, holder, predecessor);
  }

  certificate(serial: string): CertificateRecord | undefined {
    return certificates.certificate(this.db, serial);
  }

  /**
   * The certificates enrolled under a registration (ir/cr, not the renewals that name its
   * reference), oldest first: at most `limit`, the newest kept if there are more.
   */
  enrolmentsUnder(ref: string, limit: number): CertificateRecord[] {
    return certificates.enrolmentsUnder(this.db, ref, limit);
  }

  /** A pending certificate confirmed; false if it is no longer pending (revoked meanwhile). */
  markIssued(serial: string): boolean {
    return certificates.markIssued(this.db, serial);
  }

  setCertificateStatus(serial: string, status: CertificateStatus): void {
    certificates.setCertificateStatus(this.db, serial, status);
  }

  /**
   * Revokes a certificate (idempotent); false if the CA never issued it. A key reported
   * compromised weighs more than what was recorded before (RFC 5280 §5.3.1: a reason may become
   * keyCompromise): a certificate already revoked, superseded say, takes that reason, and the
   * renewal its key signed is revoked too, for a kur made with a stolen key is the thief's (the
   * attack review of issue 11).
   */
  revoke(serial: string, reason: number, now: number): boolean {
    return certificates.revoke(this.db, serial, reason, now);
  }

  /**
   * Revocations made and reasons changed, so far: it only ever grows, so it dates a CRL (a new
   * count, a new CRL).
   */
  revocationCount(): number {
    return certificates.revocationCount(this.db);
  }

  /** The revocation of one certificate, if it is revoked. */
  revocation(serial: string): Revocation | undefined {
    return certificates.revocation(this.db, serial);
  }

  revocations(): Revocation[] {
    return certificates.revocations(this.db);
  }

  openTransaction(t: TransactionRecord): void {
    transactions.openTransaction(this.db, t);
  }

  transaction(id: string): TransactionRecord | undefined {
    return transactions.transaction(this.db, id);
  }

  /** The open transaction that awaits the confirmation of a certificate, if any. */
  transactionFor(certSerial: string): TransactionRecord | undefined {
    return transactions.transactionFor(this.db, certSerial);
  }

  /** Transactions opened before `before`: their certConf is overdue. */
  transactionsOpenedBefore(before: number): TransactionRecord[] {
    return transactions.transactionsOpenedBefore(this.db, before);
  }

  /** Closes an open transaction; false if it was not open (closed meanwhile, or never). */
  closeTransaction(id: string): boolean {
    return transactions.closeTransaction(this.db, id);
  }

  /**
   * Records an RA client certificate (`kiosk ca ra add`); false, and nothing recorded, when an
   * active client already has the name (or the serial is taken).
   */
  addRaClient(record: RaClientRecord): boolean {
    return raClients.addRaClient(this.db, record);
  }

  /** The RA client whose certificate has this serial (lower-case hex), revoked or not. */
  raClient(serial: string): RaClientRecord | undefined {
    return raClients.raClient(this.db, serial);
  }

  /** The one active RA client of this name, if any. */
  activeRaClient(name: string): RaClientRecord | undefined {
    return raClients.activeRaClient(this.db, name);
  }

  /** Every RA client ever recorded, oldest first. */
  raClients(): RaClientRecord[] {
    return raClients.raClients(this.db);
  }

  /** Revokes the active RA client of this name; undefined if there is none. */
  revokeRaClient(name: string, now: number): RaClientRecord | undefined {
    return raClients.revokeRaClient(this.db, name, now);
  }

  /** The holder's certificates valid at `now` (issued, not revoked, not expired), oldest first. */
  holderCertificates(holder: string, now: number): HolderCertificate[] {
    return holders.holderCertificates(this.db, holder, now);
  }

  /** What a revocation through the RA rested on, if it was made through one. */
  raRevocation(serial: string): RaRevocationRecord | undefined {
    return holders.raRevocation(this.db, serial);
  }

  recordRaRevocation(record: RaRevocationRecord): void {
    holders.recordRaRevocation(this.db, record);
  }

  /**
   * Runs `work` in one SQLite transaction, begun IMMEDIATE: what it reads still holds when it
   * writes, and a writer in another process (a `kiosk ca` command) waits rather than failing it.
   */
  atomically<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** The next CRL number (RFC 5280 §5.2.3: monotonically increasing). */
  nextCrlNumber(): number {
    return count(this.db, 'crl');
  }
}
