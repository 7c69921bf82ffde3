import type { VisitorMessage } from '../errors/index.js';

/** What a certificate policy lets the holder use the certificate for (DESIGN §4.4). */
export type Usage = 'general' | 'restricted' | 'unknown';

/** The sector a restricted certificate is limited to, where the CA's policy names one. */
export type Sector = 'bankInsurance' | 'banking' | 'unspecified';

export interface PolicyInfo {
  readonly oid: string;
  /** The CA folder name of the CA that defines the policy. */
  readonly ca: string | undefined;
  readonly usage: Usage;
  readonly sector?: Sector;
  readonly label: VisitorMessage;
}

const general: VisitorMessage = { ko: '범용', en: 'General-purpose' };
const bankInsurance: VisitorMessage = { ko: '은행·보험용', en: 'Restricted: bank/insurance' };
const banking: VisitorMessage = { ko: '은행용', en: 'Restricted: banking' };
const restricted: VisitorMessage = { ko: '용도제한용', en: 'Restricted use' };

/**
 * Personal certificate policies of the accredited CAs. Advisory: public tables disagree on a few
 * labels (DESIGN §4.4), so SignKorea's and TradeSign's restricted policies say only "restricted".
 */
const table: readonly PolicyInfo[] = [
  { oid: '1.2.410.200005.1.1.1', ca: 'yessign', usage: 'general', label: general },
  {
    oid: '1.2.410.200005.1.1.4',
    ca: 'yessign',
    usage: 'restricted',
    sector: 'bankInsurance',
    label: bankInsurance,
  },
  { oid: '1.2.410.200004.5.2.1.2', ca: 'KICA', usage: 'general', label: general },
  {
    oid: '1.2.410.200004.5.2.1.7.1',
    ca: 'KICA',
    usage: 'restricted',
    sector: 'bankInsurance',
    label: bankInsurance,
  },
  { oid: '1.2.410.200004.5.1.1.5', ca: 'SignKorea', usage: 'general', label: general },
  {
    oid: '1.2.410.200004.5.1.1.9',
    ca: 'SignKorea',
    usage: 'restricted',
    sector: 'unspecified',
    label: restricted,
  },
  { oid: '1.2.410.200004.5.4.1.1', ca: 'CrossCert', usage: 'general', label: general },
  {
    oid: '1.2.410.200004.5.4.1.101',
    ca: 'CrossCert',
    usage: 'restricted',
    sector: 'banking',
    label: banking,
  },
  { oid: '1.2.410.200012.1.1.1', ca: 'TradeSign', usage: 'general', label: general },
  {
    oid: '1.2.410.200012.1.1.101',
    ca: 'TradeSign',
    usage: 'restricted',
    sector: 'unspecified',
    label: restricted,
  },
];

/** What a policy OID means for the holder; `unknown` for OIDs outside the table. */
export function policyInfo(policyOid: string): PolicyInfo {
  return (
    table.find((p) => p.oid === policyOid) ?? {
      oid: policyOid,
      ca: undefined,
      usage: 'unknown',
      label: { ko: `알 수 없는 정책 (${policyOid})`, en: `Unknown policy (${policyOid})` },
    }
  );
}

/** The policy OIDs of a CA for the two personal profiles, for the embedded CA's profiles. */
export function policyOidFor(ca: string, usage: Exclude<Usage, 'unknown'>): string | undefined {
  return table.find((p) => p.ca?.toLowerCase() === ca.toLowerCase() && p.usage === usage)?.oid;
}

/**
 * The policy OID the embedded CA issues a profile under: its own CA's when DESIGN §4.4 lists it,
 * else yessign's (a demo CA under another name still issues what Korean clients recognise).
 */
export function issuingPolicyOid(ca: string, usage: Exclude<Usage, 'unknown'>): string {
  return policyOidFor(ca, usage) ?? policyOidFor('yessign', usage) ?? '1.2.410.200005.1.1.1';
}
