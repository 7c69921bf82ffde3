import blessed from 'blessed';
import { fit } from '../text/width.js';
import {
  atLeast,
  terminalScreen,
  type KeyListener,
  type TerminalHost,
  type TerminalOptions,
} from './terminal.js';

/**
 * One terminal holding several views, one shown at a time (issue 15 item 4: the demo's visitor
 * and teller in one terminal), with a bar of a few rows at the bottom. Each view draws in its own
 * full-width box above the bar and hears keys only while shown; the owner hears every key first
 * and may take it (the view switch, quitting).
 */
export interface SharedTerminal<V extends string> {
  readonly screen: blessed.Widgets.Screen;
  /** What view `name` draws in (TerminalOptions.host). */
  host(name: V): TerminalHost;
  show(name: V): void;
  shown(): V;
  /** The bar's lines (plain text: no tags, no escapes), cut to the width. */
  setBar(lines: readonly string[]): void;
  /** Destroys the screen (the views must be closed first). */
  close(): void;
}

export interface SharedTerminalOptions<V extends string> extends Omit<TerminalOptions, 'host'> {
  readonly views: readonly [V, ...V[]];
  /** Rows kept for the bar. */
  readonly barRows: number;
  /** Hears every key first; true: taken, the shown view does not hear it. */
  readonly ownKey: (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => boolean;
}

export function sharedTerminal<V extends string>(
  options: SharedTerminalOptions<V>,
): SharedTerminal<V> {
  const screen = terminalScreen(options);
  const bar = blessed.box({
    parent: screen,
    bottom: 0,
    left: 0,
    width: '100%',
    height: options.barRows,
    style: { fg: 'black', bg: 'yellow' },
    tags: false,
    wrap: false,
  });
  const boxes = new Map<V, blessed.Widgets.BoxElement>();
  const keys = new Map<V, KeyListener[]>();
  let shown: V = options.views[0];
  for (const name of options.views) {
    const box = blessed.box({
      parent: screen,
      top: 0,
      left: 0,
      width: '100%',
      height: `100%-${String(options.barRows)}`,
      tags: false,
    });
    if (name !== shown) box.hide();
    boxes.set(name, box);
    keys.set(name, []);
  }
  let lines: readonly string[] = [];
  const drawBar = (): void => {
    const width = atLeast(screen.width, 0);
    bar.setContent(lines.map((line) => fit(line, width)).join('\n'));
  };
  screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => {
    if (options.ownKey(ch, key)) return;
    for (const listener of keys.get(shown) ?? []) listener(ch, key);
  });
  screen.on('resize', () => {
    drawBar();
    screen.render();
  });
  const boxOf = (name: V): blessed.Widgets.BoxElement => {
    const box = boxes.get(name);
    if (box === undefined) throw new Error(`no view ${name}`);
    return box;
  };
  return {
    screen,
    host: (name) => ({
      screen,
      parent: boxOf(name),
      onKey: (listener) => {
        keys.get(name)?.push(listener);
      },
    }),
    show: (name) => {
      for (const [view, box] of boxes) {
        if (view === name) box.show();
        else box.hide();
      }
      shown = name;
      // A view that drew while hidden drew into its box: rendering now shows what it holds.
      screen.emit('resize');
    },
    shown: () => shown,
    setBar: (next) => {
      lines = next;
      drawBar();
      screen.render();
    },
    close: () => {
      screen.destroy();
    },
  };
}
