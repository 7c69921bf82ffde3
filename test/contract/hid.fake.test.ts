import { describe, expect, it } from 'vitest';
import type { PinEntryEvent, ScanEvent } from '../../drivers/hid/contract.js';
import { FakeHidDriver } from '../../drivers/hid/fake.js';
import { pinPadSettings, scannerSettings } from '../../drivers/hid/settings.js';
import { HidAccessError, HidKeyboardModeError } from '../../src/errors/index.js';
import { hidContractSuite } from './hid.js';

const pad = { vendorId: 0x1209, productId: 0x0001 };
const scan = { vendorId: 0x1209, productId: 0x0002 };
/** A vendor-defined usage page: the pad's data mode. */
const vendorPage = 0xff00;

hidContractSuite('fake', () => {
  const driver = new FakeHidDriver();
  const paths = {
    pinPad: driver.plug(pad, [[vendorPage, 0x01]]),
    scanner: driver.plug(scan, [[0x8c, 0x02]]),
  };
  return Promise.resolve({
    driver,
    pinPad: pinPadSettings(pad),
    scanner: scannerSettings({ ...scan, maxScanBytes: 512 }),
    press: (...keys) => {
      driver.press(paths.pinPad, ...keys);
      return Promise.resolve();
    },
    scan: (payload) => {
      driver.scan(paths.scanner, payload);
      return Promise.resolve();
    },
    unplug: (role) => {
      driver.unplug(paths[role]);
      return Promise.resolve();
    },
    plugKeyboard: () => {
      const keyboard = { vendorId: 0x1209, productId: 0x0003 };
      driver.plug(keyboard, [[0x01, 0x06]]);
      return Promise.resolve(keyboard);
    },
    cleanup: () => Promise.resolve(),
  });
});

describe('fake HID controls', () => {
  it('refuses a composite device whose node also carries a keyboard collection', async () => {
    const driver = new FakeHidDriver();
    driver.plug(pad, [
      [vendorPage, 0x01],
      [0x01, 0x06],
    ]);
    await expect(driver.openPinPad(pinPadSettings(pad))).rejects.toBeInstanceOf(
      HidKeyboardModeError,
    );
  });

  it('a keypad (0x01:0x07) is keyboard mode too', async () => {
    const driver = new FakeHidDriver();
    driver.plug(pad, [[0x01, 0x07]]);
    const error = await driver.openPinPad(pinPadSettings(pad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HidKeyboardModeError);
    expect(error).toMatchObject({ role: 'pinPad', usage: 0x07, code: 'HID_KEYBOARD_MODE' });
  });

  it('access denied (no udev rule): HidAccessError naming the rule', async () => {
    const driver = new FakeHidDriver();
    driver.denyAccess(driver.plug(pad, [[vendorPage, 1]]));
    const error = await driver.openPinPad(pinPadSettings(pad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HidAccessError);
    expect((error as Error).message).toMatch(/70-kiosk-hid\.rules/);
  });

  it('an entry started on a pad already unplugged fails at once', async () => {
    const driver = new FakeHidDriver();
    const path = driver.plug(pad, [[vendorPage, 1]]);
    const pinPad = await driver.openPinPad(pinPadSettings(pad));
    driver.unplug(path);
    const events: PinEntryEvent[] = [];
    pinPad.startEntry(Buffer.alloc(4), (e) => events.push(e));
    await Promise.resolve();
    expect(events.map((e) => e.type)).toEqual(['error']);
  });

  it('a second entry stops the first; a held key counts once', async () => {
    const driver = new FakeHidDriver();
    const path = driver.plug(pad, [[vendorPage, 1]]);
    const pinPad = await driver.openPinPad(pinPadSettings(pad));
    const first: PinEntryEvent[] = [];
    const second: PinEntryEvent[] = [];
    pinPad.startEntry(Buffer.alloc(4), (e) => first.push(e));
    const buffer = Buffer.alloc(4);
    const entry = pinPad.startEntry(buffer, (e) => second.push(e));
    const down = Buffer.from([0, 0, 0x5d, 0, 0, 0, 0, 0]); // Keypad 5, held over three reports
    driver.sendReport(path, down);
    driver.sendReport(path, down);
    driver.sendReport(path, Buffer.from([0, 0, 0x5d, 0x62, 0, 0, 0, 0])); // and Keypad 0 joins
    expect(first).toEqual([]);
    expect(buffer.subarray(0, entry.length).toString('latin1')).toBe('50');
  });

  it('the scanner reports its symbology identifier', async () => {
    const driver = new FakeHidDriver();
    const path = driver.plug(scan, [[0x8c, 0x02]]);
    const scanner = await driver.openScanner(scannerSettings(scan));
    const events: ScanEvent[] = [];
    scanner.watch((e) => events.push(e));
    driver.scan(path, Buffer.from('abc'), ']Q1');
    expect(events).toEqual([
      { type: 'scan', data: new Uint8Array(Buffer.from('abc')), symbology: ']Q1' },
    ]);
  });
});
