// Errors of the RA over the network (DESIGN §5 "RA over the network"): the CA operator's RA
// clients (`kiosk ca ra …`) and the kiosk's registrations at the RA endpoint (`ca register --url`).
// The endpoint's own refusals are HTTP answers; these are what the two ends raise.
import { FatalError, outOfService, RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

const raTrouble = {
  ko: '인증기관 등록 중 문제가 발생했습니다. 직원에게 문의해 주세요.',
  en: 'There was a problem registering with the certificate authority. Please ask a member of staff.',
} as const;

/** `kiosk ca ra add` for a name an active RA client already holds: revoke that one first. */
export class RaNameInUseError extends RetriableError {
  readonly code = 'RA_NAME_IN_USE';
  readonly reason: Reason = 'alreadyExists';
  readonly visitor = outOfService;
  constructor(
    readonly raName: string,
    /** The active RA client's certificate serial (lower-case hex). */
    readonly serial: string,
  ) {
    super(`an RA client named ${raName} is already active (serial ${serial}); revoke it first`);
  }
}

/** `kiosk ca ra revoke` for a name no active RA client holds. */
export class RaNotFoundError extends RetriableError {
  readonly code = 'RA_NOT_FOUND';
  readonly reason: Reason = 'notFound';
  readonly visitor = outOfService;
  constructor(readonly raName: string) {
    super(`no active RA client named ${raName}`);
  }
}

/**
 * The RA endpoint refused the kiosk's client certificate (HTTP 401): missing, not the CA's,
 * expired, revoked or unknown. Only the CA operator can help (a new `kiosk ca ra add`), so the
 * kiosk is out of service until then.
 */
export class RaUnauthorizedError extends FatalError {
  readonly code = 'RA_UNAUTHORIZED';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly url: string,
    /** The endpoint's error text, display-safe and bounded. */
    readonly serverText: string,
  ) {
    super(`${url}: the RA endpoint refused this RA certificate${suffix(serverText)}`);
  }
}

/** The RA endpoint answered a refusal other than 401 (a field it rejects, a body too large…). */
export class RaRefusedError extends RetriableError {
  readonly code = 'RA_REFUSED';
  readonly reason: Reason = 'caRejected';
  readonly visitor = raTrouble;
  constructor(
    readonly url: string,
    /** The HTTP status. */
    readonly status: number,
    /** The endpoint's error text, display-safe and bounded. */
    readonly serverText: string,
  ) {
    super(`${url}: HTTP ${status}${suffix(serverText)}`);
  }
}

/**
 * The RA endpoint cannot be reached, the TLS handshake failed (its certificate is not the CA's,
 * or not for this host), it timed out, or the caller cancelled. A registration is never retried
 * by itself: the CA may have made one already, and a second would be a second reference number.
 */
export class RaTransportError extends RetriableError {
  readonly code = 'RA_TRANSPORT';
  readonly reason: Reason = 'caUnavailable';
  readonly visitor = {
    ko: '인증기관에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
    en: 'The certificate authority cannot be reached. Please try again shortly.',
  };
}

/** The RA endpoint's answer is not the registration it should be (type, size, fields). */
export class RaMalformedError extends RetriableError {
  readonly code = 'RA_MALFORMED';
  readonly reason: Reason = 'caError';
  readonly visitor = raTrouble;
}

function suffix(text: string): string {
  return text === '' ? '' : `: ${text}`;
}
