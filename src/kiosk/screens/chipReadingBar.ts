import type { Lang, Progress } from '../../../ui/contract.js';
import type { ChipProgress } from '../chipProgress.js';
import { sizeText } from './mediaItems.js';
import { say, t } from './strings.js';

/**
 * The reading screen's bar (issue 15: "a bar of bytes read"): the bytes read of the chip against
 * the bytes its files have announced so far (src/kiosk/chipProgress.ts), counted in bytes and
 * said in words ("12.3 KB / 20.1 KB 읽음"). The chip tells a file's length only as it begins it,
 * so the total grows file by file: the bytes read only rise, and the bar is full at the end.
 */
export function chipReadingBar(progress: ChipProgress, lang: Lang): Progress {
  const read = Math.max(0, Math.floor(progress.read));
  const total =
    progress.total === undefined ? undefined : Math.max(read, Math.floor(progress.total));
  const amount = total === undefined ? sizeText(read) : `${sizeText(read)} / ${sizeText(total)}`;
  return { done: read, total: total ?? 0, label: `${amount} ${say(t.chipBytesRead, lang)}` };
}
