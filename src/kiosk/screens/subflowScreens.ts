import type { MrzProblem } from '../../../machines/form/mrzEntry.js';
import type { ChipSummary, HeldCertificate, VisitFailure, Words } from '../../../machines/types.js';
import type { Check, ErrorBox, Lang } from '../../../ui/contract.js';
import { chipReadingBar } from './chipReadingBar.js';
import { formatTargetLine, mediaItems } from './mediaItems.js';
import { mrzScreen } from './mrzScreen.js';
import {
  childOf,
  fee,
  field,
  keysLine,
  outside,
  working,
  type ScreenBody,
  type ScreenInput,
} from './parts.js';
import { failures, say, t } from './strings.js';

/** The screens of the identity, storage and held-certificate sub-flows (machines/*.ts). */

function errorOf(failure: unknown, lang: Lang): ErrorBox | undefined {
  const kind = (failure as VisitFailure | undefined)?.kind;
  if (kind === undefined) return undefined;
  return { happened: say(failures[kind].happened, lang), todo: say(failures[kind].todo, lang) };
}

const withError = (error: ErrorBox | undefined) => (error === undefined ? {} : { error });

export function identityScreen(input: ScreenInput): ScreenBody {
  const { visit, view, lang, local } = input;
  const child = childOf(visit, 'identity');
  const value = child?.value;
  const inner =
    typeof value === 'object' && value !== null ? (value as { chip?: string }).chip : undefined;
  const error = errorOf(child?.context.failure, lang);
  const cursor = local.cursor ?? 0;
  if (value === 'choosing')
    return {
      screen: 'idChoice',
      step: 3,
      title: say(t.idChoice, lang),
      lines: [],
      pick: {
        cursor,
        items: [
          { id: 'chip', label: say(t.idChip, lang), enabled: true },
          { id: 'noChip', label: say(t.idNoChip, lang), enabled: true },
        ],
      },
      keys: keysLine(lang, [t.keysPick], { back: false }),
    };
  if (inner === 'mrz')
    return mrzScreen(input, (child?.context.mrzProblems ?? []) as MrzProblem[], error);
  if (inner === 'reading' || inner === 'waitingForCard' || inner === 'readFailed') {
    const reader =
      view.readers.length === 0
        ? say(t.noReader, lang)
        : view.readers.map((r) => outside(r, 60)).join(', ');
    const chip = say(inner === 'reading' ? t.chipReading : t.chipAway, lang);
    return {
      screen: inner === 'reading' ? 'reading' : 'waitingForCard',
      step: 3,
      title: say(t.reading, lang),
      lines: [
        say(t.readingLine, lang),
        '',
        `${say(t.readerIs, lang)}: ${reader}`,
        `[${inner === 'reading' ? '>' : ' '}] ${chip}`,
      ],
      // The bytes read so far, while the chip is read (the kiosk coalesces the redraws).
      ...(inner === 'reading' && view.chipProgress !== undefined
        ? { progress: chipReadingBar(view.chipProgress, lang) }
        : {}),
      ...withError(inner === 'reading' ? undefined : error),
      keys:
        inner === 'reading'
          ? keysLine(lang, [], { back: false })
          : keysLine(lang, [t.keysRetry], { back: false }),
    };
  }
  if (value === 'fee') {
    const feeWon = visit.context.certificateType?.feeWon ?? 0;
    return {
      screen: 'fee',
      step: 3,
      title: say(t.fee, lang),
      lines: [fee(feeWon, lang)],
      keys: keysLine(lang, [], { back: false }),
    };
  }
  if (value === 'approval' || value === 'approvalTimedOut') {
    const chip = child?.context.chip as ChipSummary | undefined;
    const lines = [say(t.tellerLine, lang)];
    if (chip !== undefined)
      lines.push('', `${outside(chip.surname, 40)} ${outside(chip.givenNames, 60)}`.trim());
    if (value === 'approvalTimedOut')
      lines.push('', say(t.tellerTimedOut, lang), say(t.tellerAgain, lang));
    return {
      screen: 'teller',
      step: 3,
      title: say(t.teller, lang),
      lines,
      keys: keysLine(lang, value === 'approvalTimedOut' ? [t.keysRetry] : [], { back: false }),
    };
  }
  return working(lang, 3);
}

const secretWords: Record<string, Words> = {
  mismatch: t.mismatch,
  pinFormat: t.pinFormat,
};

