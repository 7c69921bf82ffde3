import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TellerClient } from '../../../src/teller/client.js';
import { consolePort } from '../../../src/teller/consolePort.js';
import type { VisitView } from '../../../src/teller/desk.js';
import { drawTestFace } from '../../../src/virtualDocument/testFace.js';
import { openTellerConsole, type TellerConsole } from '../../../ui/teller/console.js';
import { idn } from '../../support/kioskWorld.js';
import { alice, startTellerApiWorld, type TellerApiWorld } from '../teller/tellerApiWorld.js';

// Issue 15 item 3: the teller console drawn headless (blessed on PassThrough streams with a TTY's
// size), driven by key presses, over the real client and teller API in front of the fake desk:
// log in, the queue, a visit with the chip beside the form, the verdicts and the photo; approve,
// the override behind its second confirmation, the in-person check; a chip name carrying escape
// sequences, bidi controls and tag braces drawn inert. At 80×24 and 120×40.

interface Terminal {
  readonly console: TellerConsole;
  /** Everything the console wrote to the terminal. */
  readonly written: () => string;
  type(keys: string): Promise<void>;
  /** The screen's rows as text. */
  rows(): string[];
}

const hostile = '{red-bg}EVIL\u001b]0;owned\u0007\u001b[2J\u202eLIAM\u2066';

function terminal(world: TellerApiWorld, columns: number, rows: number): Terminal {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns, rows });
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const port = consolePort(new TellerClient({ url: world.url }));
  const console = openTellerConsole({ port, input, output, refreshMs: 0, lang: 'en' });
  const settle = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    await console.settled();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    console,
    written: () => Buffer.concat(chunks).toString('utf8'),
    type: async (keys) => {
      // One key per write: blessed reads a chunk as one key sequence.
      // eslint-disable-next-line no-control-regex -- an arrow key's escape sequence is one key
      for (const key of keys.match(/\x1b\[[A-D]|\r|./gsu) ?? []) {
        input.write(key);
        await settle();
      }
    },
    rows: () => {
      const lines = (console.screen as unknown as { lines: [number, string][][] }).lines;
      // blessed follows each wide character with a \x03 filler cell.
      return lines.map((line) =>
        line
          .map(([, ch]) => ch)
          .join('')
          .replaceAll('\x03', ''),
      );
    },
  };
}

/** Where the visit stands in the queue shown. */
function queueIndex(t: Terminal, visitId: string): number {
  const view = t.console.state().screen;
  if (view.view !== 'queue') throw new Error(`the queue is not shown (${view.view})`);
  return view.rows.findIndex((row) => row.visitId === visitId);
}

