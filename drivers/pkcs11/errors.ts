import { FatalError, outOfService, RetriableError } from '../../src/shared/kioskError.js';
import type { Reason } from '../../src/shared/reason.js';

/** No token with the requested label or serial is present. */
export class TokenNotFoundError extends RetriableError {
  readonly code = 'TOKEN_NOT_FOUND';
  readonly reason: Reason = 'tokenMissing';
  readonly visitor = {
    ko: '보안토큰을 찾을 수 없습니다. 보안토큰을 연결해 주세요.',
    en: 'The security token was not found. Please connect it.',
  };
  constructor(readonly selector: string) {
    super(`no token ${selector}`);
  }
}

/** What the token says about the PIN after a wrong one (CKF_USER_PIN_COUNT_LOW / FINAL_TRY). */
export type PinRetries = 'unknown' | 'low' | 'finalTry';

/** The PIN is wrong; `retries` says what the token reports about the tries left. */
export class WrongPinError extends RetriableError {
  readonly code = 'TOKEN_WRONG_PIN';
  readonly reason: Reason = 'wrongPin';
  readonly visitor: { ko: string; en: string };
  constructor(readonly retries: PinRetries) {
    super(
      `wrong PIN (${
        retries === 'finalTry'
          ? 'one more wrong try locks it'
          : retries === 'low'
            ? 'few tries left'
            : 'the token does not say how many tries are left'
      })`,
    );
    this.visitor =
      retries === 'finalTry'
        ? {
            ko: 'PIN이 틀렸습니다. 한 번 더 틀리면 잠깁니다.',
            en: 'Wrong PIN. One more wrong try locks the token.',
          }
        : retries === 'low'
          ? {
              ko: 'PIN이 틀렸습니다. 남은 횟수가 얼마 없습니다.',
              en: 'Wrong PIN. Only a few tries are left.',
            }
          : {
              ko: 'PIN이 틀렸습니다. 다시 입력해 주세요.',
              en: 'Wrong PIN. Please enter it again.',
            };
  }
}

/** The Security Officer PIN given to re-initialise a token is wrong. */
export class WrongSoPinError extends RetriableError {
  readonly code = 'TOKEN_WRONG_SO_PIN';
  readonly reason: Reason = 'wrongPin';
  readonly visitor = {
    ko: '보안토큰 관리자 PIN이 틀렸습니다.',
    en: 'The token’s Security Officer PIN is wrong.',
  };
  constructor() {
    super('wrong SO PIN');
  }
}

/** A new PIN the token does not accept (length outside what it reports, or refused by it). */
export class PinRulesError extends RetriableError {
  readonly code = 'TOKEN_PIN_RULES';
  readonly reason: Reason = 'passwordRules';
  readonly visitor: { ko: string; en: string };
  constructor(
    readonly min: number | undefined,
    readonly max: number | undefined,
    options?: { cause?: unknown },
  ) {
    const range =
      min !== undefined && max !== undefined ? `${String(min)} to ${String(max)} characters` : '';
    super(`the token does not accept the new PIN${range ? ` (it takes ${range})` : ''}`, options);
    this.visitor = {
      ko: `새 PIN을 보안토큰이 받아들이지 않습니다${range ? ` (${String(min)}~${String(max)}자)` : ''}.`,
      en: `The token does not accept the new PIN${range ? ` (${range})` : ''}.`,
    };
  }
}

/** Several tokens answer to the same label: choose by serial. */
export class TokenAmbiguousError extends RetriableError {
  readonly code = 'TOKEN_AMBIGUOUS';
  readonly reason: Reason = 'ambiguousSelection';
  readonly visitor = {
    ko: '같은 이름의 보안토큰이 여러 개 연결되어 있습니다. 하나만 연결해 주세요.',
    en: 'Several security tokens have the same name. Please connect only one.',
  };
  constructor(
    readonly label: string,
    readonly serials: readonly string[],
  ) {
    super(`tokens labelled ${label}: serials ${serials.join(', ')}; choose one by serial`);
  }
}

/** The user PIN is locked: only the token's owner (SO PIN) or the issuer can unlock it. */
export class PinLockedError extends RetriableError {
  readonly code = 'TOKEN_PIN_LOCKED';
  readonly reason: Reason = 'pinLocked';
  readonly visitor = {
    ko: '보안토큰 PIN이 잠겼습니다. 직원에게 문의해 주세요.',
    en: 'The token PIN is locked. Please see a member of staff.',
  };
  constructor() {
    super('the user PIN is locked');
  }
}

/** The token was removed (or its session lost) in the middle of an operation. */
export class TokenRemovedError extends RetriableError {
  readonly code = 'TOKEN_REMOVED';
  readonly reason: Reason = 'tokenRemoved';
  readonly visitor = {
    ko: '보안토큰이 분리되었습니다. 다시 연결하고 다시 시도해 주세요.',
    en: 'The security token was removed. Reconnect it and try again.',
  };
}

/** The token has no room for another key or object. */
export class TokenFullError extends RetriableError {
  readonly code = 'TOKEN_FULL';
  readonly reason: Reason = 'tokenFull';
  readonly visitor = {
    ko: '보안토큰에 저장 공간이 없습니다.',
    en: 'The security token is full.',
  };
}

/** The token or its module failed in a way none of the above describes; `ckr` names the code. */
export class TokenFailureError extends RetriableError {
  readonly code = 'TOKEN_FAILURE';
  readonly reason: Reason = 'tokenRemoved';
  readonly visitor = {
    ko: '보안토큰에서 오류가 발생했습니다. 다시 연결하고 다시 시도해 주세요.',
    en: 'The security token reported an error. Reconnect it and try again.',
  };
}

/**
 * A certificate whose private key lives on a token cannot be copied off it: the key is sensitive
 * and not extractable by design (DESIGN §1: token users keep keys that never leave the token).
 */
export class KeyNotExportableError extends RetriableError {
  readonly code = 'TOKEN_KEY_NOT_EXPORTABLE';
  readonly reason: Reason = 'usage';
  readonly visitor = {
    ko: '보안토큰의 개인키는 밖으로 복사할 수 없습니다. 다른 매체에는 새로 발급받아 주세요.',
    en: 'A key on a security token cannot be copied off it. Issue a new certificate for the other medium.',
  };
  constructor(readonly token: string) {
    super(
      `the private key on token ${token} never leaves the token; issue a new certificate for the other medium instead`,
    );
  }
}

/** The PKCS#11 library cannot be loaded or initialised: a configuration fault. */
export class TokenModuleError extends FatalError {
  readonly code = 'TOKEN_MODULE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly modulePath: string,
    options?: { cause?: unknown },
  ) {
    super(`the PKCS#11 module ${modulePath} cannot be loaded`, options);
  }
}
