import { BitString } from '@peculiar/asn1-schema';
import { PkiFreeText, PkiStatusInfo } from './asn1/pkiMessage.js';
import { displaySafe } from '../text/displaySafe.js';

/** PKIStatus values (RFC 4210 §5.2.3). */
export const pkiStatus = {
  accepted: 0,
  grantedWithMods: 1,
  rejection: 2,
  waiting: 3,
  revocationWarning: 4,
  revocationNotification: 5,
  keyUpdateWarning: 6,
} as const;

/** PKIFailureInfo bit names in bit order (RFC 4210 §5.2.3, RFC 9480). */
export const failureBits = [
  'badAlg',
  'badMessageCheck',
  'badRequest',
  'badTime',
  'badCertId',
  'badDataFormat',
  'wrongAuthority',
  'incorrectData',
  'missingTimeStamp',
  'badPOP',
  'certRevoked',
  'certConfirmed',
  'wrongIntegrity',
  'badRecipientNonce',
  'timeNotAvailable',
  'unacceptedPolicy',
  'unacceptedExtension',
  'addInfoNotAvailable',
  'badSenderNonce',
  'badCertTemplate',
  'signerNotTrusted',
  'transactionIdInUse',
  'unsupportedVersion',
  'notAuthorized',
  'systemUnavail',
  'systemFailure',
  'duplicateCertReq',
] as const;

export type FailureBit = (typeof failureBits)[number];

/** A PKIStatusInfo; failInfo as a DER named-bit BIT STRING (no trailing zero bits). */
export function statusInfo(
  status: number,
  text?: string,
  failures: readonly FailureBit[] = [],
): PkiStatusInfo {
  const info = new PkiStatusInfo({ status });
  if (text !== undefined) info.statusString = new PkiFreeText([text]);
  if (failures.length > 0) {
    const highest = Math.max(...failures.map((f) => failureBits.indexOf(f)));
    const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
    for (const f of failures) {
      const bit = failureBits.indexOf(f);
      bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
    }
    info.failInfo = new BitString(bytes, 7 - (highest & 7));
  }
  return info;
}

/** The names of the failure bits set, and the status text made safe to display. */
export function describeStatus(info: PkiStatusInfo): { failures: FailureBit[]; text: string } {
  const failures: FailureBit[] = [];
  if (info.failInfo !== undefined) {
    const bytes = new Uint8Array(info.failInfo.value);
    failureBits.forEach((name, bit) => {
      if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) failures.push(name);
    });
  }
  const text = displaySafe((info.statusString ?? new PkiFreeText()).join('; ')).slice(0, 500);
  return { failures, text };
}
