import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type {
  HidBinding,
  NativeDeviceInfo,
  NativeHidDevice,
} from '../../../../drivers/hid/nodeHidBinding.js';
import { NodeHidDriver } from '../../../../drivers/hid/nodeHidDriver.js';
import { encodeKeyReports } from '../../../../drivers/hid/pinReport.js';
import { encodeScanReports } from '../../../../drivers/hid/scanReport.js';
import { pinPadSettings, scannerSettings } from '../../../../drivers/hid/settings.js';
import {
  HidAccessError,
  HidDeviceNotFoundError,
  HidKeyboardModeError,
} from '../../../../src/errors/index.js';
import { hidContractSuite } from '../../../contract/hid.js';

// The real driver over a stand-in for node-hid (this machine has no hidraw): listing, choosing and
// refusing collections, opening by path, reports arriving asynchronously as from node-hid's read
// thread, and a read error on unplug. The same contract suite as the fake and the uhid device.

class StandInDevice extends EventEmitter implements NativeHidDevice {
  closed = false;
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  /** Reports come one per tick, as node-hid delivers them from its read thread. */
  async send(reports: Buffer[]): Promise<void> {
    for (const report of reports) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.closed) this.emit('data', report);
    }
  }
}

class StandInNodeHid implements HidBinding {
  readonly listed: NativeDeviceInfo[] = [];
  readonly opened = new Map<string, StandInDevice>();
  readonly errno = new Map<string, string>();
  devices(): Promise<NativeDeviceInfo[]> {
    return Promise.resolve([...this.listed]);
  }
  open(path: string): Promise<NativeHidDevice> {
    const device = new StandInDevice();
    this.opened.set(path, device);
    return Promise.resolve(device);
  }
  access(path: string): Promise<void> {
    const code = this.errno.get(path);
    if (code === undefined) return Promise.resolve();
    return Promise.reject(Object.assign(new Error(`${code}: ${path}`), { code }));
  }
}

const pad = { vendorId: 0x1209, productId: 0x0001 };
const scan = { vendorId: 0x1209, productId: 0x0002 };

hidContractSuite('node-hid driver over a stand-in binding', () => {
  const binding = new StandInNodeHid();
  binding.listed.push(
    { ...pad, path: '/dev/hidraw7', usagePage: 0xff00, usage: 1, product: 'PIN pad' },
    { ...scan, path: '/dev/hidraw8', usagePage: 0x8c, usage: 2 },
  );
  const pinPad = pinPadSettings(pad);
  const scanner = scannerSettings({ ...scan, maxScanBytes: 512 });
  const device = (path: string): StandInDevice => {
    const opened = binding.opened.get(path);
    if (opened === undefined) throw new Error(`${path} is not open`);
    return opened;
  };
  return Promise.resolve({
    driver: new NodeHidDriver({ binding }),
    pinPad,
    scanner,
    press: (...keys) => device('/dev/hidraw7').send(encodeKeyReports(pinPad.reportMap, keys)),
    scan: (payload) => device('/dev/hidraw8').send(encodeScanReports(scanner.layout, payload)),
    unplug: (role) => {
      const path = role === 'pinPad' ? '/dev/hidraw7' : '/dev/hidraw8';
      binding.listed.splice(
        binding.listed.findIndex((d) => d.path === path),
        1,
      );
      device(path).emit('error', new Error('could not read from HID device'));
      return Promise.resolve();
    },
    plugKeyboard: () => {
      const keyboard = { vendorId: 0x1209, productId: 0x0003 };
      binding.listed.push({ ...keyboard, path: '/dev/hidraw9', usagePage: 1, usage: 6 });
      return Promise.resolve(keyboard);
    },
    cleanup: () => Promise.resolve(),
  });
});

describe('node-hid driver', () => {
  it('EACCES on the node: HidAccessError; ENOENT: not found', async () => {
    const binding = new StandInNodeHid();
    binding.listed.push({ ...pad, path: '/dev/hidraw7', usagePage: 0xff00, usage: 1 });
    const driver = new NodeHidDriver({ binding });
    binding.errno.set('/dev/hidraw7', 'EACCES');
    await expect(driver.openPinPad(pinPadSettings(pad))).rejects.toBeInstanceOf(HidAccessError);
    binding.errno.set('/dev/hidraw7', 'ENOENT');
    await expect(driver.openPinPad(pinPadSettings(pad))).rejects.toBeInstanceOf(
      HidDeviceNotFoundError,
    );
  });

  it('opens the collection of the configured usage page, not a keyboard node of the same device', async () => {
    const binding = new StandInNodeHid();
    binding.listed.push(
      { ...scan, path: '/dev/hidraw1', usagePage: 0x01, usage: 0x06 },
      { ...scan, path: '/dev/hidraw2', usagePage: 0x8c, usage: 0x02 },
    );
    const scanner = await new NodeHidDriver({ binding }).openScanner(scannerSettings(scan));
    expect(scanner.info.path).toBe('/dev/hidraw2');
    await scanner.close();
    expect(binding.opened.get('/dev/hidraw2')?.closed).toBe(true);
    expect(binding.opened.has('/dev/hidraw1')).toBe(false);
  });

  it('a scanner left in keyboard mode only: refused, with its usage', async () => {
    const binding = new StandInNodeHid();
    binding.listed.push({ ...scan, path: '/dev/hidraw1', usagePage: 0x01, usage: 0x06 });
    const error = await new NodeHidDriver({ binding })
      .openScanner(scannerSettings(scan))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HidKeyboardModeError);
    expect(error).toMatchObject({ role: 'scanner', path: '/dev/hidraw1', usage: 6 });
  });

  it('zeroes each PIN pad report after decoding it', async () => {
    const binding = new StandInNodeHid();
    binding.listed.push({ ...pad, path: '/dev/hidraw7', usagePage: 0xff00, usage: 1 });
    const settings = pinPadSettings(pad);
    const pinPad = await new NodeHidDriver({ binding }).openPinPad(settings);
    const buffer = Buffer.alloc(4);
    pinPad.startEntry(buffer, () => undefined);
    const reports = encodeKeyReports(settings.reportMap, [{ type: 'digit', digit: 8 }]);
    await binding.opened.get('/dev/hidraw7')?.send(reports);
    expect(buffer[0]).toBe(0x38);
    expect(reports.every((r) => r.every((b) => b === 0))).toBe(true);
    await pinPad.close();
  });
});
