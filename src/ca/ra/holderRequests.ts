// The RA's requests for a holder it has identified (issue 13: revocation after a loss, reissue
// after a forgotten password): `POST /ra/certificates` {ref} → the holder's valid certificates,
// `POST /ra/revoke` {ref, serial, reason, then} → one of them revoked. Both rest on a registration
// this RA client made (its teller's approval of this visitor), unused and unexpired, whose IDN the
// CA still holds; the holder is found by the holder tag, so a second 홍길동 is another person.
// `POST /ra/close` {ref, confirm?} ends any registration of this RA client (issue 14 item 3): the
// enrolment it left open confirmed or voided, spent, its IDN forgotten, its certificates' statuses.
// Shared by the endpoint (server.ts) and the operator's in-process RA (src/kiosk/raInProcess.ts).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { acceptCertificate, defaultTransactionTimeoutMs, voidCertificate } from '../confirm.js';
import type { CaDatabase, CertificateStatus, RegistrationRecord } from '../database.js';
import { referencePattern } from '../db/registrations.js';
import { x509 } from '../../shared/x509.js';

/**
 * The reasons a holder gives at the kiosk and their RFC 5280 §5.3.1 CRLReason codes (the ones
 * src/ca/revoke.ts accepts from a holder; no certificateHold: a revocation here is final).
 */
