import { describe, expect, it } from 'vitest';
import { FakeUsbHotplug } from '../../drivers/usb/fake.js';
import { flashDrive, token, usbHotplugContractSuite } from './usbHotplug.js';

usbHotplugContractSuite(
  'fake',
  () => {
    const hotplug = new FakeUsbHotplug();
    return Promise.resolve({
      hotplug,
      attach: (device) => {
        hotplug.attach(device);
        return Promise.resolve();
      },
      detach: (portPath) => {
        hotplug.detach(portPath);
        return Promise.resolve();
      },
      failWatch: (error) => {
        hotplug.failWatch(error);
      },
      cleanup: () => Promise.resolve(),
    });
  },
  { canFailWatch: true },
);

describe('FakeUsbHotplug controls', () => {
  it('plays a machine without USB: lists nothing, watches nothing, refuses attach', async () => {
    const hotplug = new FakeUsbHotplug({ available: false });
    expect(hotplug.available).toBe(false);
    hotplug.watch(() => undefined)();
    expect(hotplug.listenerCount).toBe(0);
    expect(await hotplug.list()).toEqual([]);
    expect(() => {
      hotplug.attach(flashDrive);
    }).toThrow('without USB');
  });

  it('refuses a second device on one port and a detach of an empty port', () => {
    const hotplug = new FakeUsbHotplug();
    hotplug.attach(flashDrive);
    expect(() => {
      hotplug.attach({ ...token, portPath: flashDrive.portPath });
    }).toThrow('already attached at 1-2.3');
    expect(() => {
      hotplug.detach('9-9');
    }).toThrow('no device is attached at 9-9');
  });

  it('close and unsubscribe leave no listener behind; instances share nothing', async () => {
    const one = new FakeUsbHotplug();
    const other = new FakeUsbHotplug();
    const stop = one.watch(() => undefined);
    one.watch(() => undefined);
    expect(one.listenerCount).toBe(2);
    stop();
    expect(one.listenerCount).toBe(1);
    one.attach(flashDrive);
    expect(await other.list()).toEqual([]);
    one.close();
    expect(one.listenerCount).toBe(0);
  });

  it('keeps its own copy of what it was given', async () => {
    const hotplug = new FakeUsbHotplug();
    const classes = [0x08];
    hotplug.attach({ ...flashDrive, interfaceClasses: classes });
    classes.push(0xff);
    expect((await hotplug.list())[0]?.interfaceClasses).toEqual([0x08]);
  });
});
