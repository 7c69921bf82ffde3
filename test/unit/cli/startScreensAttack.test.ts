import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchTerminal } from '../../../src/cli/commands/startScreens.js';
import { sharedTerminal } from '../../../ui/blessed/sharedTerminal.js';
import { atLeast, viewSurface } from '../../../ui/blessed/terminal.js';

// Attacks on `kiosk start`'s screens (issue 15): the terminal going away under them (a killed
// tmux, a closed window: EIO on every write, the input ended) and a terminal made smaller than a
// view can lay out for.

/** A terminal stream as the process's: a tty on a descriptor. */
function ttyStream(fd: number): PassThrough & { fd: number; isTTY: boolean } {
  return Object.assign(new PassThrough(), { fd, isTTY: true });
}

describe('watchTerminal', () => {
  it('EIO on the output is the terminal lost, not an uncaught error; forget closes its descriptors', async () => {
    const input = ttyStream(0);
    const output = ttyStream(1);
    const file = Object.assign(new PassThrough(), { fd: 2, isTTY: false });
    const closed: number[] = [];
    const watch = watchTerminal({
      input,
      outputs: [output, file],
      close: (fd) => closed.push(fd),
    });
    watch.forget();
    expect(closed).toEqual([]); // a live terminal is never let go of
    output.destroy(Object.assign(new Error('write EIO'), { code: 'EIO' }));
    await watch.lost;
    expect(watch.isLost()).toBe(true);
    watch.forget();
    // The tty's descriptors only: a stderr redirected to a file is not the terminal.
    expect(closed).toEqual([0, 1]);
  });

  it("the terminal's input ending (a hang-up) is the terminal lost", async () => {
    const input = ttyStream(0);
    const watch = watchTerminal({ input, outputs: [ttyStream(1)], close: () => undefined });
    input.resume();
    input.end();
    await watch.lost;
    expect(watch.isLost()).toBe(true);
  });

  it('a shared terminal closed on a dead output does not throw', async () => {
    const input = ttyStream(0);
    const output = ttyStream(1);
    const watch = watchTerminal({ input, outputs: [output], close: () => undefined });
    const shared = sharedTerminal<'a'>({
      input,
      output,
      views: ['a'],
      barRows: 3,
      ownKey: () => false,
    });
    shared.setBar(['bar']);
    output.destroy(Object.assign(new Error('write EIO'), { code: 'EIO' }));
    await watch.lost;
    expect(() => {
      shared.setBar(['again']);
      shared.close();
    }).not.toThrow();
  });
});

describe('a terminal smaller than a view', () => {
  it('a view in a host box smaller than its bar is told a size of 0 or more, never less', () => {
    const input = ttyStream(0);
    const output = Object.assign(ttyStream(1), { columns: 2, rows: 2 });
    const shared = sharedTerminal<'visitor' | 'teller'>({
      input,
      output,
      views: ['visitor', 'teller'],
      barRows: 3,
      ownKey: () => false,
    });
    try {
      const visitor = viewSurface({ host: shared.host('visitor') });
      const { width, height } = visitor.size();
      expect(width).toBeGreaterThanOrEqual(0);
      expect(height).toBeGreaterThanOrEqual(0);
    } finally {
      shared.close();
    }
  });

  it('atLeast: NaN, negative and fractional sizes', () => {
    expect(atLeast(Number.NaN, 0)).toBe(0);
    expect(atLeast(-3, 0)).toBe(0);
    expect(atLeast('12', 40)).toBe(40);
    expect(atLeast(80.7, 40)).toBe(80);
  });
});
