import { FatalError, RetriableError } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/** What is wrong with an MRZ (ICAO 9303 parts 3–6): a field, or the shape of the whole zone. */
export type MrzProblem =
  | 'format'
  | 'characters'
  | 'documentNumber'
  | 'documentNumberCheckDigit'
  | 'birthDate'
  | 'birthDateCheckDigit'
  | 'expiryDate'
  | 'expiryDateCheckDigit'
  | 'compositeCheckDigit';

const mrzProblemText: Readonly<Record<MrzProblem, string>> = {
  format: 'the lines are not a TD1, TD2 or TD3 zone',
  characters: 'it holds characters other than A-Z, 0-9 and <',
  documentNumber: 'the document number is empty or malformed',
  documentNumberCheckDigit: 'the document number check digit does not match',
  birthDate: 'the date of birth is not YYMMDD',
  birthDateCheckDigit: 'the date of birth check digit does not match',
  expiryDate: 'the date of expiry is not YYMMDD',
  expiryDateCheckDigit: 'the date of expiry check digit does not match',
  compositeCheckDigit: 'the composite check digit does not match',
};

/**
 * The MRZ (scanned, or typed by the teller) is not one the chip's access keys can be derived from:
 * wrong shape, wrong characters, or a check digit that does not match. `problems` names each one.
 */
export class MrzInvalidError extends RetriableError {
  readonly code = 'MRZ_INVALID';
  readonly reason: Reason = 'mrzInvalid';
  readonly visitor = {
    ko: '신분증의 기계판독영역(MRZ)을 읽지 못했습니다. 다시 스캔하거나 직원에게 문의해 주세요.',
    en: 'The machine-readable zone (MRZ) could not be read. Scan it again or see a member of staff.',
  };
  constructor(
    readonly problems: readonly MrzProblem[],
    detail?: string,
  ) {
    super(
      `invalid MRZ: ${problems.map((p) => mrzProblemText[p]).join('; ')}` +
        (detail === undefined ? '' : ` (${detail})`),
    );
  }
}

/** Why Basic Access Control failed (ICAO 9303-11 §4.3). */
export type BacProblem =
  /** The chip answered EXTERNAL AUTHENTICATE with 6300 / 6982 / 6988: our keys are not its keys. */
  | 'refused'
  /** The MAC of the chip's answer (or, on the card side, of the terminal's) does not verify. */
  | 'badMac'
  /** The decrypted nonces are not the ones exchanged. */
  | 'nonceMismatch'
  /** The cryptogram has the wrong length. */
  | 'malformed';

/**
 * Basic Access Control failed: almost always because the MRZ data the keys come from (document
 * number, date of birth, date of expiry) is not the document's own.
 */
export class BacFailedError extends RetriableError {
  readonly code = 'EMRTD_BAC_FAILED';
  readonly reason: Reason = 'chipAccessDenied';
  readonly visitor = {
    ko: '신분증 칩에 접근하지 못했습니다. 문서 번호, 생년월일, 만료일이 정확한지 확인해 주세요.',
    en: 'The chip refused access. Please check the document number, date of birth and expiry date.',
  };
  constructor(
    readonly problem: BacProblem,
    readonly statusWord?: number,
  ) {
    super(
      `BAC failed: ${problem}` +
        (statusWord === undefined ? '' : ` (SW ${statusWord.toString(16).padStart(4, '0')})`) +
        (problem === 'refused'
          ? ': check the document number, birth date and expiry date of the MRZ'
          : ''),
    );
  }
}

/**
 * Secure messaging (ICAO 9303-11 §9.8) broke: a response that does not authenticate, lacks its
 * status object, or is not well-formed. The session keys are gone; the document must be read again.
 */
export abstract class SecureMessagingError extends RetriableError {
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩과의 보안 통신에 실패했습니다. 신분증을 다시 올려 주세요.',
    en: 'Secure communication with the chip failed. Please place the document on the reader again.',
  };
}

