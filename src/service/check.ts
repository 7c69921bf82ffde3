import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { checkCertificate, selectCertificate } from '../certificates/check.js';
import { checkOnToken } from '../certificates/checkOnToken.js';
import { ocspStatus, type RevocationStatus } from '../certificates/revocation.js';
import type { CaTrust } from '../cmp/trust.js';
import {
  CertificateRevokedError,
  KeyMismatchError,
  VidMismatchError,
  WrongPasswordError,
  type KioskError,
} from '../errors/index.js';
import type { KeyFileFormat } from '../npki/signPriKey.js';
import { parseCertificate } from '../npki/certificate.js';
import {
  mediumSpec,
  npkiMediumOf,
  secretFor,
  type KeySecret,
  type Medium,
  type ServiceContext,
} from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

export interface CheckRequest extends OperationControl {
  readonly medium: Medium;
  /** The key file's password (folder, drive) or the token's user PIN. */
  readonly secret: KeySecret;
  /** With the holder's IDN, the VID is checked too. */
  readonly idn?: string;
  readonly serial?: string;
  /** With the CA's certificates, its OCSP responder is asked too (issue 11 item 10). */
  readonly caTrust?: CaTrust;
}

interface CheckCommon {
  readonly storage: string;
  readonly serial: string;
  /** Null: that check could not run (a wrong password opens nothing). */
  readonly keyMatchesCert: boolean | null;
  /** Null without an IDN. */
  readonly vidOk: boolean | null;
  readonly revocation?: RevocationStatus;
}

/** What a check found: a report, also when something failed (checkFailure says what). */
export type CheckReport =
  | (CheckCommon & {
      readonly kind: 'files';
      readonly passwordOk: boolean;
      readonly keyFormat: KeyFileFormat | null;
      readonly iterations: number | null;
      readonly hasRandomNum: boolean | null;
    })
  | (CheckCommon & {
      readonly kind: 'token';
      /** A wrong PIN is WrongPinError, not a report. */
      readonly passwordOk: true;
      readonly id: string;
      readonly hasRandomNum: boolean;
    });

/**
 * Checks a certificate on any medium: the password or PIN opens the key, the key matches the
 * certificate (on a token by a signature made there), the VID with an IDN, the revocation status
 * with the CA's certificates. Damaged files and a wrong PIN throw; the rest is reported.
 * Progress: prepare (the medium opened), verify (the checks, OCSP last); it changes nothing, so
 * a cancellation at any point just stops it.
 */
export function check(ctx: ServiceContext, request: CheckRequest): Promise<CheckReport> {
  return tracked(request, plans.check, (step) => checkTracked(ctx, request, step), false);
}

async function checkTracked(
  ctx: ServiceContext,
  request: CheckRequest,
  step: (step: 'prepare' | 'verify') => void,
): Promise<CheckReport> {
  const { medium } = request;
  step('prepare');
  const secret = secretFor(medium, request.secret);
  const options = {
    ...(request.idn === undefined ? {} : { idn: request.idn }),
    ...(request.serial === undefined ? {} : { serial: request.serial }),
  };
  let report: CheckReport;
  let certificate: Uint8Array;
  if (medium.kind === 'token') {
    const { certificate: der, ...result } = await ctx.devices.withTokenDriver(
      medium.label,
      medium.module,
      (driver) => {
        step('verify');
        return checkOnToken(driver, { label: medium.label }, secret, ctx.config, options);
      },
    );
    certificate = der;
    report = { kind: 'token', storage: mediumSpec(medium), ...result };
  } else {
    const store = npkiMediumOf(ctx, medium);
    const stored = await selectCertificate(store, request.serial);
    certificate = stored.certificate;
    step('verify');
    const result = await checkCertificate(store, stored, secret, request.idn);
    report = { kind: 'files', storage: store.spec, ...result };
  }
  if (request.caTrust === undefined) return report;
  request.signal?.throwIfAborted();
  return {
    ...report,
    revocation: await revocationOf(certificate, request.caTrust, request.signal),
  };
}

/** The typed error a report amounts to (printed after the report), or undefined if all passed. */
export function checkFailure(report: CheckReport): KioskError | undefined {
  if (!report.passwordOk) return new WrongPasswordError();
  if (report.keyMatchesCert === false) return new KeyMismatchError();
  if (report.vidOk === false) return new VidMismatchError();
  if (report.revocation?.status === 'revoked') return new CertificateRevokedError(report.serial);
  return undefined;
}

/** The OCSP answer for a certificate, from its issuer among the trusted CA certificates. */
async function revocationOf(
  certificateDer: Uint8Array,
  trust: CaTrust,
  signal: AbortSignal | undefined,
): Promise<RevocationStatus> {
  const certificate = parseCertificate(certificateDer);
  const issuerName = Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.issuer));
  const issuer = trust.anchors.find((a) =>
    issuerName.equals(
      Buffer.from(
        AsnConvert.serialize(AsnConvert.parse(a.rawData, Certificate).tbsCertificate.subject),
      ),
    ),
  );
  if (issuer === undefined)
    return { status: 'unchecked', why: 'the bundle holds no certificate of the issuer' };
  return ocspStatus(certificate, issuer, signal === undefined ? {} : { signal });
}
