// Certificate requests and their answers: ir/cr under a registration (→ ip/cp) and kur signed with
// the certificate it renews (→ kup), from the checks of the request (one request, POP, key, R, the
// renewal window) to the certificate response, recorded in one database transaction whose
// conflicts (a race lost to a concurrent request) become refusals.
import { createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificatePolicies, SubjectAlternativeName } from '@peculiar/asn1-x509';
import {
  CertOrEncCert,
  CertRepMessage,
  CertResponse,
  CertifiedKeyPair,
  PkiBody,
} from '../cmp/asn1/pkiMessage.js';
import {
  popVerifies,
  receivedCertRequests,
  type ReceivedCertRequest,
} from '../cmp/certRequests.js';
import type { DecodedMessage } from '../cmp/message.js';
import type { Protector } from '../cmp/protection.js';
import {
  defaultRandomNumRegInfoType,
  openRandomNumRegInfo,
  RandomNumTransportError,
} from '../cmp/randomNumTransport.js';
import { pkiStatus, statusInfo } from '../cmp/status.js';
import type { x509 } from '../shared/x509.js';
import { issuingPolicyOid } from '../npki/policies.js';
import { computeVid, identifyDataGeneralName } from '../npki/vid.js';
import { authoriseByRegistration, signerCertificate } from './authorisation.js';
import { discard } from './confirm.js';
import type { CertificateRecord } from './database.js';
import { commonNameFor, issueEndEntity, subjectAltNameOf } from './profile.js';
import { hexSerial, transactionKey } from './recordKeys.js';
import { Refusal } from './refusal.js';
import type { ResponderContext } from './responderContext.js';

/** The configuration's default (src/config/schema.ts), for a responder made without one. */
const defaultRenewalWindowDays = 30;
const dayMs = 86_400_000;

/** ir/cr → ip/cp: a first certificate under a registration, protected by its PBM. */
export async function enrol(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  source: string | undefined,
): Promise<Buffer> {
  const now = ctx.now().getTime();
  const { ref, secret, registration } = await authoriseByRegistration(ctx, decoded, now, source);
  if (registration.usedAt !== undefined)
    throw new Refusal(['badRequest'], 'the reference number was already used', secret);
  const request = singleRequest(decoded, secret);
  const publicKey = checkedPublicKey(request, secret);
  const r = randomNum(ctx, request, secret);
  // A personal certificate identifies its holder by the VID (DESIGN §4.2); a request without R
  // would get one that does not (item 4). Standard clients register without that need.
  if (registration.vidRequired && (r === undefined || registration.idn === undefined))
    throw new Refusal(
      ['badRequest'],
      r === undefined
        ? 'R (the VID random number, regInfo randomNum) is missing: this registration requires a VID'
        : 'the registration no longer holds the IDN for the VID',
      secret,
    );
  const subjectAltName =
    r !== undefined && registration.idn !== undefined
      ? AsnConvert.serialize(
          new SubjectAlternativeName([
            identifyDataGeneralName(registration.name, computeVid(registration.idn, r)),
          ]),
        )
      : undefined;
  r?.fill(0);
  const certificate = await issueEndEntity(ctx.ca, {
    publicKey,
    commonName: commonNameFor(registration.name),
    policyOid: policyOid(ctx, registration.profile),
    ...(subjectAltName === undefined ? {} : { subjectAltName: new Uint8Array(subjectAltName) }),
    ...locations(ctx),
    now: new Date(now),
  });
  const body = decoded.bodyType === 'cr' ? 'cp' : 'ip';
  return certificateResponse(ctx, decoded, body, request, certificate, {
    protector: { kind: 'pbm', secret },
    kind: 'enrol',
    ref,
    // A reference number works once: whoever spends it first gets the certificate.
    spendRef: ref,
    holder: registration.idn === undefined ? undefined : ctx.db.holderTag(registration.idn),
  });
}

