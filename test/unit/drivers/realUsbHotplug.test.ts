import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealUsbHotplug } from '../../../drivers/usb/realUsbHotplug.js';
import {
  identityOf,
  type UsbNativeBinding,
  type UsbNativeDevice,
  type UsbNativeEmitter,
} from '../../../drivers/usb/usbNative.js';
import type { UsbDeviceIdentity } from '../../../drivers/usb/contract.js';
import { UsbHotplugError } from '../../../src/errors/index.js';
import { tempDir } from '../../support/tempDir.js';
import { usbHotplugContractSuite } from '../../contract/usbHotplug.js';

// This machine has no /sys/bus/usb, so the real driver meets the real `usb` binding only in its
// unavailable mode and in its failure paths. Its own logic (handles, priming, release) runs here
// over a simulated binding that behaves as usb 3.1.0's does.

/** A sysfs root with the folders given (relative), e.g. 'bus/usb/devices'. */
function sysRoot(...folders: string[]): string {
  const root = tempDir('sys-');
  for (const folder of folders) mkdirSync(join(root, folder), { recursive: true });
  return root;
}

const neverLoad = (): UsbNativeBinding => {
  throw new Error('the native binding must not be loaded');
};

/** Whether usb's native code is in this process's CommonJS module cache. */
const usbLoaded = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((path) =>
    /node_modules[\\/](usb|@node-usb)[\\/]/.test(path),
  );

describe('RealUsbHotplug, unavailable: a sysfs root without bus/usb (as on this machine)', () => {
  it('reports unavailable, lists nothing, watches nothing and never loads the native binding', async () => {
    for (const root of [sysRoot(), sysRoot('bus/usb')]) {
      const hotplug = new RealUsbHotplug({ sysRoot: root, loadNative: neverLoad });
      expect(hotplug.available).toBe(false);
      expect(await hotplug.list()).toEqual([]);
      const unsubscribe = hotplug.watch(() => {
        throw new Error('no event expected');
      });
      unsubscribe();
      hotplug.close();
    }
  });

  it('with the default loader, loads nothing of usb', async () => {
    const hotplug = new RealUsbHotplug({ sysRoot: sysRoot() });
    expect(hotplug.available).toBe(false);
    await hotplug.list();
    hotplug.watch(() => undefined);
    hotplug.close();
    expect(usbLoaded()).toBe(false);
  });
});

describe.skipIf(existsSync('/sys/bus/usb/devices'))(
  'RealUsbHotplug over the real usb 3.1.0 binding, on a machine without /sys/bus/usb/devices',
  () => {
    // A fake sysfs root says "available"; the binding then reads the real /sys and fails.
    it('list() rejects with UsbHotplugError, the binding error as its cause', async () => {
      const hotplug = new RealUsbHotplug({ sysRoot: sysRoot('bus/usb/devices') });
      expect(hotplug.available).toBe(true);
      const error = await hotplug.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsbHotplugError);
      expect(error).toMatchObject({ code: 'USB_HOTPLUG', operation: 'list' });
      expect(String((error as UsbHotplugError).cause)).toContain('/sys/bus/usb/devices');
      hotplug.close();
    });

    it('watch() reports UsbHotplugError once to onError and releases the native watcher', async () => {
      const hotplug = new RealUsbHotplug({ sysRoot: sysRoot('bus/usb/devices') });
      const error = await new Promise((resolve) => {
        hotplug.watch(() => undefined, resolve);
      });
      expect(error).toMatchObject({ code: 'USB_HOTPLUG', operation: 'watch' });
      hotplug.close();
      // Were the native callbacks left registered, this test file's worker would never exit.
    });
  },
);

