import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardApplication } from '../../../drivers/pcsc/contract.js';
import { ChipReadTally, Coalesced, type ChipProgress } from '../../../src/kiosk/chipProgress.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { startKiosk, type KioskView } from '../../../src/kiosk/run/kiosk.js';
import { chipReadingBar } from '../../../src/kiosk/screens/chipReadingBar.js';
import { screenModel } from '../../../src/kiosk/screens/model.js';
import { layout } from '../../../ui/blessed/layout.js';
import type { ScreenModel } from '../../../ui/contract.js';
import { textWidth } from '../../../ui/text/width.js';
import { childState, kiosk, reader, until, walkThroughIdentity } from '../../support/kioskWorld.js';
import { answering, closeServer, untilView } from '../../support/runningKiosk.js';
import { handMadeVisit, viewWith } from '../../support/screenVisits.js';

// Issue 15, the reading screen's bar: the chip reader's per-file progress summed over the reading
// (src/kiosk/chipProgress.ts), passed from the chip-reading effect up to the running kiosk's view,
// redrawn at most ten times a second, and drawn as bytes read in words.

/** The frame's inside at 80x24 (kioskScreen.ts: a border and a column of padding each side). */
const inside = { width: 76, height: 22 };

const rows = (m: ScreenModel): string[] =>
  layout(m, inside.width, inside.height).map((r) => r.segments.map((s) => s.text).join(''));

describe('the chip reading summed', () => {
  it('adds each file once, as far as it got, and announces each length as the file begins', () => {
    const tally = new ChipReadTally();
    expect(tally.add({ fid: 0x011e, bytesRead: 4, total: 24 })).toEqual({ read: 4, total: 24 });
    expect(tally.add({ fid: 0x011e, bytesRead: 24, total: 24 })).toEqual({ read: 24, total: 24 });
    expect(tally.add({ fid: 0x0102, bytesRead: 4, total: 8153 })).toEqual({
      read: 28,
      total: 8177,
    });
    // Read again from the start after a new session: not counted twice.
    expect(tally.add({ fid: 0x0102, bytesRead: 4, total: 8153 })).toEqual({
      read: 28,
      total: 8177,
    });
    expect(tally.add({ fid: 0x0102, bytesRead: 8153, total: 8153 })).toEqual({
      read: 8177,
      total: 8177,
    });
    // A report past its length is held to it.
    expect(tally.add({ fid: 0x0101, bytesRead: 120, total: 93 })).toEqual({
      read: 8270,
      total: 8270,
    });
  });

  it('says the bytes in words, Korean and English, and counts them on the bar', () => {
    expect(chipReadingBar({ read: 12_300, total: 20_100 }, 'ko')).toEqual({
      done: 12_300,
      total: 20_100,
      label: '12.3 KB / 20.1 KB 읽음',
    });
    expect(chipReadingBar({ read: 24, total: 24 }, 'en').label).toBe('24 B / 24 B read');
    expect(chipReadingBar({ read: 1733 }, 'en')).toEqual({
      done: 1733,
      total: 0,
      label: '1.7 KB read',
    });
  });

  it('shows the bar on the reading screen only, fitting 80x24', () => {
    const reading = (value: unknown, chipProgress?: ChipProgress) =>
      screenModel(
        viewWith(
          handMadeVisit({
            flow: 'identity',
            children: { identity: { value, context: {} } },
          }),
          chipProgress === undefined ? {} : { chipProgress },
        ),
        'ko',
      );
    const m = reading({ chip: 'reading' }, { read: 4100, total: 9886 });
    expect(m.screen).toBe('reading');
    expect(m.progress).toEqual({ done: 4100, total: 9886, label: '4.1 KB / 9.9 KB 읽음' });
    expect(rows(m)).toContain(
      '[#################-----------------------] 4100/9886 4.1 KB / 9.9 KB 읽음',
    );
    for (const r of rows(m)) expect(textWidth(r), r).toBeLessThanOrEqual(inside.width);
    expect(reading({ chip: 'reading' }).progress).toBeUndefined();
    // The card gone: what was read of it is not shown.
    expect(
      reading({ chip: 'waitingForCard' }, { read: 4100, total: 9886 }).progress,
    ).toBeUndefined();
  });
});

