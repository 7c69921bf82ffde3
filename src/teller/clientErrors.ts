// What the teller console's client (client.ts) raises (issue 15 item 3). One class, its kind a
// typed field the console switches on; the message names the URL and the kind, and at most the
// API's own error text (bounded and display-safe), never a token, a password or an ID number.
import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/**
 * - `unreachable`: no connection, no answer in time, or the answer broke off;
 * - `loginRefused`: wrong name or password, or a disabled account (the API says the same);
 * - `sessionEnded`: the token is no longer good (idle, expired, logged out, disabled);
 * - `throttled`: too many failed logins: wait `retryAfterSeconds`;
 * - `malformed`: the answer is not what the API answers (too large, not JSON, wrong fields);
 * - `refused`: any other refusal of the request (its status and the API's text).
 */
export type TellerClientErrorKind =
  'unreachable' | 'loginRefused' | 'sessionEnded' | 'throttled' | 'malformed' | 'refused';

const codes: Record<TellerClientErrorKind, string> = {
  unreachable: 'TELLER_API_UNREACHABLE',
  loginRefused: 'TELLER_LOGIN_REFUSED',
  sessionEnded: 'TELLER_SESSION_ENDED',
  throttled: 'TELLER_LOGIN_THROTTLED',
  malformed: 'TELLER_API_MALFORMED',
  refused: 'TELLER_API_REFUSED',
};

const reasonOf: Record<TellerClientErrorKind, Reason> = {
  unreachable: 'internal',
  loginRefused: 'wrongPassword',
  sessionEnded: 'usage',
  throttled: 'wrongPassword',
  malformed: 'malformedInput',
  refused: 'usage',
};

/** Staff-only: a visitor never sees the teller console. */
const staffOnly = {
  ko: '창구 직원 화면과 단말기 사이의 통신에 실패했습니다.',
  en: 'The teller console could not talk to the kiosk.',
} as const;

export class TellerClientError extends RetriableError {
  readonly code: string;
  readonly reason: Reason;
  readonly visitor = staffOnly;

  constructor(
    readonly kind: TellerClientErrorKind,
    message: string,
    readonly details: {
      /** The HTTP status, when there was an answer. */
      readonly status?: number;
      /** For `throttled`: how long to wait. */
      readonly retryAfterSeconds?: number;
      /** The API's error text, display-safe and bounded. */
      readonly serverText?: string;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = codes[kind];
    this.reason = reasonOf[kind];
  }
}
