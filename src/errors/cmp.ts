import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

const caTrouble = {
  ko: '인증기관과 통신하는 중 문제가 발생했습니다. 잠시 후 다시 시도해 주세요.',
  en: 'There was a problem talking to the certificate authority. Please try again shortly.',
} as const;

/** Bytes from the peer are not a PKIMessage we can read. */
export class CmpMalformedError extends RetriableError {
  readonly code = 'CMP_MALFORMED';
  readonly reason: Reason = 'caError';
  readonly visitor = caTrouble;
}

/** The message's protection is missing, of a kind we refuse, or does not verify. */
export class CmpProtectionError extends RetriableError {
  readonly code = 'CMP_PROTECTION';
  readonly reason: Reason = 'caError';
  readonly visitor = caTrouble;
}

/**
 * A response that does not answer our request: transactionID, nonces, body type, a certificate
 * for another key, a VID or policy other than registered. `what` names the check that failed.
 */
export class CmpMismatchError extends RetriableError {
  readonly code = 'CMP_MISMATCH';
  readonly reason: Reason = 'caError';
  readonly visitor = caTrouble;
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`${what}: ${detail}`);
  }
}

/** The CA answered with a rejection (PKIStatus rejection, or an error message). */
export class CmpRejectedError extends RetriableError {
  readonly code = 'CMP_REJECTED';
  readonly reason: Reason = 'caRejected';
  readonly visitor = {
    ko: '인증기관이 요청을 거절했습니다. 직원에게 문의해 주세요.',
    en: 'The certificate authority refused the request. Please ask a member of staff.',
  };
  constructor(
    /** PKIStatus: 2 rejection, … */
    readonly status: number,
    /** PKIFailureInfo bit names, e.g. `badMessageCheck`. */
    readonly failInfo: readonly string[],
    /** The CA's statusString, display-safe. */
    readonly statusText: string,
  ) {
    super(
      `the CA refused (status ${status}${failInfo.length > 0 ? `, ${failInfo.join(', ')}` : ''})` +
        (statusText === '' ? '' : `: ${statusText}`),
    );
  }
}

/** The CA cannot be reached, timed out, or answered HTTP other than a PKIMessage. */
export class CmpTransportError extends RetriableError {
  readonly code = 'CMP_TRANSPORT';
  readonly reason: Reason = 'caUnavailable';
  readonly visitor = {
    ko: '인증기관에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
    en: 'The certificate authority cannot be reached. Please try again shortly.',
  };
}

/**
 * The kiosk accepted and stored the certificate and told the CA so, but the CA's confirmation
 * (pkiConf) did not arrive: the pair is kept on the medium, and the CA may hold the certificate as
 * issued or still unconfirmed. Staff check with the CA before the visitor tries again.
 */
export class CmpUnconfirmedError extends RetriableError {
  readonly code = 'CMP_UNCONFIRMED';
  readonly reason: Reason = 'caUnavailable';
  readonly visitor = {
    ko: '인증서는 저장되었지만 인증기관의 확인을 받지 못했습니다. 직원에게 문의해 주세요.',
    en: 'The certificate was stored, but the certificate authority did not confirm it. Please see a member of staff.',
  };
  constructor(
    readonly serial: string,
    options?: { cause?: unknown },
  ) {
    super(
      `certificate ${serial} was stored and accepted, but the CA's confirmation did not arrive`,
      options,
    );
  }
}
