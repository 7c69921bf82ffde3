import { linkSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMounts, type MountEntry } from '../../../../drivers/usbdrive/mounts.js';
import {
  checkDriveSafety,
  checkImageSafety,
  mayRead,
  type DriveSafetyPolicy,
  type ImageStat,
} from '../../../../drivers/usbdrive/safety.js';
import { usbIdentityOfBlock, type BlockDeviceFacts } from '../../../../drivers/usbdrive/sysfs.js';
import { standardSysfs } from '../../../support/fakeSysfs.js';
import { tempDir } from '../../../support/tempDir.js';

// DESIGN §3.4: "Never touch a device that is not removable USB mass storage, is mounted as a
// system filesystem, or is larger than a configured limit, whatever the caller asks." One case per
// problem, then the facts read from the fake sysfs tree end to end.

const gib = 1024 ** 3;
const policy: DriveSafetyPolicy = { maxBytes: 64 * gib, allowLoopDevices: false };

const stickUsb = { portPath: '1-2', vendorId: 0x0781, productId: 0x5567, massStorage: true };

/** A 16 GiB removable USB stick, sdb with sdb1, as sysfs reports it. */
const stick: BlockDeviceFacts = {
  name: 'sdb',
  devicePath: '/dev/sdb',
  sizeBytes: 16 * gib,
  removable: true,
  readOnly: false,
  usb: stickUsb,
  partitions: [{ name: 'sdb1', startBytes: 1024 * 1024, sizeBytes: 16 * gib - 1024 * 1024 }],
};

const loop: BlockDeviceFacts = {
  name: 'loop3',
  devicePath: '/dev/loop3',
  sizeBytes: 64 * 1024 * 1024,
  removable: false,
  readOnly: false,
  usb: undefined,
  partitions: [],
};

const mounted = (source: string, mountPoint: string): MountEntry[] =>
  parseMounts(`${source} ${mountPoint.replaceAll(' ', '\\040')} vfat rw 0 0`);

describe('checkDriveSafety', () => {
  it('passes a removable USB mass storage stick within the limit, not mounted', () => {
    expect(checkDriveSafety(stick, [], policy)).toEqual({ ok: true });
  });

  it.each<[string, BlockDeviceFacts, readonly MountEntry[], DriveSafetyPolicy, string[]]>([
    ['not under USB', { ...stick, usb: undefined }, [], policy, ['notUsb']],
    [
      'USB, not through a mass storage interface',
      { ...stick, usb: { ...stickUsb, massStorage: false } },
      [],
      policy,
      ['notMassStorage'],
    ],
    ['not removable', { ...stick, removable: false }, [], policy, ['notRemovable']],
    ['over the limit', { ...stick, sizeBytes: 64 * gib + 512 }, [], policy, ['tooLarge']],
    ['of unknown size', { ...stick, sizeBytes: undefined }, [], policy, ['tooLarge']],
    ['checked against a NaN limit', stick, [], { ...policy, maxBytes: Number.NaN }, ['tooLarge']],
    ['a partition mounted at /', stick, mounted('/dev/sdb1', '/'), policy, ['mountedSystem']],
    [
      'mounted whole at /var/lib/x',
      stick,
      mounted('/dev/sdb', '/var/lib/x'),
      policy,
      ['mountedSystem'],
    ],
    [
      'mounted on the desktop',
      stick,
      mounted('/dev/sdb1', '/media/kiosk/NPKI USB'),
      policy,
      ['mounted'],
    ],
    [
      'mounted both ways',
      stick,
      [...mounted('/dev/sdb1', '/home'), ...mounted('/dev/sdb1', '/mnt/usb')],
      policy,
      ['mountedSystem', 'mounted'],
    ],
    ['read-only', { ...stick, readOnly: true }, [], policy, ['readOnly']],
    ['a loop device when loops are not allowed', loop, [], policy, ['notUsb', 'notRemovable']],
    [
      'an internal disk mounted as the system, larger than the limit',
      {
        ...stick,
        name: 'vda',
        devicePath: '/dev/vda',
        usb: undefined,
        removable: false,
        sizeBytes: 500 * gib,
        partitions: [{ name: 'vda1', startBytes: 1024 * 1024, sizeBytes: 500 * gib }],
      },
      mounted('/dev/vda1', '/'),
      policy,
      ['notUsb', 'notRemovable', 'tooLarge', 'mountedSystem'],
    ],
  ])('refuses a device %s', (_, facts, mounts, given, problems) => {
    expect(checkDriveSafety(facts, mounts, given)).toEqual({ ok: false, problems });
  });

  it('passes a loop device only when loops are allowed, and still checks size and mounts', () => {
    const labs = { ...policy, allowLoopDevices: true };
    expect(checkDriveSafety(loop, [], labs)).toEqual({ ok: true });
    expect(checkDriveSafety({ ...loop, sizeBytes: 65 * gib }, [], labs)).toEqual({
      ok: false,
      problems: ['tooLarge'],
    });
    expect(checkDriveSafety(loop, mounted('/dev/loop3p1', '/'), labs)).toEqual({
      ok: false,
      problems: ['mountedSystem'],
    });
    // Only loop<N>: a device merely named like one (not a loop) is not let through.
    expect(checkDriveSafety({ ...loop, name: 'loopy' }, [], labs)).toMatchObject({ ok: false });
  });

  it('counts only mounts of the device and its partitions, from a whole table', () => {
    const others = parseMounts(
      [
        '/dev/vda1 / ext4 rw 0 0',
        '/dev/sdbb1 /mnt/x vfat rw 0 0',
        '/dev/sdc1 /var vfat rw 0 0',
      ].join('\n'),
    );
    expect(checkDriveSafety(stick, others, policy)).toEqual({ ok: true });
  });

  it('lets a read-only device be read, nothing else', () => {
    expect(mayRead(checkDriveSafety(stick, [], policy))).toBe(true);
    expect(mayRead(checkDriveSafety({ ...stick, readOnly: true }, [], policy))).toBe(true);
    expect(
      mayRead(checkDriveSafety({ ...stick, readOnly: true, removable: false }, [], policy)),
    ).toBe(false);
  });

  it('on the fake sysfs tree: sdb passes; sdc, sdd, vda and loop0 do not', async () => {
    const sys = standardSysfs();
    const verdict = async (name: string): Promise<ReturnType<typeof checkDriveSafety>> =>
      checkDriveSafety(await usbIdentityOfBlock(name, sys.root), [], policy);
    expect(await verdict('sdb')).toEqual({ ok: true });
    expect(await verdict('sdc')).toEqual({ ok: false, problems: ['readOnly'] });
    expect(await verdict('sdd')).toEqual({ ok: false, problems: ['notMassStorage'] });
    expect(await verdict('vda')).toEqual({ ok: false, problems: ['notUsb', 'notRemovable'] });
    expect(await verdict('loop0')).toEqual({ ok: false, problems: ['notUsb', 'notRemovable'] });
  });
});

