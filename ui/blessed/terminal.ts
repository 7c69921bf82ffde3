import blessed from 'blessed';

/** A key as blessed reports it. */
export type KeyListener = (
  ch: string | undefined,
  key: blessed.Widgets.Events.IKeyEventArg,
) => void;

/**
 * A part of a terminal another owner keeps (the demo's one terminal holding both consoles,
 * ui/blessed/sharedTerminal.ts): the box a view draws in, and the keys it is given while shown.
 */
export interface TerminalHost {
  readonly screen: blessed.Widgets.Screen;
  readonly parent: blessed.Widgets.BoxElement;
  /** Registers the view's key listener; the host calls it only while the view is shown. */
  onKey(listener: KeyListener): void;
}

/** A terminal to draw on: the process's own by default; tests give PassThroughs. */
export interface TerminalOptions {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** The terminfo name (default xterm-256color, which the kiosk's terminal is set up as). */
  readonly terminal?: string;
  /** Draw inside a host's box instead of on a terminal of one's own (input/output unused). */
  readonly host?: TerminalHost;
}

/** Where a view draws and hears keys: its own screen, or a host's box. */
export interface ViewSurface {
  readonly screen: blessed.Widgets.Screen;
  /** The element the view's elements are children of. */
  readonly parent: blessed.Widgets.Node;
  onKey(listener: KeyListener): void;
  /** The columns and rows the view has. */
  size(): { width: number; height: number };
  /** Lets go of the surface: destroys an own screen, leaves a host's alone. */
  release(): void;
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

/** A blessed size (cells; NaN or negative while the terminal is tiny) raised to `floor`. */
export function atLeast(cells: unknown, floor: number): number {
  const n = Number(cells);
  return Number.isFinite(n) && n > floor ? Math.floor(n) : floor;
}

/**
 * The size a view lays out for: never negative (a terminal may be made one cell small, and a
 * shared terminal's box is smaller still once its bar is taken).
 */
function viewSize(width: unknown, height: unknown): { width: number; height: number } {
  return { width: atLeast(width, 0), height: atLeast(height, 0) };
}

/** The surface of a view: the host's box if there is a host, else a screen of its own. */
export function viewSurface(options: TerminalOptions): ViewSurface {
  const { host } = options;
  if (host !== undefined)
    return {
      screen: host.screen,
      parent: host.parent,
      onKey: (listener) => {
        host.onKey(listener);
      },
      // blessed's width and height getters give the computed size in cells.
      size: () => viewSize(host.parent.width, host.parent.height),
      release: () => undefined,
    };
  const screen = terminalScreen(options);
  return {
    screen,
    parent: screen,
    onKey: (listener) => {
      screen.on('keypress', listener);
    },
    size: () => viewSize(screen.width, screen.height),
    release: () => {
      screen.destroy();
    },
  };
}
