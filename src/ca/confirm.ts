// The end of an issuing transaction: certConf → pkiConf (RFC 4210 §5.3.18), which confirms the
// certificate or refuses it; transactions whose certConf never came, expired; and what a refused
// or expired certificate leaves behind (discard).
import { sameBytes } from '../shared/bytes.js';
import { createHash } from 'node:crypto';
import { PkiBody } from '../cmp/asn1/pkiMessage.js';
import type { DecodedMessage } from '../cmp/message.js';
import { verifyProtection, type Protector } from '../cmp/protection.js';
import { pkiStatus } from '../cmp/status.js';
import { CmpProtectionError } from '../errors/index.js';
import { refuseLockedSource, refuseWhileLocked, trusted } from './authorisation.js';
import type { Logger } from '../log/logger.js';
import type { CaDatabase, CertificateRecord, TransactionRecord } from './database.js';
import { hexSerial, transactionKey } from './recordKeys.js';
import { Refusal } from './refusal.js';
import type { ResponderContext } from './responderContext.js';

/** The configuration's default (src/config/schema.ts), for a responder made without one. */
export const defaultTransactionTimeoutMs = 300_000;
/** RFC 5280 §5.3.1 CRLReason values used here. */
const reasonUnspecified = 0;
const reasonSuperseded = 4;

/**
 * Voids every certificate whose transaction waited longer than `ca.transactionTimeoutMs` for
 * its certConf (RFC 4210 §5.3.18: the CA need not wait for ever): revoked, and for an
 * enrolment the reference reopened as after a rejection. Called on every request and before a
 * CRL is served, so the CRL lists them without a timer.
 */
export function expireTransactions(ctx: ResponderContext): void {
  const now = ctx.now().getTime();
  const timeout = ctx.options.transactionTimeoutMs ?? defaultTransactionTimeoutMs;
  for (const transaction of ctx.db.transactionsOpenedBefore(now - timeout)) {
    ctx.options.log?.warn(
      { serial: transaction.certSerial, kind: transaction.kind },
      'certificate never confirmed: transaction expired, certificate revoked',
    );
    if (ctx.db.closeTransaction(transaction.id)) discard(ctx, transaction, now);
  }
}

/**
 * A certificate the client refused or never confirmed (its transaction closed by the caller):
 * revoked, never usable. Only what its own
 * transaction spent comes back (item 2): an enrolment's reference, within the refusal limit; a
 * key update spent no reference (its record names the original enrolment's, which stays used),
 * and its certificate may be renewed again since the refused renewal no longer counts.
 */
export function discard(ctx: ResponderContext, transaction: TransactionRecord, now: number): void {
  voidCertificate(ctx.db, transaction.certSerial, now);
  if (
    transaction.kind === 'enrol' &&
    transaction.ref !== undefined &&
    !ctx.db.reopen(transaction.ref)
  )
    ctx.options.log?.warn({ ref: transaction.ref }, 'registration not reopened: too many refusals');
}

/**
 * A certificate that will never be confirmed, made unusable: revoked (so on the CRL and OCSP) and
 * marked rejected. What its transaction spent is the caller's to give back (discard) or not.
 */
export function voidCertificate(db: CaDatabase, serial: string, now: number): void {
  db.revoke(serial, reasonUnspecified, now);
  db.setCertificateStatus(serial, 'rejected');
}

/**
 * An accepted certificate confirmed, its transaction closed by the caller: the IDN kept for an
 * enrolment's transaction alone forgotten (item 17), the certificate issued and the one it renews
 * superseded. False, and the certificate left as it is, when it was revoked before this
 * confirmation (an rr signed by its own key): confirming it must not make it trusted again.
 */
export function acceptCertificate(
  db: CaDatabase,
  transaction: TransactionRecord,
  record: CertificateRecord,
  now: number,
  log?: Logger,
): boolean {
  // The transaction is over either way: the IDN was kept for it alone (item 17).
  if (transaction.kind === 'enrol' && transaction.ref !== undefined) db.forgetIdn(transaction.ref);
  if (!db.markIssued(record.serial)) return false;
  // A confirmed renewal supersedes the certificate it renews (RFC 5280 §5.3.1).
  if (record.predecessor !== undefined) {
    db.revoke(record.predecessor, reasonSuperseded, now);
    log?.info({ serial: record.predecessor, by: record.serial }, 'certificate superseded');
  }
  return true;
}

