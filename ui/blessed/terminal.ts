import blessed from 'blessed';

/** A terminal to draw on: the process's own by default; tests give PassThroughs. */
export interface TerminalOptions {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** The terminfo name (default xterm-256color, which the kiosk's terminal is set up as). */
  readonly terminal?: string;
}

/**
 * The blessed screen both consoles draw on (the visitor's, ui/blessed/kioskScreen.ts; the
 * teller's, ui/teller/console.ts): full Unicode forced on (a service runs without a locale, and
 * blessed enables fullUnicode only when it believes the terminal is UTF-8), no padding of its own
 * (rows are padded by display width, ui/text/width.ts), the cursor hidden.
 */
export function terminalScreen(options: TerminalOptions): blessed.Widgets.Screen {
  const screen = blessed.screen({
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.output === undefined ? {} : { output: options.output }),
    terminal: options.terminal ?? 'xterm-256color',
    fullUnicode: true,
    forceUnicode: true,
    smartCSR: true,
    warnings: false,
    autoPadding: false,
    // @types/blessed 0.1.27 has `input` and `output` swapped (Writable/Readable): cast past it.
  } as unknown as blessed.Widgets.IScreenOptions);
  screen.program.hideCursor();
  return screen;
}