/** A DO'8E' checksum that does not verify (or is absent where one is required). */
export class SecureMessagingMacError extends SecureMessagingError {
  readonly code = 'EMRTD_SM_MAC';
}

/** A protected response without DO'99' (processing status), which 9303-11 §9.8.6 makes mandatory. */
export class SecureMessagingStatusMissingError extends SecureMessagingError {
  readonly code = 'EMRTD_SM_NO_STATUS';
}

/** Data objects that do not parse: lengths beyond the buffer, unknown or repeated tags, padding. */
export class SecureMessagingMalformedError extends SecureMessagingError {
  readonly code = 'EMRTD_SM_MALFORMED';
}

/** The chip answered a command with a status word the protocol does not allow at that point. */
export class ChipStatusError extends RetriableError {
  readonly code = 'EMRTD_STATUS';
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩을 읽는 중 오류가 발생했습니다. 신분증을 다시 올려 주세요.',
    en: 'The chip reported an error. Please place the document on the reader again.',
  };
  constructor(
    readonly command: string,
    readonly statusWord: number,
  ) {
    super(`${command}: the chip answered SW ${statusWord.toString(16).padStart(4, '0')}`);
  }
}

/** The chip has no ICAO eMRTD application (SELECT of A0000002471001 refused). */
export class NotAnEmrtdError extends RetriableError {
  readonly code = 'EMRTD_NO_APPLICATION';
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '이 신분증의 칩은 읽을 수 없습니다. 전자여권 또는 전자신분증을 올려 주세요.',
    en: 'This chip cannot be read here. Please use an electronic passport or ID card.',
  };
  constructor(readonly statusWord: number) {
    super(`no eMRTD application (SELECT answered ${statusWord.toString(16).padStart(4, '0')})`);
  }
}

/** Why a file read was abandoned. */
export type ChipFileProblem =
  | 'header'
  | 'tooLarge'
  | 'tooManyCommands'
  | 'noProgress'
  | 'overlong'
  | 'response'
  /** A file every eMRTD has (DG1) is not there. */
  | 'missing';

/**
 * A file on the chip could not be read within the bounds a genuine chip respects (DESIGN §8: a
 * hostile chip must not make the kiosk loop or allocate without limit), or its header is broken.
 */
export class ChipFileError extends RetriableError {
  readonly code = 'EMRTD_FILE';
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩의 데이터를 읽지 못했습니다. 신분증을 다시 올려 주세요.',
    en: 'The data on the chip could not be read. Please place the document on the reader again.',
  };
  constructor(
    readonly fid: number,
    readonly problem: ChipFileProblem,
    detail: string,
  ) {
    super(`file ${fid.toString(16).padStart(4, '0')}: ${problem}: ${detail}`);
  }
}

/**
 * What the chip sent back is not an APDU response at all (shorter than a status word, longer than
 * any response may be), or not the answer the command allows (a challenge of the wrong length).
 */
export class ChipResponseError extends RetriableError {
  readonly code = 'EMRTD_BAD_RESPONSE';
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩의 응답이 올바르지 않습니다. 신분증을 다시 올려 주세요.',
    en: 'The chip gave an invalid answer. Please place the document on the reader again.',
  };
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`${command}: ${detail}`);
  }
}

/** The chip was read, but Passive or Active Authentication failed: the data cannot be trusted. */
export class DocumentNotVerifiedError extends RetriableError {
  readonly code = 'EMRTD_NOT_VERIFIED';
  readonly reason: Reason = 'chipError';
  readonly visitor = {
    ko: '신분증 칩의 진위를 확인할 수 없습니다. 직원에게 문의해 주세요.',
    en: 'The ID document chip could not be verified as genuine. Please see a member of staff.',
  };
  constructor(readonly failed: readonly string[]) {
    super(`the document is not verified: ${failed.join('; ')}`);
  }
}

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