describe.each([
  [80, 24],
  [120, 40],
])('the teller console at %i×%i', (columns, height) => {
  let world: TellerApiWorld;
  const face = drawTestFace({ seed: 5 });

  beforeAll(async () => {
    world = await startTellerApiWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  it('login, the queue, a visit: chip beside form, verdicts, photo; approve sends the decision', async () => {
    world.desk.addVisit({
      id: 'visit-ok',
      basis: 'chipVerified',
      photo: { type: 'image/jpeg', bytes: face },
    });
    const t = terminal(world, columns, height);
    expect(t.rows().join('\n')).toContain('Teller login');
    await t.type(`${alice.name}\r${alice.password}\r`);
    expect(t.rows().join('\n')).not.toContain(alice.password);
    expect(t.written()).not.toContain(alice.password);
    expect(t.console.state().screen.view).toBe('queue');
    const queue = t.rows().join('\n');
    expect(queue).toContain('Visits waiting');
    expect(queue).toContain('홍길동');
    expect(queue).toContain('900101-1******');

    await t.type('\r');
    const screen = t.rows();
    const text = screen.join('\n');
    expect(t.console.state().screen.view).toBe('visit');
    // The form column and the chip column on the same row.
    const nameRow = screen.find((row) => row.includes('HONG GIL DONG'));
    expect(nameRow).toContain('홍길동');
    expect(screen.find((row) => row.includes('Document no.'))).toContain('M12345678');
    expect(text).toContain('Passive auth.: Genuine');
    expect(text).toContain('Active auth.: Not a copy');
    expect(text).toContain('A approve');
    // Every row is the terminal's width; the photo box holds half blocks.
    for (const row of screen) expect(row.length).toBeLessThanOrEqual(columns);
    expect(screen.filter((row) => row.includes('\u2580')).length).toBeGreaterThan(4);
    // The form and chip columns start at the same column on every table row, Hangul or not.
    const formAt = screen.map((row) => row.indexOf('홍길동')).find((i) => i >= 0);
    const birthRow = screen.find((row) => row.includes('Date of birth')) ?? '';
    expect(birthRow.indexOf('1990-01-01')).toBe(formAt);

    await t.type('a');
    expect(world.desk.received.at(-1)).toMatchObject({
      visitId: 'visit-ok',
      decision: { kind: 'approve', teller: alice.name },
    });
    expect(world.desk.received.at(-1)?.decision).not.toHaveProperty('overrideReason');
    // Decided: the visit waits no more, the console is back at the queue, saying so.
    expect(t.console.state().screen.view).toBe('queue');
    expect(t.rows().join('\n')).toContain('Approved (verified chip)');
    await t.console.close();
    expect(world.sessionEvents.at(-1)).toMatchObject({ teller: alice.name, event: 'logout' });
  });

  it('the override: a reason, then a second confirmation, before anything is sent', async () => {
    world.desk.addVisit({ id: 'visit-override', basis: 'chipNotVerified' });
    const t = terminal(world, columns, height);
    await t.type(`${alice.name}\r${alice.password}\r`);
    const index = queueIndex(t, 'visit-override');
    await t.type('\x1b[B'.repeat(index));
    await t.type('\r');
    const screen = t.rows();
    // The mismatch is drawn, and its row highlighted (red) on the screen's attributes.
    expect(screen.join('\n')).toContain('Date of birth mismatch');
    expect(screen.join('\n')).toContain('Passive auth.: Not verified');
    const before = world.desk.received.length;
    await t.type('a');
    expect(t.rows().join('\n')).toContain('Why approve anyway');
    await t.type('checked under UV\r');
    expect(t.rows().join('\n')).toContain('Override: approve a chip that did not verify?');
    expect(world.desk.received.length).toBe(before);
    await t.type('y');
    expect(world.desk.received.at(-1)).toMatchObject({
      visitId: 'visit-override',
      decision: { kind: 'approve', overrideReason: 'checked under UV' },
    });
    expect(t.rows().join('\n')).toContain('Approved by override');
    await t.console.close();
  });

  it('no chip: the in-person check (type, number, photo matches) is recorded as such', async () => {
    world.desk.addVisit({ id: 'visit-nochip', basis: 'noChip' });
    const t = terminal(world, columns, height);
    await t.type(`${alice.name}\r${alice.password}\r`);
    const index = queueIndex(t, 'visit-nochip');
    await t.type(`${'\x1b[B'.repeat(index)}\r`);
    await t.type('a');
    expect(t.rows().join('\n')).toContain('No chip: approve through the in-person check');
    await t.type('i1');
    await t.type(idn);
    // The number typed shows its first eight characters, the rest masked.
    expect(t.rows().join('\n')).toContain(`${idn.slice(0, 8)}*****`);
    expect(t.written()).not.toContain(idn);
    await t.type('\r');
    expect(t.rows().join('\n')).toContain('Does the photo on the ID match the person?');
    await t.type('y');
    expect(world.desk.received.at(-1)).toMatchObject({
      visitId: 'visit-nochip',
      decision: { kind: 'approve', inPerson: { type: 'residentCard' } },
    });
    // The number's bytes were zeroed on the way (the desk's copy included).
    expect(world.desk.numbers.at(-1)?.every((b) => b === 0)).toBe(true);
    expect(t.rows().join('\n')).toContain('Approved in person (no chip): 900101-1******');
    await t.console.close();
  });

  it('a hostile chip name is drawn inert', async () => {
    const view = world.desk.addVisit({ id: 'visit-hostile', basis: 'chipVerified' });
    const original = world.desk.view.bind(world.desk);
    world.desk.view = (visitId: string): VisitView | undefined => {
      const found = original(visitId);
      if (found?.chipData === undefined || visitId !== view.visitId) return found;
      return { ...found, chipData: { ...found.chipData, surname: hostile, givenNames: '' } };
    };
    const t = terminal(world, columns, height);
    await t.type(`${alice.name}\r${alice.password}\r`);
    const index = queueIndex(t, 'visit-hostile');
    await t.type(`${'\x1b[B'.repeat(index)}\r`);
    const text = t.rows().join('\n');
    // The tag is text, the escapes are `?`s.
    expect(text).toContain('{red-bg}EVIL?]0;own');
    // eslint-disable-next-line no-control-regex -- none may reach the screen
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202a-\u202e\u2066-\u2069]/);
    const written = t.written();
    expect(written).not.toContain('\u001b]0;owned');
    expect(written).not.toContain('\u202e');
    expect(written).not.toContain('\u0007');
    world.desk.view = original;
    await t.console.close();
  });
});
