import { FatalError, RetriableError } from './kioskError.js';
import type { Reason } from './reason.js';

/** An eMRTD file by its LDS name (ICAO 9303-10 §4.6): EF.COM, EF.SOD, DG1 … DG16. */
export type EmrtdFileName =
  | 'EF.COM'
  | 'EF.SOD'
  | 'DG1'
  | 'DG2'
  | 'DG3'
  | 'DG4'
  | 'DG5'
  | 'DG6'
  | 'DG7'
  | 'DG8'
  | 'DG9'
  | 'DG10'
  | 'DG11'
  | 'DG12'
  | 'DG13'
  | 'DG14'
  | 'DG15'
  | 'DG16';

/**
 * A file read from the document's chip is not the structure ICAO 9303 says it is (bad TLV, wrong
 * tag, a length that lies, text that is not MRZ or UTF-8, a key or CMS that does not parse).
 * Retriable: a chip read cut short by a moved document looks like this; a second read may work.
 * `detail` is for the log only.
 */
export class EmrtdMalformedError extends RetriableError {
  readonly code = 'EMRTD_MALFORMED';
  // Like EMRTD_FILE (emrtd.ts): bad bytes from a chip mean "place the document again".
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩의 정보를 읽을 수 없습니다. 신분증을 다시 올려 주시거나 직원에게 문의해 주세요.',
    en: "The ID document's chip data cannot be read. Place the document again or see a member of staff.",
  };
  constructor(
    readonly file: EmrtdFileName,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} is malformed: ${detail}`, options);
  }
}

/**
 * The CSCA trust store (a folder of certificates, DESIGN §3.2) cannot be used: missing,
 * unreadable, empty, too large, or holding something that is not a certificate. Without it no
 * document can be passively authenticated, so the kiosk is out of service until an operator acts.
 */
export class CscaTrustError extends FatalError {
  readonly code = 'EMRTD_TRUST_STORE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = {
    ko: '지금은 신분증을 확인할 수 없습니다. 직원에게 문의해 주세요.',
    en: 'ID documents cannot be checked right now. Please see a member of staff.',
  };
  constructor(
    readonly path: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`CSCA trust store ${path}: ${detail}`, options);
  }
}
