import { RetriableError } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/**
 * pcscd is not running, or restarted under us (SCARD_E_NO_SERVICE 0x8010001D, SCARD_E_NO_SMARTCARD
 * context lost, RPC transport error 0x80100013): the driver reconnects with backoff.
 */
export class PcscUnavailableError extends RetriableError {
  readonly code = 'PCSC_UNAVAILABLE';
  readonly reason: Reason = 'readerUnavailable';
  readonly visitor = {
    ko: '카드 리더를 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.',
    en: 'The card reader is not available. Please try again shortly.',
  };
}

/** No reader matches, or none is attached. */
export class ReaderNotFoundError extends RetriableError {
  readonly code = 'READER_NOT_FOUND';
  readonly reason: Reason = 'readerUnavailable';
  readonly visitor = {
    ko: '카드 리더가 연결되어 있지 않습니다. 직원에게 문의해 주세요.',
    en: 'No card reader is connected. Please see a member of staff.',
  };
}

/** The reader has no card (or document) on it. */
export class NoCardError extends RetriableError {
  readonly code = 'CARD_ABSENT';
  readonly reason: Reason = 'cardMissing';
  readonly visitor = {
    ko: '신분증을 리더에 올려 주세요.',
    en: 'Please place your ID document on the reader.',
  };
}

/** The card left the reader in the middle of an exchange (SCARD_W_REMOVED_CARD, …). */
export class CardRemovedError extends RetriableError {
  readonly code = 'CARD_REMOVED';
  readonly reason: Reason = 'cardRemoved';
  readonly visitor = {
    ko: '신분증이 리더에서 떨어졌습니다. 다시 올려 주세요.',
    en: 'The ID document was moved off the reader. Please place it again.',
  };
}

/** Any other PC/SC failure, with the SCARD code (e.g. 0x80100008) when the system gave one. */
export class CardError extends RetriableError {
  readonly code = 'CARD_ERROR';
  readonly reason: Reason = 'cardError';
  readonly visitor = {
    ko: '신분증을 읽는 중 오류가 발생했습니다. 다시 시도해 주세요.',
    en: 'The ID document could not be read. Please try again.',
  };
  constructor(
    message: string,
    readonly scardCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
