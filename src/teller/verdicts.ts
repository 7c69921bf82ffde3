import type { Words } from '../../machines/types.js';
import type { DocumentReading } from '../document/readDocument.js';
import type { ApprovalBasis, PhotoType, Verdict } from './desk.js';

// The chip's authentication results in plain words for the teller (issue 14 item 1: "the Passive
// and Active Authentication verdicts in plain words"): what each check means for the person at
// the counter, Korean first, English on a key. For the kiosk service's TellerDesk, which has the
// DocumentReading; verificationFailures (src/document/readDocument.ts) keeps the technical list.

/**
 * Passive Authentication (ICAO 9303-11 §5.1): is the chip's data what the issuing state signed?
 * Failures named as the teller can weigh them: an untrusted or expired signer is not a forgery
 * for certain; altered data is.
 */
export function passiveVerdict(reading: DocumentReading): Verdict {
  const pa = reading.passiveAuthentication;
  if ('skipped' in pa) {
    return pa.skipped === 'noTrustStore'
      ? notRun(
          '발급국 인증서(CSCA)가 설정되지 않아 칩 데이터의 서명을 확인하지 못했습니다.',
          'No issuing-country certificates (CSCA) are configured, so the signature on the chip data was not checked.',
        )
      : notRun(
          '칩에 보안 객체(EF.SOD)가 없어 데이터의 서명을 확인할 수 없습니다.',
          'The chip has no security object (EF.SOD): its data cannot be checked.',
        );
  }
  const parts: Words[] = [];
  if (!pa.sodSignature.ok)
    parts.push({
      ko: '칩 데이터의 서명이 올바르지 않습니다',
      en: 'the signature on the chip data is not valid',
    });
  if (!pa.dsChain.ok) parts.push(chainWords(pa.dsChain.failure));
  if (!pa.dsPolicy.ok)
    parts.push({
      ko: '문서 서명 인증서가 보안 기준에 맞지 않습니다',
      en: 'the document signer certificate does not meet the security policy',
    });
  const altered = pa.dataGroups.filter(
    (g) => g.status === 'mismatch' || g.status === 'missingFromSod',
  );
  if (altered.length > 0) {
    const groups = altered.map((g) => `DG${String(g.dataGroup)}`).join(', ');
    parts.push({
      ko: `칩의 데이터가 서명된 내용과 다릅니다 (${groups}): 변조되었을 수 있습니다`,
      en: `chip data differs from what was signed (${groups}): it may have been altered`,
    });
  }
  if (pa.dataGroups.some((g) => g.status === 'unsupportedHash'))
    parts.push({
      ko: '이 단말기가 계산하지 않는 해시 알고리즘입니다',
      en: 'a hash algorithm this kiosk does not compute',
    });
  const withheld = reading.dataGroups.withheld;
  if (withheld.length > 0)
    parts.push({
      ko: `칩이 서명된 데이터를 내주지 않았습니다 (${withheld.map((n) => `DG${String(n)}`).join(', ')})`,
      en: `the chip withheld signed data (${withheld.map((n) => `DG${String(n)}`).join(', ')})`,
    });
  if (parts.length === 0)
    return {
      outcome: 'passed',
      ko: '진본: 칩의 데이터는 발급국이 서명한 그대로입니다 (수동 인증 통과).',
      en: 'Genuine: the chip data is exactly what the issuing country signed (Passive Authentication passed).',
    };
  return {
    outcome: 'failed',
    ko: `확인 실패: ${parts.map((p) => p.ko).join('; ')}.`,
    en: `Not verified: ${parts.map((p) => p.en).join('; ')}.`,
  };
}

/** Active Authentication (ICAO 9303-11 §6.1): does the chip hold its key, i.e. is it no copy? */
export function activeVerdict(reading: DocumentReading): Verdict {
  const aa = reading.activeAuthentication;
  if (aa.ok)
    return {
      outcome: 'passed',
      ko: '복제되지 않은 칩: 칩이 자신의 비밀 키를 가지고 있음을 증명했습니다 (능동 인증 통과).',
      en: 'Not a copy: the chip proved it holds its own private key (Active Authentication passed).',
    };
  if ('skipped' in aa)
    return notRun(
      '이 칩은 능동 인증을 지원하지 않습니다: 복제 여부는 확인되지 않았습니다.',
      'This chip does not offer Active Authentication: whether it is a copy was not checked.',
    );
  if ('failure' in aa && aa.failure === 'refusedByChip')
    return {
      outcome: 'failed',
      ko: '확인 실패: 칩이 능동 인증을 거부했습니다. 복제된 칩일 수 있습니다.',
      en: 'Failed: the chip refused Active Authentication. It may be a copy.',
    };
  return {
    outcome: 'failed',
    ko: '확인 실패: 칩의 응답이 검증되지 않습니다. 복제된 칩일 수 있습니다.',
    en: 'Failed: the chip’s answer does not verify. It may be a copy.',
  };
}

/** What an approval rests on, in words, and what it needs from the teller. */
export function basisWords(basis: ApprovalBasis): Words {
  return basisText[basis];
}

const basisText: Record<ApprovalBasis, Words> = {
  chipVerified: {
    ko: '칩 확인됨: 승인은 확인된 칩과 대면 확인에 근거합니다.',
    en: 'Chip verified: the approval rests on the verified chip and the face-to-face check.',
  },
  chipNotVerified: {
    ko: '칩 확인 안 됨: 승인하려면 사유를 적어야 하며, 감사 기록에 예외 승인으로 남습니다.',
    en: 'Chip not verified: approving needs a reason and is recorded in the audit log as an override.',
  },
  noChip: {
    ko: '칩 없음: 실물 신분증의 종류와 번호를 입력해야 승인할 수 있습니다.',
    en: 'No chip: approving needs the physical ID’s type and number.',
  },
};

/** The photo as a content type (ICAO 9303-10 DG2: JPEG or JPEG 2000), bytes as read. */
export function chipPhoto(
  reading: DocumentReading | undefined,
): { readonly type: PhotoType; readonly bytes: Buffer } | undefined {
  const photo = reading?.photo;
  if (photo === undefined) return undefined;
  return {
    type: photo.format === 'jpeg' ? 'image/jpeg' : 'image/jp2',
    bytes: Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength),
  };
}

function chainWords(failure: string): Words {
  switch (failure) {
    case 'issuerNotTrusted':
    case 'signerCertificateMissing':
      return {
        ko: '서명한 인증서를 신뢰하는 발급국 인증서로 확인할 수 없습니다',
        en: 'the signer cannot be traced to a trusted issuing-country certificate',
      };
    case 'documentSignerExpired':
    case 'cscaExpired':
    case 'documentSignerNotYetValid':
    case 'cscaNotYetValid':
      return {
        ko: '서명 인증서의 유효 기간이 맞지 않습니다',
        en: 'a signing certificate is outside its validity period',
      };
    default:
      return {
        ko: '서명 인증서를 검증할 수 없습니다',
        en: 'the signing certificate cannot be verified',
      };
  }
}

function notRun(ko: string, en: string): Verdict {
  return { outcome: 'notRun', ko, en };
}