/** certConf → pkiConf: the certificate confirmed (issued) or refused by the client (discarded). */
export async function confirm(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  source: string | undefined,
): Promise<Buffer> {
  const header = decoded.message.header;
  const id = transactionKey(header.transactionID);
  const transaction = ctx.db.transaction(id);
  if (transaction === undefined)
    throw new Refusal(['badRequest'], 'no transaction is waiting for this certConf');
  const secret =
    transaction.protection === 'pbm' && transaction.ref !== undefined
      ? ctx.db.registration(transaction.ref)?.authCode
      : undefined;
  const protector: Protector =
    secret === undefined ? ctx.signatureProtector() : { kind: 'pbm', secret };
  const now = ctx.now().getTime();
  const ref = secret === undefined ? undefined : transaction.ref;
  // A certConf MAC costs a PBM computation too: it is bounded and throttled like the request.
  if (ref !== undefined) {
    refuseWhileLocked(ctx.db.lockout(ref)?.lockedUntil ?? 0, now);
    refuseLockedSource(ctx, source, now);
  }
  // A certConf is protected by the credential of the transaction it confirms (item 2): the
  // same reference's code, or the very certificate that signed the kur, not any we issued.
  let signer: string | undefined;
  try {
    await verifyProtection(
      decoded,
      secret === undefined
        ? {
            trust: async (c) => {
              signer = hexSerial(new Uint8Array(c.tbsCertificate.serialNumber));
              // Valid when the kur was accepted: a renewal made in the old certificate's last
              // minute can still be confirmed after it (the attack review, defect 7).
              return (
                signer === transaction.signerSerial &&
                (await trusted(ctx, c, Math.min(now, transaction.createdAt)))
              );
            },
          }
        : { secret, maxPbmIterations: ctx.pbmMaxIterations },
    );
  } catch (error) {
    if (!(error instanceof CmpProtectionError)) throw error;
    if (ref !== undefined) {
      ctx.db.recordFailure(ref, now, ctx.lockout);
      if (source !== undefined) ctx.sources.recordFailure(source, now, ctx.lockout);
    }
    if (signer !== undefined && signer !== transaction.signerSerial)
      throw new Refusal(['notAuthorized'], 'the certConf is not signed by the requester');
    throw new Refusal(['badMessageCheck'], error.message, secret);
  }
  if (!sameBytes(header.recipNonce, transaction.senderNonce)) {
    throw new Refusal(['badRecipientNonce'], 'recipNonce is not the nonce of our response', secret);
  }
  const record = ctx.db.certificate(transaction.certSerial);
  const status = decoded.message.body.certConf?.[0];
  if (record === undefined || status === undefined)
    throw new Refusal(['badRequest'], 'certConf without a CertStatus', secret);
  const hash = createHash('sha256').update(record.der).digest();
  if (!sameBytes(status.certHash, hash))
    throw new Refusal(['badCertId'], 'certHash is not that of the certificate issued', secret);
  // Two certConfs for one transaction may both have passed the checks above while their
  // protection was verified: the one that closes the transaction decides (item 19).
  if (!ctx.db.closeTransaction(id))
    throw new Refusal(['badRequest'], 'no transaction is waiting for this certConf', secret);
  if (status.statusInfo !== undefined && status.statusInfo.status !== pkiStatus.accepted) {
    // The client refused the certificate: it must never be usable.
    ctx.options.log?.warn({ serial: record.serial }, 'certificate rejected by the client');
    discard(ctx, transaction, now);
  } else if (!acceptCertificate(ctx.db, transaction, record, now, ctx.options.log)) {
    throw new Refusal(
      ['certRevoked'],
      'the certificate was revoked before it was confirmed',
      secret,
    );
  }
  return ctx.respond(decoded, new PkiBody({ pkiconf: null }), protector);
}
