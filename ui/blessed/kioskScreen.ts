import blessed from 'blessed';
import { viewSurface, type TerminalOptions } from './terminal.js';
import type { KeyName, Screen, ScreenModel, UiEvent } from '../contract.js';
import { textWidth } from '../text/width.js';
import { layout, type Row, type Style } from './layout.js';

/**
 * The visitor's screen on blessed (issue 15 item 2): one bordered frame, the model laid out by
 * layout.ts in rows of segments already cut to their width, each segment a one-row box. Keys are
 * reported as UiEvents and nothing typed is kept here: there is no blessed textbox (it keeps the
 * text in a string and its backspace removes one UTF-16 unit), a secret field shows only the
 * `*`s its model holds.
 *
 * blessed facts this relies on (issue 15): `fullUnicode` is honoured only when blessed believes
 * the terminal is UTF-8, so `forceUnicode` is set for a service started without a locale; blessed
 * keeps SGR escapes (`\x1b[31m`) found in content and draws them as colours, so content is never
 * raw outside text (the model is screenSafe'd, layout.ts strips controls again); `tags` stay off
 * so a `{bold}` in a name is text.
 */

export type KioskScreenOptions = TerminalOptions;

const styles: Record<Style, blessed.Widgets.Types.TStyle> = {
  normal: {},
  title: { bold: true },
  dim: { fg: 'grey' },
  current: { fg: 'black', bg: 'cyan', bold: true },
  selected: { fg: 'black', bg: 'white' },
  problem: { fg: 'red' },
  ok: { fg: 'green' },
  warning: { fg: 'black', bg: 'yellow' },
  keys: { fg: 'cyan' },
};

const keyNames: Readonly<Record<string, KeyName>> = {
  up: 'up',
  down: 'down',
  left: 'left',
  right: 'right',
  // blessed reports Return twice (`return`, then `enter`): only `enter` counts.
  enter: 'enter',
  tab: 'tab',
  backspace: 'backspace',
  delete: 'delete',
};

export function createKioskScreen(options: KioskScreenOptions = {}): Screen {
  const surface = viewSurface(options);
  const { screen } = surface;
  const frame = blessed.box({
    parent: surface.parent,
    top: 0,
    left: 0,
    width: '100%',
    height: '100%',
    border: { type: 'line' },
    style: { border: { fg: 'cyan' } },
    tags: false,
  });
  const listeners = new Set<(event: UiEvent) => void>();
  let shown: ScreenModel | undefined;
  let closed = false;

  const emit = (event: UiEvent): void => {
    for (const listener of listeners) listener(event);
  };

  surface.onKey((ch, key) => {
    const event = closed ? undefined : eventOf(ch, key, shown);
    if (event !== undefined) emit(event);
  });

  const draw = (model: ScreenModel): void => {
    for (const child of [...frame.children]) child.destroy();
    // One column of space inside the border on each side.
    const size = surface.size();
    const width = Math.max(0, size.width - 4);
    const height = Math.max(0, size.height - 2);
    const rows = layout(model, width, height);
    rows.forEach((row, top) => {
      if (row.errorBox === true) return;
      let left = 0;
      for (const segment of row.segments) {
        const columns = textWidth(segment.text);
        if (columns === 0) continue;
        blessed.box({
          parent: frame,
          // autoPadding is off: a child's position counts the frame's border (and the space).
          top: top + 1,
          left: left + 2,
          width: columns,
          height: 1,
          content: segment.text,
          style: styles[segment.style],
          tags: false,
          wrap: false,
        });
        left += columns;
      }
    });
    drawErrorBox(frame, rows, width);
    screen.render();
  };

  // A resize lays the same model out again.
  screen.on('resize', () => {
    if (shown !== undefined && !closed) draw(shown);
  });

  return {
    render(model) {
      if (closed) return;
      shown = model;
      draw(model);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      frame.destroy();
      surface.release();
    },
  };
}

/**
 * What a key means to the service, or nothing (blessed's second report of Return, a control
 * character). A digit on a pick list without fields picks the item with that number.
 */
export function eventOf(
  ch: string | undefined,
  key: { readonly name?: string; readonly full?: string },
  shown: ScreenModel | undefined,
): UiEvent | undefined {
  if (key.full === 'S-tab') return { type: 'key', key: 'backtab' };
  if (key.name === 'escape') return { type: 'back' };
  if (key.name === 'f10' || key.full === 'C-c') return { type: 'cancel' };
  if (key.name === 'f2') return { type: 'language' };
  const named = key.name === undefined ? undefined : keyNames[key.name];
  if (named !== undefined) return { type: 'key', key: named };
  // eslint-disable-next-line no-control-regex -- only printable characters are text
  if (ch === undefined || ch === '' || /[\u0000-\u001f\u007f-\u009f]/.test(ch)) return undefined;
  const pick = shown?.fields === undefined ? shown?.pick : undefined;
  const item = /^[1-9]$/.test(ch) ? pick?.items[Number(ch) - 1] : undefined;
  if (item !== undefined) return item.enabled ? { type: 'pick', id: item.id } : undefined;
  return { type: 'text', text: ch };
}

/** The error rows as one box with a red border; its text rows are already cut to fit inside. */
function drawErrorBox(frame: blessed.Widgets.BoxElement, rows: readonly Row[], width: number) {
  const first = rows.findIndex((r) => r.errorBox === true);
  if (first < 0) return;
  let last = first;
  while (rows[last + 1]?.errorBox === true) last++;
  const text = rows
    .slice(first + 1, last)
    .map((r) => r.segments.map((s) => s.text).join(''))
    .join('\n');
  blessed.box({
    parent: frame,
    top: first + 1,
    left: 2,
    width,
    height: last - first + 1,
    border: { type: 'line' },
    content: text,
    style: { border: { fg: 'red' }, fg: 'red' },
    tags: false,
    wrap: false,
  });
}
