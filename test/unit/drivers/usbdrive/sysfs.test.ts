import { lstatSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blockDevicesOfUsb,
  listBlockDevices,
  partitionNumber,
  usbIdentityOfBlock,
} from '../../../../drivers/usbdrive/sysfs.js';
import { BlockDeviceNotFoundError } from '../../../../drivers/usbdrive/errors.js';
import { toReason } from '../../../../src/errors/index.js';
import { FakeSysfs, standardSysfs, usbController } from '../../../support/fakeSysfs.js';
import { tempDir } from '../../../support/tempDir.js';

// DESIGN §3.4: block device ↔ USB device through sysfs, on a fake tree laid out as Linux's
// (test/support/fakeSysfs.ts): symlinks block/<name> and bus/usb/devices/<name> into devices/.

const sys = standardSysfs();
const stickDisk = `${usbController}/usb1/1-2/1-2:1.0/host0/target0:0:0/0:0:0:0/block/sdb`;

describe('blockDevicesOfUsb: USB device → its disks', () => {
  it.each([
    ['1-2', ['sdb'], 'a stick on a root port'],
    ['1-3.2', ['sdc'], 'a stick behind a hub'],
    ['1-3', [], 'the hub itself (class 09)'],
    ['1-4', [], 'a keyboard (class 03)'],
    ['1-5', [], 'a disk behind a vendor-specific (ff) interface'],
    ['1-9', [], 'a device that is gone'],
    ['usb1', [], 'a root hub (not a port path)'],
    ['../../block', [], 'a name that would leave bus/usb/devices'],
    ['1-2:1.0', [], 'an interface name'],
  ])('%s → %j (%s)', async (portPath, disks) => {
    expect(await blockDevicesOfUsb(portPath, sys.root)).toEqual(disks);
  });

  it('finds every disk of a multi-LUN card reader, sorted', async () => {
    const tree = new FakeSysfs();
    const reader = `${usbController}/usb2/2-1`;
    tree.usbDevice(reader, { busnum: 2, devnum: 3, idVendor: '0bda', idProduct: '0158' });
    const iface = tree.usbInterface(reader, 0, '08');
    for (const [lun, name] of [
      [1, 'sdf'],
      [0, 'sde'],
    ] as const) {
      tree.disk(`${iface}/host4/target4:0:0/4:0:0:${lun}/block/${name}`, {
        size: 0,
        removable: 1,
      });
    }
    expect(await blockDevicesOfUsb('2-1', tree.root)).toEqual(['sde', 'sdf']);
  });

  it('finds nothing where there is no sysfs (containers, CI)', async () => {
    expect(await blockDevicesOfUsb('1-2', join(tempDir('nosys-'), 'missing'))).toEqual([]);
  });
});

