import { describe, expect, it, vi } from 'vitest';
import { FakeTokenDriver } from '../../../drivers/pkcs11/fake.js';
import { FakeUsbHotplug } from '../../../drivers/usb/fake.js';
import { TokenModuleError } from '../../../src/errors/index.js';
import { parseCatalogue } from '../../../src/tokens/catalogue.js';
import { TokenDiscovery, type DiscoveryEvent } from '../../../src/tokens/discovery.js';
import { moduleSource } from '../../../src/tokens/moduleResolution.js';

const catalogue = parseCatalogue(
  JSON.stringify({
    modules: [
      { name: 'A', module: '/lib/a.so', usb: ['096e:0703'] },
      { name: 'B', module: '/lib/b.so', label: '^bank-' },
      { name: 'Missing', module: '/lib/missing.so' },
    ],
  }),
  'test',
);
const source = moduleSource(undefined, undefined, catalogue, () => true);
const device = (vendorId: number, productId: number, portPath: string) => ({
  vendorId,
  productId,
  busNumber: 1,
  deviceAddress: 5,
  portPath,
  interfaceClasses: [0x0b],
});

function setUp() {
  const a = new FakeTokenDriver();
  const b = new FakeTokenDriver();
  b.addToken({ label: 'bank-bob', serial: 'b1', pin: '1234' });
  b.addToken({ label: 'not-claimed', serial: 'b2', pin: '1234' });
  const hotplug = new FakeUsbHotplug();
  const events: string[] = [];
  const errors: unknown[] = [];
  const discovery = new TokenDiscovery({
    source,
    open: (module) => {
      if (module === '/lib/a.so') return a;
      if (module === '/lib/b.so') return b;
      throw new TokenModuleError(module);
    },
    hotplug,
    // Long enough that only a hotplug event or an explicit poll looks in this test.
    intervalMs: 3_600_000,
    onEvent: (e: DiscoveryEvent) => events.push(`${e.type} ${e.token.label} ${e.module}`),
    onError: (e) => errors.push(e),
  });
  return { a, b, hotplug, events, errors, discovery };
}

describe('token discovery: slot polling and USB hotplug', () => {
  it('reports the claimed tokens present at start, and a module that cannot load as an error', async () => {
    const w = setUp();
    w.discovery.start();
    await w.discovery.poll();
    expect(w.events).toEqual(['present bank-bob /lib/b.so']);
    expect(w.errors).toEqual([expect.any(TokenModuleError)]);
    await w.discovery.stop();
    expect(w.hotplug.listenerCount).toBe(0);
  });

  it('a USB device listed for a module makes that module look at once', async () => {
    const w = setUp();
    w.discovery.start();
    await w.discovery.poll();
    w.a.addToken({ label: 'alice', serial: 'a1', pin: '1234' });
    w.b.removeToken('bank-bob');
    w.hotplug.attach(device(0x096e, 0x0703, '1-2'));
    await vi.waitFor(() => {
      expect(w.events).toContain('present alice /lib/a.so');
    });
    // Only a.so was asked: b.so's removal waits for its next poll.
    expect(w.events).not.toContain('removed bank-bob /lib/b.so');
    w.hotplug.detach('1-2');
    await w.discovery.poll();
    expect(w.events).toContain('removed bank-bob /lib/b.so');
    await w.discovery.stop();
  });

  it('a USB device no entry lists makes every module look', async () => {
    const w = setUp();
    w.discovery.start();
    await w.discovery.poll();
    w.b.removeToken('bank-bob');
    w.hotplug.attach(device(0x1234, 0x5678, '1-3'));
    await vi.waitFor(() => {
      expect(w.events).toContain('removed bank-bob /lib/b.so');
    });
    await w.discovery.stop();
  });
});
