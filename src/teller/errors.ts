// Errors of the teller accounts (`kiosk teller …`, issue 14 item 1), raised to the operator's CLI.
// The teller API answers in HTTP and never throws these at a client.
import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/** Staff-only commands: a visitor never sees these, but every KioskError carries its words. */
const staffOnly = {
  ko: '직원 계정 작업에 실패했습니다.',
  en: 'The staff account operation failed.',
} as const;

/**
 * `kiosk teller add` for a name an account already has, disabled or not: names are never reused,
 * so that the audit log's "approved by N" always means one person.
 */
export class TellerExistsError extends RetriableError {
  readonly code = 'TELLER_EXISTS';
  readonly reason: Reason = 'alreadyExists';
  readonly visitor = staffOnly;
  constructor(readonly tellerName: string) {
    super(`a teller account named ${tellerName} exists already (names are never reused)`);
  }
}

/** `kiosk teller disable` for a name no active account has. */
export class TellerNotFoundError extends RetriableError {
  readonly code = 'TELLER_NOT_FOUND';
  readonly reason: Reason = 'notFound';
  readonly visitor = staffOnly;
  constructor(readonly tellerName: string) {
    super(`no active teller account named ${tellerName}`);
  }
}

/** The new teller password breaks the rules (passwordPolicy.ts); each broken rule is named. */
export class TellerPasswordRulesError extends RetriableError {
  readonly code = 'TELLER_PASSWORD_RULES';
  readonly reason: Reason = 'passwordRules';
  readonly visitor = staffOnly;
  constructor(readonly problems: readonly string[]) {
    super(`the password must be: ${problems.join('; ')}`);
  }
}