describe('usbIdentityOfBlock: disk → its USB device and its facts', () => {
  it('reads the stick at 1-2: identity, size, removable, partitions', async () => {
    expect(await usbIdentityOfBlock('sdb', sys.root)).toEqual({
      name: 'sdb',
      devicePath: '/dev/sdb',
      sizeBytes: 31_266_816 * 512,
      removable: true,
      readOnly: false,
      usb: {
        portPath: '1-2',
        vendorId: 0x0781,
        productId: 0x5567,
        serial: '4C530001230101119263',
        manufacturer: 'SanDisk',
        product: 'Cruzer Blade',
        massStorage: true,
      },
      partitions: [{ name: 'sdb1', startBytes: 1024 * 1024, sizeBytes: 31_264_768 * 512 }],
    });
  });

  it('stops at the nearest USB device: the stick behind the hub, not the hub', async () => {
    const facts = await usbIdentityOfBlock('sdc', sys.root);
    expect(facts.usb).toEqual({
      portPath: '1-3.2',
      vendorId: 0x090c,
      productId: 0x1000,
      massStorage: true,
    });
    expect(facts.readOnly).toBe(true);
    expect(facts.partitions).toEqual([]);
  });

  it('reports a disk behind a non-mass-storage interface as such', async () => {
    const facts = await usbIdentityOfBlock('sdd', sys.root);
    expect(facts.usb?.portPath).toBe('1-5');
    expect(facts.usb?.massStorage).toBe(false);
  });

  it.each([
    ['vda', 41_943_040 * 512, 'a virtio disk'],
    ['loop0', 131_072 * 512, 'a loop device'],
  ])('%s is not under USB (%s)', async (name, sizeBytes) => {
    const facts = await usbIdentityOfBlock(name, sys.root);
    expect(facts.usb).toBeUndefined();
    expect(facts.removable).toBe(false);
    expect(facts.sizeBytes).toBe(sizeBytes);
  });

  it('round-trips: every disk of a USB device maps back to that device', async () => {
    for (const portPath of ['1-2', '1-3.2']) {
      for (const name of await blockDevicesOfUsb(portPath, sys.root)) {
        expect((await usbIdentityOfBlock(name, sys.root)).usb?.portPath).toBe(portPath);
      }
    }
  });

  it.each([
    ['sdz', 'a disk that is not there (unplugged)'],
    ['../devices', 'a path, not a name'],
    ['', 'an empty name'],
    ['.', 'the folder itself'],
  ])('rejects %j with BlockDeviceNotFoundError (%s)', async (name) => {
    const error = await usbIdentityOfBlock(name, sys.root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockDeviceNotFoundError);
    expect((error as BlockDeviceNotFoundError).device).toBe(name);
    expect(toReason(error)).toBe('notFound');
  });

  it('treats missing, malformed and oversized attributes as absent, never throwing', async () => {
    const tree = new FakeSysfs();
    const device = `${usbController}/usb1/1-7`;
    // No serial/manufacturer/product; `product` is over a page (not a sysfs attribute).
    tree.usbDevice(device, { busnum: 1, devnum: 4, idVendor: 'abcd', idProduct: '0001' });
    writeFileSync(join(tree.root, device, 'product'), 'x'.repeat(5000));
    writeFileSync(join(tree.root, device, 'serial'), '\n');
    const disk = FakeSysfs.scsiDisk(tree.usbInterface(device, 0, '08'), 0, 'sdb');
    tree.disk(disk, { size: 8, removable: 1 }, [
      { name: 'sdb2', start: 4, size: 4 },
      { name: 'sdb10', start: 6, size: 2 },
      { name: 'sdb1', start: 2, size: 2 },
      { name: 'sdb3', start: 7, size: 1 },
    ]);
    writeFileSync(join(tree.root, disk, 'size'), 'lots\n');
    rmSync(join(tree.root, disk, 'removable'));
    rmSync(join(tree.root, disk, 'sdb3', 'start'));
    // A folder where `ro` belongs: reading it fails (EISDIR), which counts as absent.
    rmSync(join(tree.root, disk, 'ro'));
    mkdirSync(join(tree.root, disk, 'ro'));

    expect(await usbIdentityOfBlock('sdb', tree.root)).toEqual({
      name: 'sdb',
      devicePath: '/dev/sdb',
      sizeBytes: undefined,
      removable: false,
      readOnly: false,
      usb: { portPath: '1-7', vendorId: 0xabcd, productId: 0x0001, massStorage: true },
      // Numeric order; sdb3 without `start` is left out.
      partitions: [
        { name: 'sdb1', startBytes: 1024, sizeBytes: 1024 },
        { name: 'sdb2', startBytes: 2048, sizeBytes: 2048 },
        { name: 'sdb10', startBytes: 3072, sizeBytes: 1024 },
      ],
    });
  });

  it('does not take a folder with unreadable ids for the USB device', async () => {
    const tree = new FakeSysfs();
    const device = `${usbController}/usb1/1-8`;
    tree.usbDevice(device, { busnum: 1, devnum: 4, idVendor: 'zzzz', idProduct: '0001' });
    tree.disk(FakeSysfs.scsiDisk(tree.usbInterface(device, 0, '08'), 0, 'sdb'), {
      size: 8,
      removable: 1,
    });
    expect((await usbIdentityOfBlock('sdb', tree.root)).usb).toBeUndefined();
  });

  it('names partitions as the kernel does (p first when the disk ends in a digit)', () => {
    expect(partitionNumber('sdb', 'sdb1')).toBe(1);
    expect(partitionNumber('sdb', 'sdb15')).toBe(15);
    expect(partitionNumber('nvme0n1', 'nvme0n1p2')).toBe(2);
    expect(partitionNumber('loop0', 'loop0p1')).toBe(1);
    for (const [disk, name] of [
      ['sdb', 'sdb'],
      ['sdb', 'sdbb1'],
      ['sdb', 'sdb0'],
      ['sdb', 'sda1'],
      ['loop0', 'loop01'],
      ['nvme0n1', 'nvme0n11'],
      ['sdb', 'sdbp1'],
    ]) {
      expect(partitionNumber(disk ?? '', name ?? ''), `${disk} ${name}`).toBeUndefined();
    }
  });

  it('is tested through symlinks, as in real sysfs', () => {
    // realpath is what takes the walk into devices/: the fixture must not be a plain folder.
    expect(lstatSync(join(sys.root, 'block', 'sdb')).isSymbolicLink()).toBe(true);
    expect(realpathSync(join(sys.root, 'block', 'sdb'))).toBe(
      realpathSync(join(sys.root, stickDisk)),
    );
    expect(lstatSync(join(sys.root, 'bus/usb/devices/1-2')).isSymbolicLink()).toBe(true);
  });
});

describe('listBlockDevices', () => {
  it('lists block/, sorted', async () => {
    expect(await listBlockDevices(sys.root)).toEqual(['loop0', 'sdb', 'sdc', 'sdd', 'vda']);
  });

  it('lists nothing without sysfs', async () => {
    expect(await listBlockDevices(join(tempDir('nosys-'), 'missing'))).toEqual([]);
  });
});
