import { describe, expect, it } from 'vitest';
import { FakeHidDriver } from '../../../drivers/hid/fake.js';
import { HidAccessError, HidKeyboardModeError } from '../../../drivers/hid/errors.js';
import { configSchema } from '../../../src/config/index.js';
import { openHidDevices } from '../../../src/kiosk/hidDevices.js';
import type { Logger } from '../../../src/log/logger.js';
import type { Devices } from '../../../src/service/devices.js';

// `kiosk start` opens the configured PIN pad and scanner for the visitor's screen (issue 15
// item 5): a device that is not plugged in leaves the keyboard serving, one in keyboard mode or
// without access stops the start.

const pad = { vendorId: 0x1234, productId: 0x0001 };
const scanner = { vendorId: 0x1234, productId: 0x0002 };
const config = configSchema.parse({ hid: { pinPad: pad, scanner } });

function world(): { hid: FakeHidDriver; devices: Devices; log: Logger; warnings: unknown[] } {
  const hid = new FakeHidDriver();
  const warnings: unknown[] = [];
  const log = { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;
  return { hid, devices: { hid: () => hid } as unknown as Devices, log, warnings };
}

describe('openHidDevices', () => {
  it('opens nothing and needs no HID driver when none is configured', async () => {
    const opened = await openHidDevices(configSchema.parse({}), {} as Devices, world().log);
    expect(opened.pinPad).toBeUndefined();
    expect(opened.scanner).toBeUndefined();
    await opened.close();
  });

  it('opens both in data mode, and close releases them', async () => {
    const w = world();
    const padPath = w.hid.plug(pad, [[0xff00, 0x01]]);
    w.hid.plug(scanner, [[0x8c, 0x02]]);
    const opened = await openHidDevices(config, w.devices, w.log);
    expect(opened.pinPad?.info.path).toBe(padPath);
    expect(opened.scanner?.info.productId).toBe(2);
    const into = Buffer.alloc(8);
    const events: string[] = [];
    opened.pinPad?.startEntry(into, (e) => events.push(e.type));
    w.hid.press(padPath, { type: 'digit', digit: 4 });
    expect(events).toEqual(['digit']);
    await opened.close();
    w.hid.press(padPath, { type: 'digit', digit: 5 });
    expect(events).toEqual(['digit']);
  });

  it('goes on with the keyboard when a configured device is not plugged in (logged)', async () => {
    const w = world();
    w.hid.plug(scanner, [[0x8c, 0x02]]);
    const opened = await openHidDevices(config, w.devices, w.log);
    expect(opened.pinPad).toBeUndefined();
    expect(opened.scanner).toBeDefined();
    expect(w.warnings).toEqual([{ device: 'pinPad' }]);
    await opened.close();
  });

  it('refuses a pad in keyboard mode: its keys would reach the terminal', async () => {
    const w = world();
    w.hid.plug(pad, [[0x01, 0x06]]);
    await expect(openHidDevices(config, w.devices, w.log)).rejects.toBeInstanceOf(
      HidKeyboardModeError,
    );
  });

  it('refuses a scanner without access (the udev rule missing)', async () => {
    const w = world();
    w.hid.plug(pad, [[0xff00, 0x01]]);
    w.hid.denyAccess(w.hid.plug(scanner, [[0x8c, 0x02]]));
    await expect(openHidDevices(config, w.devices, w.log)).rejects.toBeInstanceOf(HidAccessError);
  });
});
