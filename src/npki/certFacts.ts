import { CertificatePolicies, type Certificate } from '@peculiar/asn1-x509';
import { displaySafe } from '../text/displaySafe.js';
import { oid } from './asn1/oids.js';
import { dnAttributes, dnValue, serialHex } from './certificate.js';
import { parseDer } from './der.js';
import { caFolderFor } from './layout.js';
import { policyInfo, type PolicyInfo } from './policies.js';
import { readIdentifyData } from './vid.js';

/** Where a certificate stands in its life, as a visitor would ask. */
export type Validity = 'notYetValid' | 'valid' | 'expired';

/** The facts about a certificate a visitor or teller is shown (all text display-safe). */
export interface CertificateFacts {
  /** NPKI CA folder name: yessign, KICA, … */
  readonly ca: string;
  readonly issuerName: string;
  /** Subject DN, leaf first, as in the NPKI folder name. */
  readonly subject: string;
  /** The subject's common name. */
  readonly name: string;
  /** identifyData realName, when the certificate has one. */
  readonly realName?: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly validity: Validity;
  /** Whole days until notAfter, rounded down; negative once expired. */
  readonly daysLeft: number;
  /** Whether renewal (CMP kur) is open: within the window before notAfter and not expired. */
  readonly renewalOpen: boolean;
  readonly policy: PolicyInfo | undefined;
}

const dayMs = 86_400_000;

/** Computes the facts of a certificate at `now`, with a renewal window in days (default 30). */
export function certificateFacts(
  certificate: Certificate,
  now: Date,
  renewalWindowDays: number,
): CertificateFacts {
  const tbs = certificate.tbsCertificate;
  const notBefore = tbs.validity.notBefore.getTime();
  const notAfter = tbs.validity.notAfter.getTime();
  const t = now.getTime();
  const validity: Validity =
    t < notBefore.getTime() ? 'notYetValid' : t > notAfter.getTime() ? 'expired' : 'valid';
  const daysLeft = Math.floor((notAfter.getTime() - t) / dayMs);
  const renewalOpen = validity === 'valid' && notAfter.getTime() - t <= renewalWindowDays * dayMs;
  const identify = readIdentifyData(certificate);
  const subject = dnAttributes(tbs.subject)
    .reverse()
    .map((a) => `${a.key}=${a.value}`)
    .join(',');
  return {
    ca: displaySafe(caFolderFor(certificate)),
    issuerName: displaySafe(dnValue(tbs.issuer, 'cn') ?? dnValue(tbs.issuer, 'o') ?? ''),
    subject: displaySafe(subject),
    name: displaySafe(dnValue(tbs.subject, 'cn') ?? ''),
    ...(identify === undefined ? {} : { realName: displaySafe(identify.realName) }),
    serial: serialHex(certificate),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    validity,
    daysLeft,
    renewalOpen,
    policy: certificatePolicy(certificate),
  };
}

/**
 * The certificate's personal policy: the first policy OID the table knows, else the first one.
 * Undefined when the certificate has no policies extension.
 */
function certificatePolicy(certificate: Certificate): PolicyInfo | undefined {
  const ext = certificate.tbsCertificate.extensions?.find(
    (e) => e.extnID === oid.certificatePolicies,
  );
  if (ext === undefined) return undefined;
  const policies = parseDer(
    new Uint8Array(ext.extnValue.buffer),
    CertificatePolicies,
    'certificate',
    'certificatePolicies',
  ).map((p) => policyInfo(p.policyIdentifier));
  return policies.find((p) => p.usage !== 'unknown') ?? policies[0];
}