describe('checkImageSafety', () => {
  const folder = tempDir('images-');
  const image = join(folder, 'drive.img');
  writeFileSync(image, new Uint8Array(4096));
  symlinkSync(image, join(folder, 'link.img'));
  mkdirSync(join(folder, 'dir.img'));

  it('passes a regular file within the limit', () => {
    expect(checkImageSafety(image, lstatSync(image), 4096, folder)).toEqual({ ok: true });
  });

  it('refuses a file over the limit', () => {
    expect(checkImageSafety(image, lstatSync(image), 4095, folder)).toEqual({
      ok: false,
      problems: ['tooLarge'],
    });
  });

  it.each([
    ['a symlink (lstat)', join(folder, 'link.img'), 'symlink'],
    ['a folder', join(folder, 'dir.img'), 'notRegularFile'],
    ['a character device', '/dev/null', 'device'],
  ])('refuses %s', (_, path, because) => {
    expect(checkImageSafety(path, lstatSync(path), 1 << 30, folder)).toEqual({
      ok: false,
      problems: path === '/dev/null' ? ['notImageFile', 'outsideImageFolder'] : ['notImageFile'],
      because,
    });
  });

  it('refuses a block device, and a regular file under /proc, /sys or /dev', () => {
    const stat = (kind: 'file' | 'block'): ImageStat => ({
      isFile: () => kind === 'file',
      isSymbolicLink: () => false,
      isBlockDevice: () => kind === 'block',
      isCharacterDevice: () => false,
      size: 0,
      nlink: 1,
    });
    expect(checkImageSafety('/dev/sdb', stat('block'), 1, '/dev')).toMatchObject({
      because: 'device',
    });
    for (const path of ['/proc/sysrq-trigger', '/sys/block/sdb/device/delete', '/dev/shm/x.img']) {
      expect(checkImageSafety(path, stat('file'), 1, '/'), path).toEqual({
        ok: false,
        problems: ['notImageFile'],
        because: 'systemPath',
      });
    }
    expect(checkImageSafety('/procfs/x.img', stat('file'), 1, '/procfs')).toEqual({ ok: true });
  });

  it('refuses an image outside the image folder, or with none configured', () => {
    // Issue 11 item 15: any regular file could be formatted as a "drive".
    const elsewhere = join(tempDir('not-images-'), 'drive.img');
    writeFileSync(elsewhere, new Uint8Array(4096));
    const refused = { ok: false, problems: ['outsideImageFolder'] };
    expect(checkImageSafety(elsewhere, lstatSync(elsewhere), 4096, folder)).toEqual(refused);
    expect(checkImageSafety(image, lstatSync(image), 4096, undefined)).toEqual(refused);
    // A folder whose name merely starts like the image folder's is another folder.
    const sibling = `${folder}-x`;
    mkdirSync(sibling);
    writeFileSync(join(sibling, 'a.img'), new Uint8Array(16));
    const path = join(sibling, 'a.img');
    expect(checkImageSafety(path, lstatSync(path), 4096, folder)).toEqual(refused);
  });

  it('refuses an image with a second name (a hard link to it, or it a link to another file)', () => {
    const target = join(folder, 'database.sqlite');
    writeFileSync(target, new Uint8Array(4096));
    const linked = join(folder, 'linked.img');
    linkSync(target, linked);
    expect(checkImageSafety(linked, lstatSync(linked), 4096, folder)).toEqual({
      ok: false,
      problems: ['linkedImage'],
    });
  });
});