/** A native device as usb 3.1.0 presents it. */
function nativeDevice(identity: UsbDeviceIdentity, handle: string): UsbNativeDevice {
  const [bus = '', ports = ''] = identity.portPath.split('-');
  return {
    vendorId: identity.vendorId,
    productId: identity.productId,
    bus: bus.padStart(3, '0'),
    address: identity.deviceAddress,
    ports: ports.split('.').map(Number),
    handle,
    configuration: {
      interfaces: identity.interfaceClasses.map((interfaceClass) => ({
        alternate: { interfaceClass },
      })),
    },
  };
}

/**
 * usb 3.1.0's binding in miniature: one attach and one detach callback per emitter, a detach
 * naming only the handle, asynchronous add/remove, enumeration of what is plugged in.
 */
class SimulatedBinding implements UsbNativeBinding {
  readonly devices = new Map<string, UsbNativeDevice>();
  readonly emitters: SimulatedEmitter[] = [];
  failEnumeration: Error | undefined;
  /** Makes addAttach fail, as with no permission for the hotplug socket. */
  failAdd: Error | undefined;
  #handles = 0;

  readonly Emitter = ((binding: SimulatedBinding) =>
    class extends SimulatedEmitter {
      constructor() {
        super(binding);
        binding.emitters.push(this);
      }
    })(this);

  nativeGetDevices(): Promise<UsbNativeDevice[]> {
    if (this.failEnumeration !== undefined) return Promise.reject(this.failEnumeration);
    return Promise.resolve([...this.devices.values()]);
  }

  plug(identity: UsbDeviceIdentity): void {
    const device = nativeDevice(identity, `h${++this.#handles}`);
    this.devices.set(identity.portPath, device);
    for (const emitter of this.emitters) emitter.attach?.(device);
  }

  unplug(portPath: string): void {
    const device = this.devices.get(portPath);
    if (device === undefined) throw new Error(`nothing at ${portPath}`);
    this.devices.delete(portPath);
    for (const emitter of this.emitters) emitter.detach?.(device.handle);
  }
}

class SimulatedEmitter implements UsbNativeEmitter {
  attach: ((device: UsbNativeDevice) => void) | undefined;
  detach: ((handle: string) => void) | undefined;

  constructor(private readonly binding: SimulatedBinding) {}