describe('redraws coalesced', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at most once an interval, the last poke never lost; flush runs it now', () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const redraw = new Coalesced(
      () => runs.push(Date.now()),
      100,
      () => Date.now(),
    );
    const start = Date.now();
    // A poke every 5 ms for a second: 200 pokes, some ten redraws.
    for (let i = 0; i < 200; i++) {
      redraw.poke();
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(200);
    expect(runs.length).toBeGreaterThanOrEqual(10);
    expect(runs.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < runs.length; i++)
      expect((runs[i] ?? 0) - (runs[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
    expect((runs.at(-1) ?? 0) - start).toBeGreaterThanOrEqual(995);
    // Quiet for longer than the interval: the next poke runs at once, the one after waits.
    const before = runs.length;
    redraw.poke();
    expect(runs.length).toBe(before + 1);
    redraw.poke();
    expect(redraw.pending).toBe(true);
    redraw.flush();
    expect(runs.length).toBe(before + 2);
    redraw.poke();
    redraw.cancel();
    vi.advanceTimersByTime(500);
    expect(runs.length).toBe(before + 2);
  });
});

describe('a running kiosk reading the virtual eMRTD', () => {
  it('shows a bar of bytes read rising to the end, redrawn at most ten times a second', async () => {
    const server = await answering();
    const { port } = server.address() as AddressInfo;
    const world = await kiosk('usb');
    const { pcsc, card, profile } = world;
    // A reader refusing extended length (short reads: some 50 commands), 15 ms a command.
    let commands = 0;
    const slow: CardApplication = {
      atr: card.atr,
      reset: () => {
        card.reset();
      },
      respond: async (apdu) => {
        commands++;
        await sleep(15);
        return card.respond(apdu);
      },
    };
    pcsc.pull(reader);
    pcsc.addReader('Slow Reader 01 00', { refusesExtended: true });
    pcsc.insert('Slow Reader 01 00', slow);
    const raEncryption = world.world.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('no RA certificate');
    const running = await startKiosk(world.world.ctx, {
      setup: {
        institutions: defaultInstitutions,
        ca: {
          url: `http://127.0.0.1:${String(port)}/pkix/`,
          trust: world.world.ca.trust,
          raEncryption,
        },
        ra: raInProcess(world.world.ca.db),
        close: () => Promise.resolve(),
      },
    });
    try {
      await untilView(running, (v) => v.state === 'ready');
      const shown: { at: number; progress: ChipProgress; model: ScreenModel }[] = [];
      const after: KioskView[] = [];
      running.subscribe((view) => {
        const progress = view.chipProgress;
        if (progress === undefined) {
          if (shown.length > 0) after.push(view);
          return;
        }
        if (shown.at(-1)?.progress === progress) return;
        shown.push({ at: performance.now(), progress, model: screenModel(view, 'ko') });
      });
      running.send({ type: 'kiosk.visitor' });
      const visit = running.visit();
      if (visit === undefined) throw new Error('no visit');
      const began = performance.now();
      await walkThroughIdentity(visit, profile);
      const took = performance.now() - began;
      await until(visit, (s) => childState(s, 'identity') !== 'approval');

      // The bar rises: bytes read and bytes announced never go back, and it ends full. (Its fill
      // is read over announced: the chip tells a file's length only as the file begins, so the
      // fill steps back when the photo's length is told; the bytes read never do.)
      expect(shown.length).toBeGreaterThanOrEqual(4);
      for (let i = 1; i < shown.length; i++) {
        const [before, now] = [shown[i - 1]?.progress, shown[i]?.progress];
        expect(now?.read).toBeGreaterThanOrEqual(before?.read ?? 0);
        expect(now?.total).toBeGreaterThanOrEqual(before?.total ?? 0);
      }
      const last = shown.at(-1);
      expect(last?.progress.read).toBe(last?.progress.total);
      // EF.COM, EF.SOD and the data groups: the test document's photo alone is some 8 KB.
      expect(last?.progress.read).toBeGreaterThan(8000);
      expect(last?.model.progress?.done).toBe(last?.model.progress?.total);

      // Fewer redraws than commands, and no more than ten a second (the last told at once).
      expect(shown.length).toBeLessThan(commands);
      expect(shown.length).toBeLessThanOrEqual(Math.ceil(took / 100) + 2);
      for (let i = 1; i < shown.length - 1; i++)
        expect((shown[i]?.at ?? 0) - (shown[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(95);

      // Each is the reading screen with its bar, fitting 80x24.
      for (const { model, progress } of shown) {
        expect(model.screen).toBe('reading');
        expect(model.progress?.done).toBe(progress.read);
        const drawn = rows(model);
        expect(drawn.length).toBe(inside.height);
        for (const r of drawn) expect(textWidth(r), r).toBeLessThanOrEqual(inside.width);
        expect(drawn.some((r) => r.startsWith('[') && r.endsWith(' 읽음'))).toBe(true);
      }
      // The reading over, the bar is gone.
      expect(after.length).toBeGreaterThan(0);
      expect(running.snapshot().chipProgress).toBeUndefined();
      visit.send({ type: 'visit.cancel' });
      await visit.ended;
    } finally {
      await running.close();
      world.close();
      await closeServer(server);
    }
  }, 60_000);
});