export const raRevocationReasons = {
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

export type RaRevocationReason = keyof typeof raRevocationReasons;

const reasons = Object.keys(raRevocationReasons) as [RaRevocationReason, ...RaRevocationReason[]];

/** A serial as the CA keys it (recordKeys.ts): lower-case hex, at most 21 octets. */
const serialPattern = /^[0-9a-f]{1,42}$/;

/** A SHA-256 hash in lower-case hex. */
const certHashPattern = /^[0-9a-f]{64}$/;

/** `/ra/certificates`: a registration's reference number. */
export const refRequestSchema = z
  .object({ ref: z.string().max(16).regex(referencePattern, 'an 8-digit reference number') })
  .strict();

/** `/ra/close`: the reference number, and the certificate the kiosk stored, to confirm. */
export const closeRequestSchema = z
  .object({
    ref: z.string().max(16).regex(referencePattern, 'an 8-digit reference number'),
    confirm: z
      .object({
        serial: z.string().max(42).regex(serialPattern, 'lower-case hex'),
        /** SHA-256 of the certificate's DER, as a certConf's certHash (RFC 4210 §5.3.18). */
        certHash: z.string().max(64).regex(certHashPattern, 'SHA-256, lower-case hex'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type CloseRequest = z.infer<typeof closeRequestSchema>;

/** Every status a certificate has at the CA (db/certificates.ts), as a close answers it. */
const statusNames = {
  pending: true,
  issued: true,
  rejected: true,
  revoked: true,
} as const satisfies Record<CertificateStatus, true>;

export const certificateStatuses = Object.keys(statusNames) as CertificateStatus[];

/**
 * Most certificates a close lists: a reference enrols one, and again only after a refusal, at
 * most maxRefusalsPerRegistration + 1 times (db/registrations.ts reopen), so this is room to spare.
 */
export const maxCertificatesPerRef = 16;

/** A certificate enrolled under a registration, and what the CA holds of it now. */
export interface CertificateStatusAtCa {
  readonly serial: string;
  readonly status: CertificateStatus;
}

/** `/ra/close`'s answer: the registration spent, and what became of its certificates. */
export interface RegistrationClosed {
  readonly ref: string;
  /** Oldest first. */
  readonly certificates: readonly CertificateStatusAtCa[];
}

export const revokeRequestSchema = z
  .object({
    ref: z.string().max(16).regex(referencePattern, 'an 8-digit reference number'),
    serial: z.string().max(42).regex(serialPattern, 'lower-case hex'),
    reason: z.enum(reasons),
    /**
     * `issue`: a reissue follows under the same registration, which stays open; `end`: nothing
     * follows, so the registration is spent and its IDN forgotten now rather than at expiry.
     */
    then: z.enum(['issue', 'end']),
  })
  .strict();

export type RevokeRequest = z.infer<typeof revokeRequestSchema>;

/** One of the holder's certificates as the kiosk shows it. */
export interface CertificateAtCa {
  readonly serial: string;
  readonly subject: string;
  readonly notAfter: string;
}

export type HolderOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: 400 | 401 | 403 | 404 | 409; readonly error: string };

/** A refusal's words: the fields and what they must be, never the values sent. */
export function issuesOf(error: {
  issues: readonly { code: string; path: PropertyKey[]; message: string }[];
}): string {
  return error.issues
    .slice(0, 4)
    .map((i) =>
      // zod names an unknown key in its message: the client's bytes, not repeated.
      i.code === 'unrecognized_keys'
        ? 'unknown field'
        : `${i.path.map(String).join('.') || 'body'}: ${i.message}`,
    )
    .join('; ');
}

/** The RA client was revoked or expired after its request was authenticated: nothing done. */
const clientGone = {
  ok: false,
  status: 401,
  error: 'an active RA client certificate of this CA is required',
} as const;

const noRegistration = {
  ok: false,
  status: 404,
  error: 'no open registration with this reference number from this RA client',
} as const;

/**
 * The registration a holder request rests on: made by this RA client (`raSerial`; undefined for
 * the operator's own RA, whose registrations name no client), unused, unexpired, IDN still held.
 */
function openRegistration(
  db: CaDatabase,
  raSerial: string | undefined,
  ref: string,
  now: number,
): RegistrationRecord | undefined {
  const registration = db.registration(ref);
  if (registration === undefined || registration.usedAt !== undefined) return undefined;
  if (registration.expiresAt <= now || registration.idn === undefined) return undefined;
  return registration.approval?.ra?.serial === raSerial ? registration : undefined;
}

/** Whether the RA client is still active (the operator's own RA always is). */
function activeClient(db: CaDatabase, raSerial: string | undefined, now: number): boolean {
  if (raSerial === undefined) return true;
  const client = db.raClient(raSerial);
  return client !== undefined && client.revokedAt === undefined && client.notAfter >= now;
}

/** The registered holder's certificates valid now. */
export function holderCertificatesFor(
  db: CaDatabase,
  raSerial: string | undefined,
  ref: string,
  now: number,
): HolderOutcome<CertificateAtCa[]> {
  if (!activeClient(db, raSerial, now)) return clientGone;
  const registration = openRegistration(db, raSerial, ref, now);
  if (registration?.idn === undefined) return noRegistration;
  const found = db.holderCertificates(db.holderTag(registration.idn), now);
  return {
    ok: true,
    value: found.map((c) => ({
      serial: c.serial,
      subject: new x509.X509Certificate(new Uint8Array(c.der)).subject,
      notAfter: new Date(c.notAfter).toISOString(),
    })),
  };
}

/**
 * Revokes one of the registered holder's valid certificates, recording the registration, the RA
 * client and the approving teller, in one SQLite transaction with the checks. A certificate that
 * does not exist and another holder's get the same answer: the RA learns nothing of others.
 */
export function revokeForHolder(
  db: CaDatabase,
  raSerial: string | undefined,
  body: unknown,
  now: number,
): HolderOutcome<{ serial: string }> {
  // Checked here, for every caller (the endpoint and the operator's in-process RA alike).
  const parsed = revokeRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: issuesOf(parsed.error) };
  const request = parsed.data;
  return db.atomically((): HolderOutcome<{ serial: string }> => {
    if (!activeClient(db, raSerial, now)) return clientGone;
    const registration = openRegistration(db, raSerial, request.ref, now);
    if (registration?.idn === undefined) return noRegistration;
    const record = db.certificate(request.serial);
    if (record === undefined || record.holder !== db.holderTag(registration.idn))
      return { ok: false, status: 403, error: 'not a certificate of the registered holder' };
    if (record.status !== 'issued' || record.notAfter <= now)
      return { ok: false, status: 409, error: 'the certificate is already revoked or expired' };
    db.revoke(record.serial, raRevocationReasons[request.reason], now);
    db.recordRaRevocation({
      serial: record.serial,
      ref: request.ref,
      raSerial,
      approvedBy: registration.approval?.approvedBy,
      revokedAt: now,
    });
    if (request.then === 'end') {
      db.markUsed(request.ref, now);
      db.forgetIdn(request.ref);
    }
    return { ok: true, value: { serial: record.serial } };
  });
}

/** How the CA settles what a close finds open. */
export interface CloseOptions {
  /**
   * `ca.transactionTimeoutMs`: an enrolment awaiting its certConf longer than this is overdue
   * (confirm.ts expireTransactions) and is voided, whatever the close names. Default: the
   * configuration's default.
   */
  readonly transactionTimeoutMs?: number;
}

/**
 * Closes a registration of this RA client when its visit ends (issue 14 item 3): spent, and its
 * IDN forgotten now rather than at expiry, so a leftover reference lists and revokes nothing. An
 * enrolment still awaiting its certConf under the reference is settled first, as the certConf
 * would have: confirmed if `confirm` names it and the hash is its DER's (a kiosk that stored it
 * completely, then lost the authorization code in a crash) and its transaction is not overdue,
 * else voided as an expired one is (revoked, rejected), the registration not reopened. Answers
 * every certificate enrolled under the reference with its status after the close. Idempotent:
 * closing a spent one forgets what may remain and says the same.
 */
export function closeRegistration(
  db: CaDatabase,
  raSerial: string | undefined,
  body: unknown,
  now: number,
  options: CloseOptions = {},
): HolderOutcome<RegistrationClosed> {
  const parsed = closeRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: issuesOf(parsed.error) };
  const { ref, confirm } = parsed.data;
  // RFC 4210 §5.3.18: the CA does not wait for ever. expireTransactions runs only when a CMP
  // request or a CRL comes, so an overdue transaction may still be open here: a close confirms
  // only what a certConf still could, not what depends on whether another request came first.
  const overdueBefore = now - (options.transactionTimeoutMs ?? defaultTransactionTimeoutMs);
  return db.atomically((): HolderOutcome<RegistrationClosed> => {
    if (!activeClient(db, raSerial, now)) return clientGone;
    const registration = db.registration(ref);
    if (registration === undefined || registration.approval?.ra?.serial !== raSerial)
      return noRegistration;
    for (const certificate of db.enrolmentsUnder(ref, maxCertificatesPerRef)) {
      const transaction = db.transactionFor(certificate.serial);
      if (transaction?.kind !== 'enrol' || transaction.ref !== ref) continue;
      if (!db.closeTransaction(transaction.id)) continue;
      const confirmed =
        transaction.createdAt >= overdueBefore &&
        confirm?.serial === certificate.serial &&
        createHash('sha256').update(certificate.der).digest('hex') === confirm.certHash;
      // Not voided when it fails: revoked before its confirmation, it stays so, as after a
      // certConf (confirm.ts).
      if (confirmed) acceptCertificate(db, transaction, certificate, now);
      // Not discard: that reopens the registration, which is being spent.
      else voidCertificate(db, certificate.serial, now);
    }
    db.markUsed(ref, now);
    db.forgetIdn(ref);
    const certificates = db
      .enrolmentsUnder(ref, maxCertificatesPerRef)
      .map((c) => ({ serial: c.serial, status: c.status }));
    return { ok: true, value: { ref, certificates } };
  });
}
