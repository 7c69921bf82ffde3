import type { Words } from '../../../machines/types.js';
import type { Field, Lang, ScreenModel } from '../../../ui/contract.js';
import type { PasswordRuleResult } from '../../npki/passwordRules.js';
import { screenSafe } from '../../text/screenSafe.js';
import type { KioskView } from '../run/kiosk.js';
import type { VisitSnapshot } from '../service.js';
import { say, t } from './strings.js';

// What the screen builders (model.ts, flowScreens.ts, subflowScreens.ts) share.

/** What the screen driver holds between snapshots: cursors, typed text, counts of secrets. */
export interface ScreenLocal {
  /** The highlighted item of a pick list. */
  readonly cursor?: number;
  /** The field receiving text. */
  readonly focus?: number;
  /** Text typed in fields that are not secret, by field id (name, phone, documentNumber…). */
  readonly typed?: Readonly<Record<string, string>>;
  /** How many characters of each secret field are typed (password, passwordAgain, pin, idn). */
  readonly secretLengths?: Readonly<Record<string, number>>;
  /** Problems found as the visitor types, by field id (they replace the last refusal's). */
  readonly problems?: Readonly<Record<string, readonly Words[]>>;
  /** The password checklist's last answer (RunningVisit.passwordChecklist). */
  readonly checklist?: readonly PasswordRuleResult[];
  /** Seconds left of the inactivity warning, from the driver's clock. */
  readonly secondsLeft?: number;
  /** The issuance stage reached (0 to 4: key, CA, write, read back), when reported. */
  readonly stage?: number;
  /** Revocation: the certificate picked, whose reason is asked next. */
  readonly revokeSerial?: string;
}

/** A screen's model without the parts every screen shares (language, steps, countdown). */
export type ScreenBody = Omit<ScreenModel, 'lang' | 'steps' | 'countdown'> & { step: number };

/** What a flow screen is built from. */
export interface ScreenInput {
  readonly view: KioskView;
  readonly visit: VisitSnapshot;
  readonly lang: Lang;
  readonly local: ScreenLocal;
}

/** A sub-flow's state and context (identity, storage, held), if it runs. */
export function childOf(
  visit: VisitSnapshot,
  id: string,
): { value: unknown; context: Record<string, unknown> } | undefined {
  const child = (visit.children as Record<string, { getSnapshot(): unknown } | undefined>)[id];
  return child?.getSnapshot() as { value: unknown; context: Record<string, unknown> } | undefined;
}

/** The key hints: the screen's own, then back, cancel and language where they apply. */
export function keysLine(
  lang: Lang,
  own: readonly Words[],
  options: { back?: boolean; cancel?: boolean } = {},
): string {
  const parts = [...own];
  if (options.back ?? true) parts.push(t.keysBack);
  if (options.cancel ?? true) parts.push(t.keysCancel);
  parts.push(t.keysLanguage);
  return parts
    .map((p) => say(p, lang))
    .filter((p) => p !== '')
    .join('   ');
}

/** Outside text for the screen (screenSafe), cut to a sane length before it is laid out. */
export function outside(text: string, max = 200): string {
  return screenSafe(text.slice(0, max * 2)).slice(0, max);
}

/** An amount in won with thousands separators, or "free". */
export function fee(won: number, lang: Lang): string {
  return won === 0
    ? say(t.free, lang)
    : `${won.toLocaleString('en-US')}${lang === 'ko' ? '' : ' '}${say(t.won, lang)}`;
}

/** The kiosk is working (the CA, the RA): nothing to press but cancel. */
export function working(lang: Lang, step: number): ScreenBody {
  return {
    screen: 'working',
    step,
    title: say(t.working, lang),
    lines: [say(t.workingLine, lang)],
    keys: keysLine(lang, [], { back: false }),
  };
}

/** A field from what the driver holds; `masked` shows one `*` a character. */
export function field(
  input: ScreenInput,
  id: string,
  label: Words,
  options: { masked?: boolean; refused?: readonly Words[]; hint?: Words } = {},
): Field {
  const { lang, local } = input;
  const masked = options.masked ?? false;
  const shown = masked
    ? (local.typed?.[id] ?? '') + '*'.repeat(local.secretLengths?.[id] ?? 0)
    : outside(local.typed?.[id] ?? '', 80);
  const problems = local.problems?.[id] ?? options.refused ?? [];
  return {
    id,
    label: say(label, lang),
    masked,
    // A masked field's visible start is the driver's (the IDN's birth date); cleaned all the same.
    value: masked ? outside(shown, 80) : shown,
    problems: problems.map((p) => outside(p[lang])),
    ...(options.hint === undefined ? {} : { hint: say(options.hint, lang) }),
  };
}
