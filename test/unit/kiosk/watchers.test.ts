import { describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import { FakeUsbDrives } from '../../../drivers/usbdrive/fake.js';
import { kioskMachine, problemsOf } from '../../../machines/kiosk.js';
import { watchDrives, watchReaders } from '../../../src/kiosk/watchers.js';
import { createLogger } from '../../../src/log/logger.js';

// Issue 13: the kiosk's watchers bound to the PC/SC and USB drivers (their fakes here, which run
// the same contract suites as the real drivers): out of service without a reader or with pcscd
// stopped, back by itself, drives seen as they come and go.

const log = createLogger({ level: 'silent', destination: null });

describe('the kiosk over its device watchers', () => {
  it('follows readers, pcscd and drives', async () => {
    const pcsc = new FakePcscDriver();
    const drives = new FakeUsbDrives();
    const actor = createActor(
      kioskMachine.provide({
        actors: {
          watchReaders: watchReaders(pcsc, log, 10),
          watchDrives: watchDrives(drives, log),
          checkCa: fromPromise(() => Promise.resolve(undefined)),
        },
      }),
    ).start();
    const service = () => (actor.getSnapshot().value as { service: string }).service;
    await vi.waitFor(() => {
      expect(problemsOf(actor.getSnapshot().context)).toEqual(['noReader']);
    });
    pcsc.addReader('reader 0');
    await vi.waitFor(() => {
      expect(service()).toBe('ready');
    });
    pcsc.stopDaemon();
    await vi.waitFor(() => {
      expect(problemsOf(actor.getSnapshot().context)).toEqual(['pcscGone']);
    });
    expect(service()).toBe('outOfService');
    pcsc.startDaemon();
    await vi.waitFor(() => {
      expect(service()).toBe('ready');
    });
    drives.plug({ device: '/dev/sdx' });
    await vi.waitFor(() => {
      expect(actor.getSnapshot().context.drives).toEqual(['/dev/sdx']);
    });
    drives.pull('/dev/sdx');
    await vi.waitFor(() => {
      expect(actor.getSnapshot().context.drives).toEqual([]);
    });
    actor.stop();
  });
});

describe('the reader watcher while pcscd is gone', () => {
  it('keeps one retry pending, however many reader events fail meanwhile', async () => {
    let asked = 0;
    let emit: (() => void) | undefined;
    const gone = {
      readers: () => {
        asked++;
        return Promise.reject(new Error('pcscd is not running'));
      },
      watch: (listener: (event: { type: 'readers-changed' }) => void) => {
        emit = () => {
          listener({ type: 'readers-changed' });
        };
        return () => undefined;
      },
    } as unknown as FakePcscDriver;
    const actor = createActor(
      kioskMachine.provide({
        actors: {
          watchReaders: watchReaders(gone, log, 50),
          checkCa: fromPromise(() => Promise.resolve(undefined)),
        },
      }),
    );
    vi.useFakeTimers();
    try {
      actor.start();
      await vi.advanceTimersByTimeAsync(0);
      // Reader events while a retry is pending: each refresh fails and schedules again.
      for (let i = 0; i < 5; i++) emit?.();
      await vi.advanceTimersByTimeAsync(0);
      const before = asked;
      await vi.advanceTimersByTimeAsync(50 * 10);
      // One chain: about one ask per 50 ms, not six chains of them.
      expect(asked - before).toBeLessThanOrEqual(11);
      expect(problemsOf(actor.getSnapshot().context)).toEqual(['pcscGone']);
    } finally {
      actor.stop();
      vi.useRealTimers();
    }
  });
});
