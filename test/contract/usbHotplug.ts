import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsbDeviceIdentity, UsbHotplug, UsbHotplugEvent } from '../../drivers/usb/contract.js';
import { UsbHotplugError } from '../../src/errors/index.js';

/**
 * A UsbHotplug with nothing plugged in, and the hands that plug devices in and out: the fake's
 * controls here, a USB gadget or a switchable hub on a machine that has one.
 */
export interface UsbHotplugTarget {
  readonly hotplug: UsbHotplug;
  attach(device: UsbDeviceIdentity): Promise<void>;
  detach(portPath: string): Promise<void>;
  /** Makes watching fail as the native source can; only a fake can do it on demand. */
  readonly failWatch?: (error: UsbHotplugError) => void;
  cleanup(): Promise<void>;
}

/** A USB flash drive (interface class 08, mass storage) behind a hub port: sysfs `1-2.3`. */
export const flashDrive: UsbDeviceIdentity = {
  vendorId: 0x0781,
  productId: 0x5567,
  busNumber: 1,
  deviceAddress: 7,
  portPath: '1-2.3',
  interfaceClasses: [0x08],
};

/** A token in a smart-card (0x0b) and HID (0x03) composite on another bus. */
export const token: UsbDeviceIdentity = {
  vendorId: 0x1234,
  productId: 0xabcd,
  busNumber: 2,
  deviceAddress: 3,
  portPath: '2-1',
  interfaceClasses: [0x0b, 0x03],
};

/** Records what a listener hears. */
function recorder(): { events: UsbHotplugEvent[]; listener: (event: UsbHotplugEvent) => void } {
  const events: UsbHotplugEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

/** Lets an asynchronous source deliver what it has (the fake delivers synchronously). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * What every UsbHotplug does (drivers/usb/contract.ts), for the fake here and for the real one
 * wherever a test can plug devices in (STYLE #4).
 */
export function usbHotplugContractSuite(
  name: string,
  makeTarget: () => Promise<UsbHotplugTarget>,
  options: { readonly canFailWatch: boolean },
): void {
  describe(`USB hotplug contract: ${name}`, () => {
    let target: UsbHotplugTarget;

    beforeEach(async () => {
      target = await makeTarget();
    });

    afterEach(async () => {
      target.hotplug.close();
      await target.cleanup();
    });

    it('is available and lists what is plugged in, until it is pulled out', async () => {
      const { hotplug } = target;
      expect(hotplug.available).toBe(true);
      expect(await hotplug.list()).toEqual([]);
      await target.attach(flashDrive);
      await target.attach(token);
      const sorted = (list: UsbDeviceIdentity[]) =>
        [...list].sort((a, b) => a.portPath.localeCompare(b.portPath));
      expect(sorted(await hotplug.list())).toEqual([flashDrive, token]);
      await target.detach(flashDrive.portPath);
      expect(await hotplug.list()).toEqual([token]);
    });

    it('names each device as sysfs does: bus-ports', async () => {
      await target.attach(flashDrive);
      await target.attach(token);
      for (const device of await target.hotplug.list()) {
        expect(device.portPath).toMatch(new RegExp(`^${device.busNumber}-\\d+(\\.\\d+)*$`));
      }
    });

    it('reports attach and detach with the full identity, until unsubscribed', async () => {
      const { events, listener } = recorder();
      const unsubscribe = target.hotplug.watch(listener);
      await target.attach(flashDrive);
      await target.detach(flashDrive.portPath);
      await settle();
      expect(events).toEqual([
        { type: 'attached', device: flashDrive },
        { type: 'detached', device: flashDrive },
      ]);

      unsubscribe();
      unsubscribe(); // a second call does nothing
      await target.attach(token);
      await settle();
      expect(events).toHaveLength(2);
    });

    it('reports the detach of a device that was there before watching started', async () => {
      await target.attach(token);
      const { events, listener } = recorder();
      target.hotplug.watch(listener);
      await settle();
      await target.detach(token.portPath);
      await settle();
      expect(events).toEqual([{ type: 'detached', device: token }]);
    });

    it('tells every listener; one unsubscribing leaves the others', async () => {
      const one = recorder();
      const two = recorder();
      const stopOne = target.hotplug.watch(one.listener);
      target.hotplug.watch(two.listener);
      await target.attach(flashDrive);
      stopOne();
      await target.detach(flashDrive.portPath);
      await settle();
      expect(one.events.map((e) => e.type)).toEqual(['attached']);
      expect(two.events.map((e) => e.type)).toEqual(['attached', 'detached']);
    });

    it('after close: no events, nothing listed, watch does nothing', async () => {
      const { events, listener } = recorder();
      target.hotplug.watch(listener);
      await target.attach(flashDrive);
      target.hotplug.close();
      target.hotplug.close(); // a second call does nothing
      await target.detach(flashDrive.portPath);
      await target.attach(token);
      const late = recorder();
      const unsubscribe = target.hotplug.watch(late.listener);
      unsubscribe();
      await settle();
      expect(events.map((e) => e.type)).toEqual(['attached']);
      expect(late.events).toEqual([]);
      expect(await target.hotplug.list()).toEqual([]);
    });

    it.skipIf(!options.canFailWatch)(
      'a failing source tells each listener once with a UsbHotplugError, then goes quiet (needs a target that can break its source on demand)',
      async () => {
        const failWatch = target.failWatch;
        if (failWatch === undefined) throw new Error('the target said it can fail watching');
        const errors: UsbHotplugError[] = [];
        const { events, listener } = recorder();
        target.hotplug.watch(listener, (error) => errors.push(error));
        const error = new UsbHotplugError('watch', { cause: new Error('netlink closed') });
        failWatch(error);
        await target.attach(flashDrive);
        await settle();
        expect(errors).toEqual([error]);
        expect(errors[0]).toMatchObject({ code: 'USB_HOTPLUG', reason: 'configInvalid' });
        expect(events).toEqual([]);
      },
    );
  });
}
