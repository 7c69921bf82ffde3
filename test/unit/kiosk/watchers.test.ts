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