/** kur → kup: a renewal, signed with the certificate it renews. */
export async function keyUpdate(ctx: ResponderContext, decoded: DecodedMessage): Promise<Buffer> {
  const now = ctx.now().getTime();
  const old = await signerCertificate(ctx, decoded, now);
  const request = singleRequest(decoded, undefined);
  const publicKey = checkedPublicKey(request, undefined);
  const oldKey = new Uint8Array(AsnConvert.serialize(old.asn.tbsCertificate.subjectPublicKeyInfo));
  if (Buffer.from(oldKey).equals(Buffer.from(publicKey)))
    throw new Refusal(['badCertTemplate'], 'key update with the same key');
  checkRenewable(ctx, old.record, now);
  const cn = old.x509.subjectName.getField('CN')[0] ?? 'unknown';
  const san = subjectAltNameOf(old.asn);
  const policy = policyOidOf(old.asn) ?? policyOid(ctx, 'general');
  const certificate = await issueEndEntity(ctx.ca, {
    publicKey,
    commonName: cn,
    policyOid: policy,
    ...(san === undefined ? {} : { subjectAltName: san }),
    ...locations(ctx),
    now: new Date(now),
  });
  return certificateResponse(ctx, decoded, 'kup', request, certificate, {
    protector: ctx.signatureProtector(),
    kind: 'keyUpdate',
    ref: old.record.ref,
    holder: old.record.holder,
    predecessor: old.record.serial,
    signerSerial: old.record.serial,
  });
}

/**
 * What the CA itself requires of a key update (item 3), whatever the client checked: the
 * renewal window (`npki.renewalWindowDays` before expiry) and one renewal per certificate.
 */
function checkRenewable(ctx: ResponderContext, old: CertificateRecord, now: number): void {
  const windowDays = ctx.options.renewalWindowDays ?? defaultRenewalWindowDays;
  if (old.notAfter - now > windowDays * dayMs) {
    const opens = new Date(old.notAfter - windowDays * dayMs).toISOString().slice(0, 10);
    throw new Refusal(
      ['notAuthorized'],
      `renewal opens ${windowDays} days before expiry (on ${opens})`,
    );
  }
  const successor = ctx.db.successorOf(old.serial);
  if (successor === undefined) return;
  // A renewal still awaiting its certConf was abandoned (a token pulled before the rejection
  // could be signed): the new request voids it. A confirmed one stands, and only one does.
  const open = ctx.db.transactionFor(successor);
  if (open === undefined || !ctx.db.closeTransaction(open.id))
    throw new Refusal(['duplicateCertReq'], 'this certificate was already renewed');
  ctx.options.log?.warn({ serial: successor }, 'unconfirmed renewal voided by a new one');
  discard(ctx, open, now);
}

function singleRequest(
  decoded: DecodedMessage,
  secret: Uint8Array | undefined,
): ReceivedCertRequest {
  const requests = receivedCertRequests(decoded);
  const [request, ...more] = requests;
  if (request === undefined || more.length > 0)
    throw new Refusal(['badRequest'], 'exactly one certificate request is served', secret);
  if (!popVerifies(request))
    throw new Refusal(['badPOP'], 'the proof of possession does not verify', secret);
  return request;
}

