import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import { defaultConfig, type Config } from '../../../src/config/index.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { startKiosk, type KioskView } from '../../../src/kiosk/run/kiosk.js';
import type { KioskSetup } from '../../../src/kiosk/run/setup.js';
import { FakeCa } from '../../support/fakeCa.js';
import { answering, closeServer, untilView } from '../../support/runningKiosk.js';
import { serviceWorld, type Material, type ServiceWorld } from '../../support/serviceWorld.js';

// Issue 13 item 2: the running kiosk (src/kiosk/run/kiosk.ts) on fake devices, its CA check
// against a tiny HTTP server on loopback (any answer is "up"). Out of service on no reader or an
// unreachable CA and back by itself; tokens and drives seen as they come; a visit started from
// outside and ended; close() stops everything, once.

const reader = 'Fake Reader 00 00';

describe('startKiosk on fakes', () => {
  let material: Material;
  const worlds: ServiceWorld[] = [];
  const servers: Server[] = [];
  beforeAll(async () => {
    material = await FakeCa.newMaterial();
  }, 60_000);
  afterAll(async () => {
    for (const w of worlds) w.ca.close();
    await Promise.all(servers.filter((s) => s.listening).map(closeServer));
  });

  /** A kiosk over a token world with `pcsc`, checking the CA at `url`. */
  async function kioskAt(url: string, pcsc: FakePcscDriver, clock?: SimulatedClock) {
    const base = defaultConfig();
    const config: Config = {
      ...base,
      // Token polls often enough for a test to see one come and go.
      pkcs11: { ...base.pkcs11, pollIntervalMs: 100 },
      kiosk: { ...base.kiosk, caRecheckMs: 30_000, caCheckTimeoutMs: 2000 },
    };
    const world = await serviceWorld('token', material, { pcsc, config });
    worlds.push(world);
    const raEncryption = world.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('no RA encryption certificate');
    const setupClosed = vi.fn(() => Promise.resolve());
    const setup: KioskSetup = {
      institutions: defaultInstitutions,
      ca: { url, trust: world.ca.trust, raEncryption },
      ra: raInProcess(world.ca.db),
      close: setupClosed,
    };
    const kiosk = await startKiosk(world.ctx, { setup, ...(clock ? { clock } : {}) });
    return { kiosk, world, setupClosed };
  }

  it('is out of service while the CA cannot be reached and comes back by itself', async () => {
    // A port nobody listens on (taken, then let go): connection refused, as a CA that is down.
    const probe = await answering();
    const { port } = probe.address() as AddressInfo;
    await closeServer(probe);
    const pcsc = new FakePcscDriver();
    pcsc.addReader(reader);
    const clock = new SimulatedClock();
    const { kiosk } = await kioskAt(`http://127.0.0.1:${String(port)}/pkix/`, pcsc, clock);
    const down = await untilView(kiosk, (v) => v.ca === 'waiting' && v.problems.length > 0);
    expect(down).toMatchObject({ state: 'outOfService', problems: ['caUnreachable'] });
    servers.push(await answering(port));
    // The recheck is a named delay on the kiosk's clock: no real wait for it.
    clock.increment(30_000);
    const back = await untilView(kiosk, (v) => v.state === 'ready');
    expect(back).toMatchObject({ problems: [], ca: 'answering', readers: [reader] });
    await kiosk.close();
  });

  it('is out of service without a reader, ready once one is plugged in', async () => {
    const server = await answering();
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const pcsc = new FakePcscDriver();
    const { kiosk } = await kioskAt(`http://127.0.0.1:${String(port)}/pkix/`, pcsc);
    const waiting = await untilView(kiosk, (v) => v.ca === 'answering');
    expect(waiting).toMatchObject({ state: 'outOfService', problems: ['noReader'] });
    // No visitor is taken while it is out of service.
    expect(() => {
      kiosk.send({ type: 'kiosk.visitor' });
    }).toThrow(/outOfService/);
    pcsc.addReader(reader);
    expect(await untilView(kiosk, (v) => v.state === 'ready')).toMatchObject({ readers: [reader] });
    pcsc.stopDaemon();
    expect(await untilView(kiosk, (v) => v.state === 'outOfService')).toMatchObject({
      problems: ['pcscGone'],
    });
    await kiosk.close();
  });

  it('sees tokens and drives come and go', async () => {
    const server = await answering();
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const pcsc = new FakePcscDriver();
    pcsc.addReader(reader);
    const { kiosk, world } = await kioskAt(`http://127.0.0.1:${String(port)}/pkix/`, pcsc);
    // The world's token and drive are there from the start.
    await untilView(kiosk, (v) => v.tokens.includes('visitor') && v.drives.includes('/dev/sdz'));
    world.fakeToken.addToken({ label: 'second', serial: '0022', pin: '246810' });
    await untilView(kiosk, (v) => v.tokens.join() === 'second,visitor');
    world.fakeToken.removeToken('visitor');
    await untilView(kiosk, (v) => v.tokens.join() === 'second');
    world.fakeDrives.pull('/dev/sdz');
    expect(await untilView(kiosk, (v) => v.drives.length === 0)).toMatchObject({
      tokens: ['second'],
    });
    await kiosk.close();
  });

  it('runs a visit from kiosk.visitor to its end, then takes the next visitor', async () => {
    const server = await answering();
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const pcsc = new FakePcscDriver();
    pcsc.addReader(reader);
    const { kiosk } = await kioskAt(`http://127.0.0.1:${String(port)}/pkix/`, pcsc);
    await untilView(kiosk, (v) => v.state === 'ready');
    // Only kiosk events from outside: a device's word comes from its watcher, never a caller.
    expect(() => {
      kiosk.send({ type: 'device.readers', readers: ['forged'] });
    }).toThrow(/kiosk.visitor/);
    kiosk.send({ type: 'kiosk.visitor' });
    const visiting = await untilView(kiosk, (v) => v.state === 'inVisit' && v.visit !== undefined);
    expect(visiting.visit?.matches({ flow: 'home' })).toBe(true);
    const visit = kiosk.visit();
    if (visit === undefined) throw new Error('no visit');
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    await untilView(kiosk, (v) => v.visit?.matches({ flow: 'choosing' }) === true);
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    // The kiosk asks the CA again after a visit, then is ready for the next visitor.
    const after = await untilView(kiosk, (v) => v.state === 'ready' && v.ca === 'answering');
    expect(after.visit).toBeUndefined();
    expect(kiosk.visit()).toBeUndefined();
    await kiosk.close();
  });

  it('close() stops the watchers, the visit and the setup, once', async () => {
    const server = await answering();
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const pcsc = new FakePcscDriver();
    pcsc.addReader(reader);
    const { kiosk, world, setupClosed } = await kioskAt(
      `http://127.0.0.1:${String(port)}/pkix/`,
      pcsc,
    );
    await untilView(kiosk, (v) => v.state === 'ready');
    kiosk.send({ type: 'kiosk.visitor' });
    const visit = kiosk.visit();
    const seen: KioskView[] = [];
    kiosk.subscribe((v) => seen.push(v));
    await Promise.all([kiosk.close(), kiosk.close()]);
    await kiosk.close();
    expect(setupClosed).toHaveBeenCalledTimes(1);
    // The visit was stopped (and wiped) with the kiosk.
    expect(await visit?.ended).toBeUndefined();
    expect(visit?.snapshot().status).toBe('stopped');
    // Nothing is heard any more: devices changing reach no listener.
    const before = seen.length;
    pcsc.addReader('another');
    world.fakeToken.addToken({ label: 'late', serial: '0033', pin: '246810' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.length).toBe(before);
    expect(kiosk.snapshot().readers).toEqual([reader]);
  });
});
