import type { MrzProblem } from '../../../machines/form/mrzEntry.js';
import type { Words } from '../../../machines/types.js';
import type { Check, ErrorBox, Lang } from '../../../ui/contract.js';
import { mrzFieldVerdict, mrzKeyOf, type MrzFieldId, type MrzFieldVerdict } from './mrzCheck.js';
import { field, keysLine, type ScreenBody, type ScreenInput } from './parts.js';
import { say, t } from './strings.js';

/**
 * The MRZ entry screen (identity sub-flow, chip documents): the three fields, and under them a
 * live verdict on each (format ok with its check digit, wrong length, not a date) and the MRZ key
 * the chip will be opened with once all three are right (mrzCheck.ts). What the visit refused on
 * the last try stays under its field.
 */

const names: Record<MrzFieldId, Words> = {
  documentNumber: t.documentNumber,
  birthDate: t.mrzBirth,
  expiryDate: t.mrzExpiry,
};

const order: readonly MrzFieldId[] = ['documentNumber', 'birthDate', 'expiryDate'];

/** A verdict in words: `4자 입력, 6자리여야 합니다`, `format ok, check digit 7`. */
export function verdictText(id: MrzFieldId, verdict: MrzFieldVerdict, lang: Lang): string {
  switch (verdict.kind) {
    case 'empty':
      return say(t.mrzEmpty, lang);
    case 'characters':
      return say(id === 'documentNumber' ? t.mrzLettersDigits : t.mrzDigitsOnly, lang);
    case 'length': {
      const rule = id === 'documentNumber' ? t.mrzNumberLength : t.mrzDateLength;
      return `${String(verdict.length)}${say(t.mrzTyped, lang)}, ${say(rule, lang)}`;
    }
    case 'notADate':
      return say(t.mrzNotDate, lang);
    case 'ok':
      return `${say(t.mrzOk, lang)} ${String(verdict.checkDigit)}`;
  }
}

/** The verdicts and the key, as the screen's checklist. */
export function mrzChecklist(
  typed: Readonly<Record<string, string>> | undefined,
  lang: Lang,
): Check[] {
  const checks = order.map((id): Check => {
    const verdict = mrzFieldVerdict(id, typed?.[id] ?? '');
    return {
      label: `${say(names[id], lang)}: ${verdictText(id, verdict, lang)}`,
      ok: verdict.kind === 'ok',
    };
  });
  const key = mrzKeyOf({
    documentNumber: typed?.documentNumber ?? '',
    birthDate: typed?.birthDate ?? '',
    expiryDate: typed?.expiryDate ?? '',
  });
  checks.push({
    label: `${say(t.mrzKey, lang)}: ${key ?? say(t.mrzKeyMissing, lang)}`,
    ok: key !== undefined,
  });
  return checks;
}

export function mrzScreen(
  input: ScreenInput,
  refusedFields: readonly MrzProblem[],
  error: ErrorBox | undefined,
): ScreenBody {
  const { lang, local } = input;
  const wrong = new Set(refusedFields);
  const refused = (id: MrzProblem): Words[] => (wrong.has(id) ? [t.mrzWrong] : []);
  const items = [
    field(input, 'documentNumber', t.documentNumber, {
      refused: refused('documentNumber'),
      hint: t.mrzNumberHint,
    }),
    field(input, 'birthDate', t.birthDate, { refused: refused('birthDate'), hint: t.mrzDateHint }),
    field(input, 'expiryDate', t.expiryDate, {
      refused: refused('expiryDate'),
      hint: t.mrzDateHint,
    }),
  ];
  return {
    screen: 'mrz',
    step: 3,
    title: say(t.mrz, lang),
    lines: [say(t.mrzCheckLine, lang)],
    fields: { items, focus: Math.min(local.focus ?? 0, items.length - 1) },
    checklist: mrzChecklist(local.typed, lang),
    ...(error === undefined ? {} : { error }),
    keys: keysLine(lang, [t.keysForm], { back: false }),
  };
}