export function storageScreen(input: ScreenInput): ScreenBody {
  const { visit, view, lang, local } = input;
  const child = childOf(visit, 'storage');
  const value = child?.value;
  const error = errorOf(child?.context.failure, lang);
  if (value === 'choosing')
    return mediaScreen(input, 'storage', t.storage, visit.context.media, true);
  if (value === 'confirmFormat') {
    const medium = child?.context.medium as { kind?: string; device?: string } | undefined;
    return {
      screen: 'confirmFormat',
      step: 4,
      title: say(t.confirmFormat, lang),
      lines:
        medium?.kind === 'usb' && medium.device !== undefined
          ? [formatTargetLine(view, medium.device, lang)]
          : [],
      error: { happened: say(t.formatWarning, lang), todo: '' },
      keys: keysLine(lang, [t.formatKeys], { back: false }),
    };
  }
  if (value === 'driveRemoved' || value === 'formatFailed')
    return {
      screen: 'failure',
      step: 4,
      title: say(t.storage, lang),
      lines: [],
      ...withError(error),
      keys: keysLine(lang, value === 'driveRemoved' ? [t.keysRetry] : []),
    };
  if (value === 'password' || value === 'pin') {
    const refused = ((child?.context.secretProblems ?? []) as string[])
      .map((p) => secretWords[p])
      .filter((p): p is Words => p !== undefined);
    const checklist: Check[] = (local.checklist ?? []).map((r) => ({
      label: outside(r[lang], 80),
      ok: r.ok,
    }));
    const pin = value === 'pin';
    const items = pin
      ? [field(input, 'pin', t.pinField, { masked: true, refused })]
      : [
          field(input, 'password', t.passwordField, { masked: true }),
          field(input, 'passwordAgain', t.passwordAgain, { masked: true, refused }),
        ];
    return {
      screen: pin ? 'pin' : 'password',
      step: 5,
      title: say(pin ? t.pin : t.password, lang),
      lines: [],
      fields: { items, focus: Math.min(local.focus ?? 0, items.length - 1) },
      ...(pin ? {} : { checklist }),
      keys: keysLine(lang, [t.keysForm]),
    };
  }
  return working(lang, 4);
}

/**
 * Pick a medium: the tokens and drives the kiosk sees, of the kinds it offers, with what the
 * watchers found of them (mediaItems.ts); `writing` where the medium is written to.
 */
function mediaScreen(
  input: ScreenInput,
  screen: 'storage' | 'heldList',
  title: Words,
  media: readonly ('token' | 'usb')[],
  writing: boolean,
): ScreenBody {
  const { view, lang, local } = input;
  const items = mediaItems(view, lang, media, writing);
  return {
    screen,
    step: 4,
    title: say(title, lang),
    lines: items.length === 0 ? [say(t.noMedia, lang)] : [],
    pick: { items, cursor: local.cursor ?? 0 },
    keys: keysLine(lang, [t.keysPick]),
  };
}

export function heldScreen(input: ScreenInput): ScreenBody {
  const { visit, lang, local } = input;
  const child = childOf(visit, 'held');
  const value = child?.value;
  const error = errorOf(child?.context.failure, lang);
  const certificates = (child?.context.certificates ?? []) as HeldCertificate[];
  const renew = visit.context.purpose === 'renew';
  if (value === 'choosing')
    return mediaScreen(input, 'storage', t.heldChoose, visit.context.media, false);
  if (value === 'empty' || value === 'mediumRemoved' || value === 'unreadable')
    return {
      screen: 'failure',
      step: 4,
      title: say(t.heldList, lang),
      lines: value === 'empty' ? [say(t.heldEmpty, lang)] : [],
      ...withError(error),
      keys: keysLine(lang, value === 'mediumRemoved' ? [t.keysRetry] : []),
    };
  if (value === 'picking' || value === 'shown')
    return {
      screen: 'heldList',
      step: 4,
      title: say(t.heldList, lang),
      lines: [],
      pick: {
        cursor: local.cursor ?? 0,
        items: certificates.map((c) => ({
          id: c.serial,
          label: outside(c.subject, 60),
          detail: `${say(t.validUntil, lang)} ${outside(c.notAfter, 10).slice(0, 10)}${
            renew && !c.renewable ? ` (${say(t.notRenewable, lang)})` : ''
          }`,
          enabled: value === 'picking' && (!renew || c.renewable),
        })),
      },
      keys: keysLine(lang, value === 'shown' ? [t.keysFinish] : [t.keysPick]),
    };
  if (value === 'secret')
    return {
      screen: 'heldSecret',
      step: 5,
      title: say(t.heldSecret, lang),
      lines: [],
      fields: { items: [field(input, 'heldSecret', t.passwordField, { masked: true })], focus: 0 },
      keys: keysLine(lang, [t.keysForm]),
    };
  return working(lang, 4);
}
