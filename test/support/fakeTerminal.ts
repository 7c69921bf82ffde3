import { PassThrough } from 'node:stream';
import xtermHeadless from '@xterm/headless';

// A terminal for screen tests (issue 15): PassThrough streams that look like a TTY of a fixed
// size to blessed, and the bytes blessed writes fed to @xterm/headless of the same size, so a test
// reads back the screen as a terminal would show it, cell by cell.

const { Terminal } = xtermHeadless;

type Tty = PassThrough & {
  isTTY: boolean;
  columns: number;
  rows: number;
  setRawMode?: (on: boolean) => void;
};

export interface FakeTerminal {
  readonly input: Tty;
  readonly output: Tty;
  /** Waits until blessed has flushed (it writes on a later tick) and xterm has parsed it all. */
  settle(): Promise<void>;
  /** The screen's rows as text, trailing spaces kept (a wide character's second cell is none). */
  lines(): string[];
  /**
   * The row's cells: each with its characters and width (2 for a wide character, 0 for the cell
   * it covers), so a test finds the column where something is drawn.
   */
  cells(row: number): { chars: string; width: number }[];
  /** Every byte blessed wrote, as latin1 text (escape sequences included). */
  bytes(): string;
  /** Keys as the terminal would send them. */
  type(keys: string): void;
  dispose(): void;
}

export function fakeTerminal(columns: number, rows: number): FakeTerminal {
  const tty = (): Tty => {
    const stream = new PassThrough() as Tty;
    stream.isTTY = true;
    stream.columns = columns;
    stream.rows = rows;
    return stream;
  };
  const input = tty();
  input.setRawMode = () => undefined;
  const output = tty();
  const term = new Terminal({ cols: columns, rows, allowProposedApi: true });
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    term.write(bytes);
  });
  const buffer = () => term.buffer.active;
  return {
    input,
    output,
    settle: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        term.write('', resolve);
      });
    },
    lines: () =>
      Array.from({ length: rows }, (_, y) => buffer().getLine(y)?.translateToString(false) ?? ''),
    cells: (row) => {
      const line = buffer().getLine(row);
      return Array.from({ length: columns }, (_, x) => {
        const cell = line?.getCell(x);
        return { chars: cell?.getChars() ?? '', width: cell?.getWidth() ?? 1 };
      });
    },
    bytes: () => Buffer.concat(chunks).toString('latin1'),
    type: (keys) => {
      input.write(keys);
    },
    dispose: () => {
      term.dispose();
      input.destroy();
      output.destroy();
    },
  };
}
