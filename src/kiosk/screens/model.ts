import { problemWords } from '../../../machines/kiosk.js';
import type { Lang, ScreenModel } from '../../../ui/contract.js';
import type { KioskView } from '../run/kiosk.js';
import { flowScreen } from './flowScreens.js';
import type { ScreenBody, ScreenLocal } from './parts.js';
import { say, steps, t } from './strings.js';

export type { ScreenLocal } from './parts.js';

/**
 * The kiosk's snapshot reduced to one screen (issue 15 item 1): what the visitor sees, in their
 * language, every outside string (institution names, chip data, CA subjects, reader names)
 * through screenSafe. Pure: the same view and local state give the same model, so a screen test
 * is a snapshot in and a model out. What the visitor is typing lives with the caller (the screen
 * driver, which also keeps the secret bytes); it comes here as {@link ScreenLocal}: what may be
 * shown of it, never a secret.
 */

export function screenModel(view: KioskView, lang: Lang, local: ScreenLocal = {}): ScreenModel {
  const body = bodyOf(view, lang, local);
  const { step, ...rest } = body;
  const visit = view.visit;
  const warned =
    visit?.status === 'active' && (visit.value as { attention?: unknown }).attention === 'warning';
  return {
    ...rest,
    lang,
    steps: { labels: steps.map((s) => say(s, lang)), current: step },
    ...(warned ? { countdown: countdown(lang, local.secondsLeft) } : {}),
  };
}

function bodyOf(view: KioskView, lang: Lang, local: ScreenLocal): ScreenBody {
  if (view.state === 'outOfService')
    return {
      screen: 'outOfService',
      step: 0,
      title: say(t.outOfService, lang),
      lines: [
        ...view.problems.map((p) => say(problemWords[p], lang)),
        say(t.outOfServiceTodo, lang),
      ],
      keys: say(t.keysLanguage, lang),
    };
  const visit = view.visit;
  if (visit === undefined || visit.status !== 'active')
    return {
      screen: 'welcome',
      step: 0,
      title: say(t.welcome, lang),
      lines: [say(t.welcomeLine, lang)],
      keys: say(t.keysLanguage, lang),
    };
  return flowScreen({ view, visit, lang, local });
}

function countdown(lang: Lang, seconds: number | undefined): ScreenModel['countdown'] & object {
  const text =
    seconds === undefined
      ? say(t.stillThere, lang)
      : `${say(t.stillThere, lang)} ${String(seconds)}${say(t.secondsLeft, lang)}`;
  return seconds === undefined ? { text } : { seconds, text };
}
