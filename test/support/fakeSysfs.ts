import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tempDir } from './tempDir.js';

// Fake sysfs trees for drivers/usbdrive/sysfs.ts, laid out as Linux lays out the real one
// (Documentation/ABI/stable/sysfs-bus-usb, sysfs-block): the device tree under devices/, with
// block/<name> and bus/usb/devices/<name> as relative symlinks into it, and attributes as small
// files ending in a newline.

/** The xHCI controller the fake USB devices hang from. */
export const usbController = 'devices/pci0000:00/0000:00:14.0';

/** A fake sysfs root: write attributes and folders into it, link into it. */
export class FakeSysfs {
  readonly root = tempDir('sysfs-');

  /** Writes attribute files (`name: value`) into `folder` (relative to the root), each + "\n". */
  attributes(folder: string, values: Readonly<Record<string, string>>): this {
    mkdirSync(join(this.root, folder), { recursive: true });
    for (const [name, value] of Object.entries(values)) {
      writeFileSync(join(this.root, folder, name), `${value}\n`);
    }
    return this;
  }

  /** A relative symlink at `at` to `target` (both relative to the root), as sysfs has. */
  link(at: string, target: string): this {
    mkdirSync(dirname(join(this.root, at)), { recursive: true });
    symlinkSync(
      relative(dirname(join(this.root, at)), join(this.root, target)),
      join(this.root, at),
    );
    return this;
  }

  /** A USB device (or hub) at `folder` named `portPath`, linked from bus/usb/devices. */
  usbDevice(
    folder: string,
    ids: { busnum: number; devnum: number; idVendor: string; idProduct: string },
    strings: Readonly<Record<string, string>> = {},
  ): this {
    const portPath = folder.slice(folder.lastIndexOf('/') + 1);
    this.attributes(folder, {
      busnum: String(ids.busnum),
      devnum: String(ids.devnum),
      idVendor: ids.idVendor,
      idProduct: ids.idProduct,
      ...strings,
    });
    return this.link(`bus/usb/devices/${portPath}`, folder);
  }

  /** An interface folder `<device>/<device name>:1.<n>` of class `bInterfaceClass` (2 hex). */
  usbInterface(device: string, n: number, bInterfaceClass: string): string {
    const name = `${device.slice(device.lastIndexOf('/') + 1)}:1.${n}`;
    const folder = `${device}/${name}`;
    this.attributes(folder, {
      bInterfaceClass,
      bInterfaceNumber: n.toString(16).padStart(2, '0'),
    });
    this.link(`bus/usb/devices/${name}`, folder);
    return folder;
  }

  /**
   * A disk `name` at `folder` (its real place under devices/), linked from block/<name>, with
   * `size` (512-byte sectors), `removable` and `ro`, and partitions `{ name, start, size }`.
   */
  disk(
    folder: string,
    attributes: { size: number; removable: 0 | 1; ro?: 0 | 1 },
    partitions: readonly { name: string; start: number; size: number }[] = [],
  ): this {
    const name = folder.slice(folder.lastIndexOf('/') + 1);
    this.attributes(folder, {
      size: String(attributes.size),
      removable: String(attributes.removable),
      ro: String(attributes.ro ?? 0),
      dev: '8:16',
    });
    partitions.forEach((p, i) => {
      this.attributes(`${folder}/${p.name}`, {
        start: String(p.start),
        size: String(p.size),
        partition: String(i + 1),
      });
    });
    return this.link(`block/${name}`, folder);
  }

  /** The SCSI disk folder a usb-storage interface gets: host/target/LUN/block/<name>. */
  static scsiDisk(iface: string, host: number, name: string): string {
    return `${iface}/host${host}/target${host}:0:0/${host}:0:0:0/block/${name}`;
  }
}

/**
 * The tree of the unit tests: a SanDisk stick at 1-2 (sdb, one FAT partition at 1 MiB), a stick
 * behind a hub at 1-3.2 (sdc, no partition table), a keyboard at 1-4 (HID, no disk), a
 * vendor-specific device at 1-5 exposing a disk (sdd, not mass storage), a virtio disk (vda) and a
 * loop device (loop0).
 */
export function standardSysfs(): FakeSysfs {
  const sys = new FakeSysfs();
  const rootHub = `${usbController}/usb1`;
  sys.usbDevice(rootHub, { busnum: 1, devnum: 1, idVendor: '1d6b', idProduct: '0002' });

  const stick = `${rootHub}/1-2`;
  sys.usbDevice(
    stick,
    { busnum: 1, devnum: 5, idVendor: '0781', idProduct: '5567' },
    { serial: '4C530001230101119263', manufacturer: 'SanDisk', product: 'Cruzer Blade' },
  );
  sys.disk(
    FakeSysfs.scsiDisk(sys.usbInterface(stick, 0, '08'), 0, 'sdb'),
    { size: 31_266_816, removable: 1 },
    [{ name: 'sdb1', start: 2048, size: 31_264_768 }],
  );

  const hub = `${rootHub}/1-3`;
  sys.usbDevice(hub, { busnum: 1, devnum: 6, idVendor: '05e3', idProduct: '0610' });
  sys.usbInterface(hub, 0, '09');
  const hubbed = `${hub}/1-3.2`;
  sys.usbDevice(hubbed, { busnum: 1, devnum: 7, idVendor: '090c', idProduct: '1000' });
  sys.disk(FakeSysfs.scsiDisk(sys.usbInterface(hubbed, 0, '08'), 1, 'sdc'), {
    size: 131_072,
    removable: 1,
    ro: 1,
  });

  const keyboard = `${rootHub}/1-4`;
  sys.usbDevice(keyboard, { busnum: 1, devnum: 8, idVendor: '046d', idProduct: 'c31c' });
  sys.usbInterface(keyboard, 0, '03');

  const vendor = `${rootHub}/1-5`;
  sys.usbDevice(vendor, { busnum: 1, devnum: 9, idVendor: '1234', idProduct: '5678' });
  sys.disk(FakeSysfs.scsiDisk(sys.usbInterface(vendor, 0, 'ff'), 2, 'sdd'), {
    size: 1024,
    removable: 1,
  });

  sys.disk(
    'devices/pci0000:00/0000:00:04.0/virtio1/block/vda',
    { size: 41_943_040, removable: 0 },
    [{ name: 'vda1', start: 2048, size: 41_940_992 }],
  );
  sys.disk('devices/virtual/block/loop0', { size: 131_072, removable: 0 });
  return sys;
}
