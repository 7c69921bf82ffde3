import type { InPersonDocument, Words } from '../../machines/types.js';
import { checkPassword } from '../npki/passwordRules.js';
import type { Authenticity, InPersonProblem } from './inPerson.js';

// What the kiosk service answers to what a visitor or teller enters (src/kiosk/service.ts): the
// new secret's problems, and what an in-person approval came to.

/** What an in-person approval came to: approved with the masked document, or why not. */
export type InPersonApproval =
  | {
      readonly ok: true;
      readonly document: InPersonDocument;
      readonly authenticity: Authenticity;
      readonly warnings: readonly Words[];
    }
  | {
      readonly ok: false;
      readonly code: InPersonProblem | 'notAuthentic' | 'visitMoved';
      readonly problem: Words;
    };

export const notAuthenticWords: Words = {
  ko: '신분증 진위확인 결과 진본이 아닙니다. 승인할 수 없습니다.',
  en: 'The ID authenticity check says this ID is not genuine: it cannot be approved.',
};

export const visitMovedWords: Words = {
  ko: '방문 단계가 바뀌어 승인하지 않았습니다.',
  en: 'The visit has moved on; nothing was approved.',
};

/** The password rules' failures (DESIGN §4.5), and whether the two entries match. */
export function passwordProblems(first: Buffer, second: Buffer): string[] {
  const failed: string[] = checkPassword(first.toString('utf8'))
    .filter((rule) => !rule.ok)
    .map((rule) => rule.id);
  if (!first.equals(second)) failed.push('mismatch');
  return failed;
}

/** A token PIN: 4 to 16 ASCII digits or letters (the token checks it when logging in). */
export function pinProblems(pin: Buffer): string[] {
  return /^[0-9A-Za-z]{4,16}$/.test(pin.toString('latin1')) ? [] : ['pinFormat'];
}
