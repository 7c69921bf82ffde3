import { CertificatePolicies, type Certificate } from '@peculiar/asn1-x509';
import { displaySafe } from '../text/displaySafe.js';
import { oid } from './asn1/oids.js';
import { dnValue, findExtension, serialHex, subjectDn } from './certificate.js';
import { parseDer } from '../shared/der.js';
import { npkiDer } from './der.js';
import { caFolderFor } from './layout.js';
import type { VisitorMessage } from '../errors/index.js';
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
  /** `validity` in words, with the date or days left. */
  readonly validityLabel: VisitorMessage;
  /** Whole days until notAfter, rounded down; negative once expired. */
  readonly daysLeft: number;
  /** Whether renewal (CMP kur) is open: within the window before notAfter and not expired. */
  readonly renewalOpen: boolean;
  /** Whether and until when renewal is possible, in words. */
  readonly renewalLabel: VisitorMessage;
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
  return {
    ca: displaySafe(caFolderFor(certificate)),
    issuerName: displaySafe(dnValue(tbs.issuer, 'cn') ?? dnValue(tbs.issuer, 'o') ?? ''),
    subject: displaySafe(subjectDn(tbs.subject)),
    name: displaySafe(dnValue(tbs.subject, 'cn') ?? ''),
    ...(identify === undefined ? {} : { realName: displaySafe(identify.realName) }),
    serial: serialHex(certificate),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    validity,
    validityLabel: validityLabel(validity, notBefore, notAfter, daysLeft),
    daysLeft,
    renewalOpen,
    renewalLabel: renewalOpen
      ? { ko: '지금 갱신할 수 있습니다', en: 'Renewal is open now' }
      : validity === 'expired'
        ? {
            ko: '만료되어 갱신할 수 없습니다 (재발급 필요)',
            en: 'Expired: cannot be renewed (reissue instead)',
          }
        : {
            ko: `만료 ${renewalWindowDays}일 전부터 갱신할 수 있습니다`,
            en: `Renewal opens ${renewalWindowDays} days before expiry`,
          },
    policy: certificatePolicy(certificate),
  };
}

/**
 * The certificate's personal policy: the first policy OID the table knows, else the first one.
 * Undefined when the certificate has no policies extension.
 */
function certificatePolicy(certificate: Certificate): PolicyInfo | undefined {
  const ext = findExtension(certificate, oid.certificatePolicies);
  if (ext === undefined) return undefined;
  const policies = parseDer(
    new Uint8Array(ext.extnValue.buffer),
    CertificatePolicies,
    npkiDer('certificate'),
    'certificatePolicies',
  ).map((p) => policyInfo(p.policyIdentifier));
  return policies.find((p) => p.usage !== 'unknown') ?? policies[0];
}

function validityLabel(
  validity: Validity,
  notBefore: Date,
  notAfter: Date,
  daysLeft: number,
): VisitorMessage {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  switch (validity) {
    case 'notYetValid':
      return {
        ko: `유효 기간 전 (${day(notBefore)}부터)`,
        en: `Not yet valid (from ${day(notBefore)})`,
      };
    case 'expired':
      return { ko: `만료됨 (${day(notAfter)})`, en: `Expired (${day(notAfter)})` };
    case 'valid':
      return { ko: `유효 (${daysLeft}일 남음)`, en: `Valid (${daysLeft} days left)` };
  }
}
