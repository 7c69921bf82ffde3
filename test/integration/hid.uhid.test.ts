import { describe, expect, it, vi } from 'vitest';
import type { HidDeviceSelector } from '../../drivers/hid/contract.js';
import { NodeHidDriver } from '../../drivers/hid/nodeHidDriver.js';
import { encodeKeyReports } from '../../drivers/hid/pinReport.js';
import { encodeScanReports } from '../../drivers/hid/scanReport.js';
import { pinPadSettings, scannerSettings } from '../../drivers/hid/settings.js';
import { hidContractSuite } from '../contract/hid.js';
import {
  hasInputDevice,
  keyboardDescriptor,
  pinPadDescriptor,
  scannerDescriptor,
  uhidUnavailable,
  VirtualHidDevice,
} from '../support/uhid.js';

// The HID contract on the real driver (node-hid over hidraw) against virtual devices the kernel
// makes through /dev/uhid: a PIN pad in data mode, a HID POS scanner, and a keyboard to refuse.
// Where /dev/uhid is absent or not ours (containers, CI without the module), every case is
// skipped with that reason in its name.
const unavailable = uhidUnavailable();
const skipped = unavailable === undefined ? '' : ` (skipped: ${unavailable})`;

const pad = { vendorId: 0x1209, productId: 0xc0d1 };
const scan = { vendorId: 0x1209, productId: 0xc0d2 };
const keyboard = { vendorId: 0x1209, productId: 0xc0d3 };

/** Waits until hidraw shows the device (udev makes the node shortly after UHID_CREATE2). */
async function attached(driver: NodeHidDriver, selector: HidDeviceSelector): Promise<string> {
  let path = '';
  await vi.waitFor(
    async () => {
      const [found] = await driver.list(selector);
      expect(found).toBeDefined();
      path = found?.path ?? '';
    },
    { timeout: 5000, interval: 50 },
  );
  return path;
}

describe.skipIf(unavailable !== undefined)(`HID over /dev/uhid${skipped}`, () => {
  hidContractSuite('node-hid on virtual uhid devices', async () => {
    const driver = new NodeHidDriver();
    const devices = {
      pinPad: await VirtualHidDevice.create({
        name: 'kiosk test PIN pad',
        ...pad,
        descriptor: pinPadDescriptor,
      }),
      scanner: await VirtualHidDevice.create({
        name: 'kiosk test scanner',
        ...scan,
        descriptor: scannerDescriptor,
      }),
    };
    const extra: VirtualHidDevice[] = [];
    await attached(driver, pad);
    await attached(driver, scan);
    const pinPad = pinPadSettings(pad);
    const scanner = scannerSettings({ ...scan, maxScanBytes: 512 });
    const send = async (device: VirtualHidDevice, reports: Buffer[]): Promise<void> => {
      for (const report of reports) await device.input(report);
    };
    return {
      driver,
      pinPad,
      scanner,
      press: (...keys) => send(devices.pinPad, encodeKeyReports(pinPad.reportMap, keys)),
      scan: (payload) => send(devices.scanner, encodeScanReports(scanner.layout, payload)),
      unplug: (role) => devices[role].destroy(),
      plugKeyboard: async () => {
        extra.push(
          await VirtualHidDevice.create({
            name: 'kiosk test keyboard',
            ...keyboard,
            descriptor: keyboardDescriptor,
          }),
        );
        await attached(driver, keyboard);
        return keyboard;
      },
      cleanup: async () => {
        for (const device of [devices.pinPad, devices.scanner, ...extra]) await device.destroy();
      },
    };
  });

  it('the kernel makes no input device of the data-mode pad (its keys cannot reach a terminal), and does of a keyboard', async () => {
    const driver = new NodeHidDriver();
    const padDevice = await VirtualHidDevice.create({
      name: 'kiosk test PIN pad',
      ...pad,
      descriptor: pinPadDescriptor,
    });
    const keyboardDevice = await VirtualHidDevice.create({
      name: 'kiosk test keyboard',
      ...keyboard,
      descriptor: keyboardDescriptor,
    });
    try {
      expect(hasInputDevice(await attached(driver, pad))).toBe(false);
      const keyboardPath = await attached(driver, keyboard);
      await vi.waitFor(() => {
        expect(hasInputDevice(keyboardPath)).toBe(true);
      });
    } finally {
      await padDevice.destroy();
      await keyboardDevice.destroy();
    }
  });
});