/** RSA of at least 2048 bits, or EC P-256 (DESIGN §3.3). */
function checkedPublicKey(
  request: ReceivedCertRequest,
  secret: Uint8Array | undefined,
): Uint8Array<ArrayBuffer> {
  const spki = request.message.certReq.certTemplate.publicKey;
  if (spki === undefined)
    throw new Refusal(['badCertTemplate'], 'the template has no public key', secret);
  const der = new Uint8Array(AsnConvert.serialize(spki));
  const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails;
  const ok =
    (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) ||
    (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1');
  if (!ok) throw new Refusal(['badAlg'], 'keys must be RSA 2048 or more, or EC P-256', secret);
  return der;
}

function randomNum(
  ctx: ResponderContext,
  request: ReceivedCertRequest,
  secret: Uint8Array,
): Buffer | undefined {
  const type = ctx.options.randomNumRegInfoType ?? defaultRandomNumRegInfoType;
  const entry = request.message.regInfo?.find((e) => e.type === type);
  if (entry === undefined) return undefined;
  try {
    return openRandomNumRegInfo(entry, ctx.ca.raEncryption.privateKey);
  } catch (error) {
    if (error instanceof RandomNumTransportError)
      throw new Refusal(['badDataFormat'], `R: ${error.message}`, secret);
    throw error;
  }
}

/** CRL distribution point and OCSP responder, as far as configured. */
function locations(ctx: ResponderContext): { crlUrl?: string; ocspUrl?: string } {
  const { crlUrl, ocspUrl } = ctx.options;
  return {
    ...(crlUrl === undefined ? {} : { crlUrl }),
    ...(ocspUrl === undefined ? {} : { ocspUrl }),
  };
}

function policyOid(ctx: ResponderContext, profile: 'restricted' | 'general'): string {
  return issuingPolicyOid(ctx.ca.caName, profile);
}

async function certificateResponse(
  ctx: ResponderContext,
  decoded: DecodedMessage,
  body: 'ip' | 'cp' | 'kup',
  request: ReceivedCertRequest,
  certificate: x509.X509Certificate,
  issue: {
    readonly protector: Protector;
    readonly kind: 'enrol' | 'keyUpdate';
    readonly ref: string | undefined;
    readonly spendRef?: string;
    readonly holder: string | undefined;
    readonly predecessor?: string;
    readonly signerSerial?: string;
  },
): Promise<Buffer> {
  const rep = new CertRepMessage({
    response: [
      new CertResponse({
        certReqId: request.message.certReq.certReqId,
        status: statusInfo(pkiStatus.accepted),
        certifiedKeyPair: new CertifiedKeyPair({
          certOrEncCert: new CertOrEncCert({
            certificate: AsnConvert.parse(certificate.rawData, Certificate),
          }),
        }),
      }),
    ],
  });
  const header = ctx.responseHeader(decoded);
  const now = ctx.now().getTime();
  const serial = serialOf(certificate);
  const secret = issue.protector.kind === 'pbm' ? issue.protector.secret : undefined;
  const conflict = ctx.db.recordIssued(
    {
      serial,
      ref: issue.ref,
      der: new Uint8Array(certificate.rawData),
      notAfter: certificate.notAfter.getTime(),
      holder: issue.holder,
      predecessor: issue.predecessor,
    },
    {
      id: transactionKey(decoded.message.header.transactionID),
      kind: issue.kind,
      ref: issue.ref,
      protection: issue.protector.kind,
      certSerial: serial,
      signerSerial: issue.signerSerial,
      senderNonce: Buffer.from(header.senderNonce ?? new ArrayBuffer(0)),
      createdAt: now,
    },
    now,
    issue.spendRef,
  );
  // The checks made before signing lost a race: the certificate is dropped unsent.
  if (conflict === 'referenceUsed')
    throw new Refusal(['badRequest'], 'the reference number was already used', secret);
  if (conflict === 'predecessorNotValid')
    throw new Refusal(['certRevoked'], 'the certificate to renew is no longer valid', secret);
  if (conflict === 'alreadyRenewed')
    throw new Refusal(['duplicateCertReq'], 'this certificate was already renewed', secret);
  if (conflict === 'transactionIdInUse')
    throw new Refusal(['transactionIdInUse'], 'the transactionID is in use', secret);
  return ctx.send(header, new PkiBody({ [body]: rep }), issue.protector);
}

function serialOf(certificate: x509.X509Certificate): string {
  return hexSerial(Buffer.from(certificate.serialNumber, 'hex'));
}

/** The first certificate policy of a certificate we issued (renewal keeps it). */
function policyOidOf(certificate: Certificate): string | undefined {
  const ext = certificate.tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.32');
  return ext === undefined
    ? undefined
    : AsnConvert.parse(ext.extnValue, CertificatePolicies)[0]?.policyIdentifier;
}
