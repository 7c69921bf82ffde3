import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { kioskMachine, problemsOf, type KioskEvent } from '../../../machines/kiosk.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
} from '../../support/machinePaths.js';

// Issue 13: the kiosk out of service on what it cannot work without (no reader, pcscd gone, the
// CA unreachable), the reason known, and back by itself when the cause is gone; one visit at a
// time, device events passed on to it.

const samples = {
  events: [
    { type: 'device.readers', readers: ['ACS ACR1252 00 00'] },
    { type: 'device.readers', readers: [] },
    { type: 'device.pcscGone' },
    { type: 'kiosk.visitor' },
    { type: 'kiosk.caRecheck' },
  ],
  errors: { checkCa: [new Error('ECONNREFUSED')] },
  distinguish: (snapshot: { context: unknown }) => {
    const c = snapshot.context as { readers: string[]; pcscUp: boolean; caUp: boolean };
    return [c.readers.length > 0, c.pcscUp, c.caUp];
  },
};
const delays = { caRecheck: 30_000, caCheckTimeout: 10_000 };

describe('kiosk', () => {
  const paths = machinePaths(kioskMachine, samples);

  it('reaches every state', () => {
    expect(reachedStates(paths)).toEqual(leafStates(kioskMachine));
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_name, path) => {
      await replayPath(kioskMachine, path, {
        promiseActors: ['checkCa', 'visit'],
        delays,
      });
    },
  );

  it('is ready only with a reader, pcscd and the CA; otherwise it says why', () => {
    for (const path of paths) {
      const problems = problemsOf(path.state.context as Parameters<typeof problemsOf>[0]);
      const service = (path.state.value as { service: string }).service;
      if (service === 'ready') expect(problems).toEqual([]);
      if (service === 'outOfService') expect(problems.length).toBeGreaterThan(0);
    }
  });

  it('comes back by itself: pcscd restarts, a reader is plugged in, the CA answers again', async () => {
    const clock = new SimulatedClock();
    let caUp = false;
    let emit: ((event: KioskEvent) => void) | undefined;
    const visitEvents: string[] = [];
    const actor = createActor(
      kioskMachine.provide({
        delays,
        actors: {
          watchReaders: fromCallback<KioskEvent>(({ sendBack }) => {
            emit = sendBack;
            return () => undefined;
          }),
          checkCa: fromPromise(() =>
            caUp ? Promise.resolve(undefined) : Promise.reject(new Error('down')),
          ),
          visit: fromCallback(({ receive }) => {
            receive((event) => visitEvents.push(event.type));
            return () => undefined;
          }),
        },
      }),
      { clock },
    ).start();
    const settle = () => new Promise((r) => setImmediate(r));
    const service = () => (actor.getSnapshot().value as { service: string }).service;
    await settle();
    expect(service()).toBe('outOfService');
    expect(problemsOf(actor.getSnapshot().context)).toEqual(['noReader', 'caUnreachable']);
    emit?.({ type: 'device.readers', readers: ['reader 0'] });
    expect(problemsOf(actor.getSnapshot().context)).toEqual(['caUnreachable']);
    caUp = true;
    clock.increment(delays.caRecheck);
    await settle();
    expect(service()).toBe('ready');
    emit?.({ type: 'device.pcscGone' });
    expect(service()).toBe('outOfService');
    expect(problemsOf(actor.getSnapshot().context)).toEqual(['pcscGone']);
    emit?.({ type: 'device.readers', readers: ['reader 0'] });
    expect(service()).toBe('ready');
    actor.send({ type: 'kiosk.visitor' });
    expect(service()).toBe('inVisit');
    // A second visitor waits; the visit in progress hears the devices.
    actor.send({ type: 'kiosk.visitor' });
    emit?.({ type: 'device.cardInserted', reader: 'reader 0' });
    expect(visitEvents).toEqual(['device.cardInserted']);
    expect(actor.getSnapshot().context.visits).toBe(1);
    actor.stop();
  });
});
