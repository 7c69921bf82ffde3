// Revocation requests: rr → rp (RFC 4210 §5.3.9), by the certificate's own signature or under a
// registration of the same holder, with the reasons a holder may give (RFC 5280 §5.3.1).
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLReason } from '@peculiar/asn1-x509';
import { PkiBody, RevRepContent } from '../cmp/asn1/pkiMessage.js';
import type { DecodedMessage } from '../cmp/message.js';
import type { Protector } from '../cmp/protection.js';
import { pkiStatus, statusInfo } from '../cmp/status.js';
import { x509 } from '../shared/x509.js';
import { authoriseByRegistration, signerCertificate } from './authorisation.js';
import { hexSerial } from './recordKeys.js';
import { Refusal } from './refusal.js';
import type { ResponderContext } from './responderContext.js';

/** What a holder may give as the reason: unspecified, keyCompromise, affiliationChanged,
 * superseded, cessationOfOperation, privilegeWithdrawn. */
const holderReasons = new Set([0, 1, 3, 4, 5, 9]);

/** rr → rp: one certificate revoked, for its holder only. */
export async function revoke(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  source: string | undefined,
): Promise<Buffer> {
  const now = ctx.now().getTime();
  const details = decoded.message.body.rr ?? [];
  const [detail, ...more] = details;
  if (detail === undefined || more.length > 0)
    throw new Refusal(['badRequest'], 'exactly one certificate per revocation request');
  const reasonExt = detail.crlEntryDetails?.find((e) => e.extnID === '2.5.29.21');
  let reason = 0;
  try {
    if (reasonExt !== undefined) reason = AsnConvert.parse(reasonExt.extnValue, CRLReason).reason;
  } catch {
    throw new Refusal(['badDataFormat'], 'the revocation reason does not parse');
  }
  // A revocation here is final: no certificateHold (nor removeFromCRL, which only undoes one),
  // and no CA compromise claimed by an end entity (RFC 5280 §5.3.1).
  if (!holderReasons.has(reason))
    throw new Refusal(['badRequest'], `revocation reason ${String(reason)} is not accepted`);
  const serialBytes = detail.certDetails.serialNumber;
  if (serialBytes === undefined)
    throw new Refusal(['badCertId'], 'the serial number to revoke is missing');
  // RFC 5280 §4.1.2.2: serials are at most 20 octets (one more for a sign byte); anything
  // longer was not issued here and is not echoed back.
  if (serialBytes.byteLength > 21)
    throw new Refusal(['badCertId'], 'the serial number to revoke was not issued here');
  const serial = hexSerial(new Uint8Array(serialBytes));
  const record = ctx.db.certificate(serial);
  if (record === undefined)
    throw new Refusal(['badCertId'], 'the serial number to revoke was not issued here');
  let protector: Protector;
  if (decoded.message.header.protectionAlg?.algorithm === '1.2.840.113533.7.66.13') {
    const { ref, secret, registration } = await authoriseByRegistration(ctx, decoded, now, source);
    const cn =
      new x509.X509Certificate(new Uint8Array(record.der)).subjectName.getField('CN')[0] ?? '';
    // The same name is not the same person (two 홍길동): the registration's IDN must be the
    // one the certificate was issued for. A certificate with no recorded holder is revoked by
    // its own signature only.
    const sameHolder =
      registration.idn !== undefined &&
      record.holder !== undefined &&
      ctx.db.holderTag(registration.idn) === record.holder;
    if (!cn.startsWith(`${registration.name}(`) || !sameHolder)
      throw new Refusal(['notAuthorized'], 'the registration is for another holder', secret);
    if (!ctx.db.markUsed(ref, now))
      throw new Refusal(['badRequest'], 'the reference number was already used', secret);
    // The IDN was kept for this one check (item 17).
    ctx.db.forgetIdn(ref);
    protector = { kind: 'pbm', secret };
  } else {
    const signer = await signerCertificate(ctx, decoded, now, true);
    if (signer.record.serial !== serial)
      throw new Refusal(['notAuthorized'], 'only the holder may revoke a certificate by signature');
    protector = ctx.signatureProtector();
  }
  ctx.db.revoke(serial, reason, now);
  ctx.options.log?.info({ serial, reason }, 'certificate revoked');
  return ctx.respond(
    decoded,
    new PkiBody({ rp: new RevRepContent({ status: [statusInfo(pkiStatus.accepted)] }) }),
    protector,
  );
}