  /** Whether a callback is registered: what holds the process open with the real binding. */
  get holdsProcess(): boolean {
    return this.attach !== undefined || this.detach !== undefined;
  }
  async addAttach(callback: (device: UsbNativeDevice) => void): Promise<void> {
    await Promise.resolve();
    if (this.binding.failAdd !== undefined) throw this.binding.failAdd;
    this.attach = callback;
  }
  async removeAttach(): Promise<void> {
    await Promise.resolve();
    this.attach = undefined;
  }
  async addDetach(callback: (handle: string) => void): Promise<void> {
    await Promise.resolve();
    this.detach = callback;
  }
  async removeDetach(): Promise<void> {
    await Promise.resolve();
    this.detach = undefined;
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

usbHotplugContractSuite(
  'RealUsbHotplug over a simulated usb 3.1.0 binding',
  () => {
    const binding = new SimulatedBinding();
    const hotplug = new RealUsbHotplug({
      sysRoot: sysRoot('bus/usb/devices'),
      loadNative: () => binding,
    });
    return Promise.resolve({
      hotplug,
      attach: async (device) => {
        // Let a watch() started just before finish registering, as real hardware is slower.
        await settle();
        binding.plug(device);
      },
      detach: async (portPath) => {
        await settle();
        binding.unplug(portPath);
      },
      cleanup: () => Promise.resolve(),
    });
  },
  { canFailWatch: false },
);

describe('RealUsbHotplug over a simulated binding', () => {
  function make(): { binding: SimulatedBinding; hotplug: RealUsbHotplug; loads: () => number } {
    const binding = new SimulatedBinding();
    let loads = 0;
    const hotplug = new RealUsbHotplug({
      sysRoot: sysRoot('bus/usb/devices'),
      loadNative: () => {
        loads++;
        return binding;
      },
    });
    return { binding, hotplug, loads: () => loads };
  }

  it('loads the binding only when first used, once', async () => {
    const { hotplug, loads } = make();
    expect(loads()).toBe(0);
    await hotplug.list();
    hotplug.watch(() => undefined);
    await hotplug.list();
    expect(loads()).toBe(1);
    hotplug.close();
  });

  it('holds the native watcher only while someone listens', async () => {
    const { binding, hotplug } = make();
    const stopOne = hotplug.watch(() => undefined);
    const stopTwo = hotplug.watch(() => undefined);
    await settle();
    expect(binding.emitters.map((e) => e.holdsProcess)).toEqual([true]);
    stopOne();
    await settle();
    expect(binding.emitters[0]?.holdsProcess).toBe(true);
    stopTwo();
    await settle();
    expect(binding.emitters[0]?.holdsProcess).toBe(false);
    // Watching again reuses the emitter; close() releases it.
    hotplug.watch(() => undefined);
    await settle();
    expect(binding.emitters.map((e) => e.holdsProcess)).toEqual([true]);
    hotplug.close();
    await settle();
    expect(binding.emitters[0]?.holdsProcess).toBe(false);
  });

  it.each([
    ['addAttach fails', (binding: SimulatedBinding) => (binding.failAdd = new Error('EACCES'))],
    [
      'enumerating the devices present fails',
      (binding: SimulatedBinding) => (binding.failEnumeration = new Error('EIO')),
    ],
  ])(
    'when %s, each onError hears UsbHotplugError once and the watcher is released',
    async (_, breakIt) => {
      const { binding, hotplug } = make();
      const cause = breakIt(binding);
      const seen: unknown[] = [];
      const events: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        hotplug.watch(
          (event) => events.push(event),
          (error) => seen.push(error),
        );
      }
      await settle();
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBeInstanceOf(UsbHotplugError);
      expect(seen[0]).toMatchObject({ code: 'USB_HOTPLUG', operation: 'watch', cause });
      expect(binding.emitters[0]?.holdsProcess).toBe(false);
      binding.failAdd = undefined;
      binding.plug({
        vendorId: 1,
        productId: 2,
        busNumber: 1,
        deviceAddress: 2,
        portPath: '1-1',
        interfaceClasses: [],
      });
      expect(events).toEqual([]);
      hotplug.close();
    },
  );

  it('list() wraps an enumeration failure in UsbHotplugError', async () => {
    const { binding, hotplug } = make();
    const cause = new Error('EIO');
    binding.failEnumeration = cause;
    await expect(hotplug.list()).rejects.toMatchObject({ code: 'USB_HOTPLUG', cause });
  });
});

describe('identityOf: a usb 3.1.0 device as the contract names it', () => {
  const base = nativeDevice(
    {
      vendorId: 0x0781,
      productId: 0x5567,
      busNumber: 1,
      deviceAddress: 7,
      portPath: '1-2.3',
      interfaceClasses: [8],
    },
    'h',
  );

  it('reads bus "001" as 1 and ports [2, 3] as sysfs 1-2.3', () => {
    expect(identityOf(base)).toEqual({
      vendorId: 0x0781,
      productId: 0x5567,
      busNumber: 1,
      deviceAddress: 7,
      portPath: '1-2.3',
      interfaceClasses: [8],
    });
    expect(identityOf({ ...base, bus: '012', ports: [4] }).portPath).toBe('12-4');
  });

  it('names a root hub (no ports) usbN, as sysfs does', () => {
    expect(identityOf({ ...base, ports: [] }).portPath).toBe('usb1');
  });

  it('gives no interface classes when the configuration is missing or unreadable', () => {
    expect(identityOf({ ...base, configuration: null }).interfaceClasses).toEqual([]);
    const unreadable = Object.defineProperty({ ...base }, 'configuration', {
      get: () => {
        throw new Error('device gone');
      },
    });
    expect(identityOf(unreadable).interfaceClasses).toEqual([]);
  });
});
