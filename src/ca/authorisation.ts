// Who may ask the CA for something, shared by the handlers of every message type: a PBM under a
// registration's authorization code, with locks per reference number and per client address
// (issue 11 item 5), or a signature by a certificate this CA issued.
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { DecodedMessage } from '../cmp/message.js';
import { verifyProtection } from '../cmp/protection.js';
import { CmpProtectionError } from '../errors/index.js';
import { nodeCrypto, x509 } from '../shared/x509.js';
import { referencePattern } from './database.js';
import { hexSerial } from './recordKeys.js';
import { Refusal } from './refusal.js';
import type { ResponderContext } from './responderContext.js';

/** The one answer to a PBM that does not verify, whether or not the reference exists (item 5). */
const wrongCodeText = 'wrong authorization code, or the message was altered';

/** Refuses, unread, a request for a reference that is locked until `lockedUntil`. */
export function refuseWhileLocked(lockedUntil: number, now: number): void {
  if (lockedUntil <= now) return;
  const seconds = Math.ceil((lockedUntil - now) / 1000);
  throw new Refusal(['badMessageCheck'], `too many failed attempts; try again in ${seconds} s`);
}

/** Checks the PBM of a request against the registration its senderKID names, with rate limiting. */
export async function authoriseByRegistration(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  now: number,
  source: string | undefined,
) {
  const kid = decoded.message.header.senderKID;
  if (kid === undefined)
    throw new Refusal(['badRequest'], 'senderKID (the reference number) is missing');
  const ref = Buffer.from(kid).toString('utf8');
  refuseLockedSource(ctx, source, now);
  const lockout = ctx.lockout;
  // Not a reference number the CA could have made (database.ts, register): the answer to a
  // wrong code, counted against the address only; nothing is stored under a client's string.
  if (!referencePattern.test(ref)) {
    if (source !== undefined) ctx.sources.recordFailure(source, now, lockout);
    throw new Refusal(['badMessageCheck'], wrongCodeText);
  }
  const registration = ctx.db.registration(ref);
  // An unknown reference is answered exactly as a known one with a wrong code, after the same
  // PBM computation against a decoy secret, and locks the same way: the answers must not
  // reveal which references are live.
  refuseWhileLocked(ctx.db.lockout(ref)?.lockedUntil ?? 0, now);
  try {
    await verifyProtection(decoded, {
      secret: registration?.authCode ?? ctx.decoySecret,
      maxPbmIterations: ctx.pbmMaxIterations,
    });
    if (registration === undefined) throw new CmpProtectionError('unknown reference');
  } catch (error) {
    if (!(error instanceof CmpProtectionError)) throw error;
    ctx.db.recordFailure(ref, now, lockout);
    if (source !== undefined) ctx.sources.recordFailure(source, now, lockout);
    throw new Refusal(['badMessageCheck'], wrongCodeText);
  }
  const secret = registration.authCode;
  if (now > registration.expiresAt)
    throw new Refusal(['badTime'], 'the registration has expired', secret);
  return { ref, secret, registration };
}

/** A client address past its free failures waits as a reference does (item 5). */
export function refuseLockedSource(
  ctx: ResponderContext,
  source: string | undefined,
  now: number,
): void {
  if (source !== undefined) refuseWhileLocked(ctx.sources.lockedUntil(source), now);
}

/** The certificate that signed a kur/rr (or certConf): ours, valid, not revoked. */
export async function signerCertificate(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  now: number,
  allowAnyStatus = false,
) {
  let signer: Certificate | undefined;
  try {
    await verifyProtection(decoded, {
      trust: async (c) => {
        signer = c;
        return trusted(ctx, c, now, allowAnyStatus);
      },
    });
  } catch (error) {
    if (error instanceof CmpProtectionError) throw new Refusal(['signerNotTrusted'], error.message);
    throw error;
  }
  if (signer === undefined) throw new Refusal(['signerNotTrusted'], 'no signer certificate');
  const der = new Uint8Array(AsnConvert.serialize(signer));
  const record = ctx.db.certificate(hexSerial(new Uint8Array(signer.tbsCertificate.serialNumber)));
  if (record === undefined)
    throw new Refusal(['signerNotTrusted'], 'the signer certificate was not issued here');
  return { asn: signer, x509: new x509.X509Certificate(der), record };
}

/** Whether a certificate was issued by this CA, is recorded as issued and is within validity. */
export async function trusted(
  ctx: ResponderContext,
  certificate: Certificate,
  now: number,
  allowAnyStatus = false,
): Promise<boolean> {
  const cert = new x509.X509Certificate(new Uint8Array(AsnConvert.serialize(certificate)));
  const ok = await cert.verify(
    { publicKey: ctx.ca.issuing.certificate.publicKey, signatureOnly: true },
    nodeCrypto,
  );
  if (!ok) return false;
  const record = ctx.db.certificate(
    hexSerial(new Uint8Array(certificate.tbsCertificate.serialNumber)),
  );
  if (record === undefined || record.notAfter < now) return false;
  return allowAnyStatus ? record.status !== 'rejected' : record.status === 'issued';
}
