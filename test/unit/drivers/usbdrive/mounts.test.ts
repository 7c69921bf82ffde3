import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isDeviceOrPartition,
  isSystemMount,
  mountsOf,
  parseMounts,
  unescapeMountField,
} from '../../../../drivers/usbdrive/mounts.js';
import { MountTableError } from '../../../../drivers/usbdrive/errors.js';
import { FatalError, toReason } from '../../../../src/errors/index.js';
import { tempDir } from '../../../support/tempDir.js';

// DESIGN §3.4: which of a drive's nodes are mounted, and whether as a system file system, from a
// mount table in /proc/self/mounts form (proc(5); the kernel escapes space, tab, newline and
// backslash as \040, \011, \012, \134).

const table = [
  '/dev/vda1 / ext4 rw,relatime 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  '/dev/vda15 /boot/efi vfat rw,relatime,fmask=0077 0 0',
  '/dev/sdb1 /media/kiosk/NPKI\\040USB vfat ro,nosuid,nodev 0 0',
  '/dev/sdb1 /mnt/tab\\011new\\012line\\134back vfat rw 0 0',
  '/dev/sdbb1 /mnt/other vfat rw 0 0',
  '/dev/sdc /var/lib/docker ext4 rw 0 0',
  '/dev/loop0p1 /mnt/loop vfat rw 0 0',
  '/dev/loop01 /mnt/not-loop0 vfat rw 0 0',
  '/dev/nvme0n1p2 /home ext4 rw 0 0',
  'short line',
  '',
].join('\n');

function procMounts(text: string): string {
  const path = join(tempDir('proc-'), 'mounts');
  writeFileSync(path, text);
  return path;
}

describe('parseMounts', () => {
  it('reads the four fields and undoes the octal escapes', () => {
    const mounts = parseMounts(table);
    expect(mounts).toHaveLength(10);
    expect(mounts[3]).toEqual({
      source: '/dev/sdb1',
      mountPoint: '/media/kiosk/NPKI USB',
      fsType: 'vfat',
      options: ['ro', 'nosuid', 'nodev'],
      readOnly: true,
    });
    expect(mounts[4]?.mountPoint).toBe('/mnt/tab\tnew\nline\\back');
    expect(mounts[4]?.readOnly).toBe(false);
  });

  it('reads UTF-8 names as they are (the kernel escapes only the four)', () => {
    expect(parseMounts('/dev/sdb1 /media/홍길동\\040USB vfat rw 0 0')[0]?.mountPoint).toBe(
      '/media/홍길동 USB',
    );
  });

  it('leaves what is not a three-digit octal escape alone', () => {
    expect(unescapeMountField('a\\04b\\400c\\\\d')).toBe('a\\04b\\400c\\\\d');
    expect(unescapeMountField('\\040\\134040')).toBe(' \\040');
  });
});

describe('mountsOf', () => {
  it('finds the device and its partitions, not a longer name', async () => {
    const mounts = await mountsOf(['/dev/sdb'], procMounts(table));
    expect(mounts.map((m) => m.mountPoint)).toEqual([
      '/media/kiosk/NPKI USB',
      '/mnt/tab\tnew\nline\\back',
    ]);
  });

  it.each([
    [['/dev/sdc'], ['/var/lib/docker']],
    [['/dev/loop0'], ['/mnt/loop']],
    [['/dev/nvme0n1'], ['/home']],
    [['/dev/vda'], ['/', '/boot/efi']],
    [['/dev/sdb1'], ['/media/kiosk/NPKI USB', '/mnt/tab\tnew\nline\\back']],
    [['/dev/sdd', '/dev/sdc'], ['/var/lib/docker']],
    [['/dev/sdd'], []],
    [[], []],
  ])('%j → %j', async (devices, mountPoints) => {
    const mounts = await mountsOf(devices, procMounts(table));
    expect(mounts.map((m) => m.mountPoint)).toEqual(mountPoints);
  });

  it('reads this machine’s own table without failing', async () => {
    await expect(mountsOf(['/dev/nonexistent-kiosk-test'])).resolves.toEqual([]);
  });

  it('fails closed (MountTableError) when the table cannot be read', async () => {
    const error = await mountsOf(['/dev/sdb'], join(tempDir('proc-'), 'missing')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MountTableError);
    expect(error).toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ problem: 'unreadable', code: 'MOUNT_TABLE_UNREADABLE' });
    expect(toReason(error)).toBe('configInvalid');
  });

  it('fails closed when the table is over 4 MiB, rather than read part of it', async () => {
    const huge = procMounts('x'.repeat(4 * 1024 * 1024 + 1));
    await expect(mountsOf(['/dev/sdb'], huge)).rejects.toMatchObject({ problem: 'tooLarge' });
  });
});

describe('isDeviceOrPartition', () => {
  it.each([
    ['/dev/sdb', '/dev/sdb', true],
    ['/dev/sdb1', '/dev/sdb', true],
    ['/dev/sdb12', '/dev/sdb', true],
    ['/dev/sdbb1', '/dev/sdb', false],
    ['/dev/sda1', '/dev/sdb', false],
    ['/dev/mapper/sdb1', '/dev/sdb', false],
    ['/dev/loop0p1', '/dev/loop0', true],
    ['/dev/loop01', '/dev/loop0', false],
    ['/dev/mmcblk0p1', '/dev/mmcblk0', true],
    ['sdb1', '/dev/sdb', false],
  ])('%s of %s: %s', (source, device, expected) => {
    expect(isDeviceOrPartition(source, device)).toBe(expected);
  });
});

describe('isSystemMount', () => {
  it.each([
    '/',
    '/boot',
    '/boot/efi',
    '/boot/efi/',
    '/usr',
    '/usr/local',
    '/var',
    '/var/lib/docker',
    '/home',
    '/etc',
    '/opt',
    '/srv',
    '/nix',
    '//',
    '/usr/../usr',
  ])('%s is a system mount', (mountPoint) => {
    expect(isSystemMount(mountPoint)).toBe(true);
  });

  it.each([
    '/media/kiosk/NPKI USB',
    '/mnt',
    '/mnt/usb',
    '/run/media/kiosk/X',
    '/home2',
    '/usrx',
    '/variable',
    '/tmp/x',
  ])('%s is not', (mountPoint) => {
    expect(isSystemMount(mountPoint)).toBe(false);
  });
});
