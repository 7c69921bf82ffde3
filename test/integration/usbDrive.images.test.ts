import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealUsbDrives } from '../../drivers/usbdrive/realUsbDrives.js';
import { tempDir } from '../support/tempDir.js';
import { usbDriveContractSuite, yessignPair } from '../contract/usbDrive.js';
import { KioskError } from '../../src/errors/index.js';
import { readPairs, writePair } from '../../src/storage/driveNpki.js';

// The USB drive contract on real FAT file systems (DESIGN §3.4): image files formatted by
// mkfs.vfat and written in-process and through mtools, and the same on a loop device where losetup
// works (root).
const mib = 1024 * 1024;

function image(dir: string, name: string, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

usbDriveContractSuite('image files through mkfs.vfat', () => {
  const dir = tempDir('usb-images-');
  const driver = new RealUsbDrives({
    maxBytes: 128 * mib,
    allowImageFiles: true,
    imageFolder: dir,
  });
  return Promise.resolve({
    driver,
    blank: image(dir, 'stick.img', 64 * mib),
    // Sparse, so it costs nothing: larger than the limit, refused whatever is asked.
    unsafe: image(dir, 'disk.img', 512 * mib),
    cleanup: () => Promise.resolve(),
  });
});

/** Whether this machine lets us attach loop devices (root with /dev/loop-control). */
const canLoop = spawnSync('losetup', ['-f'], { encoding: 'utf8' }).status === 0;

function attach(path: string): string {
  return execFileSync('losetup', ['-f', '--show', path], { encoding: 'utf8' }).trim();
}

(canLoop ? usbDriveContractSuite : skipSuite)(
  'a loop device through mkfs.vfat, files in-process',
  () => {
    const dir = tempDir('usb-loop-');
    const blank = attach(image(dir, 'stick.img', 64 * mib));
    const unsafe = attach(image(dir, 'disk.img', 512 * mib));
    const driver = new RealUsbDrives({ maxBytes: 128 * mib, allowLoopDevices: true });
    return Promise.resolve({
      driver,
      blank,
      unsafe,
      cleanup: () => {
        for (const device of [blank, unsafe]) spawnSync('losetup', ['-d', device]);
        return Promise.resolve();
      },
    });
  },
);

/** An image file as a drive, its own folder being the image folder (usb.imageFolder). */
function openImage(path: string) {
  return new RealUsbDrives({
    maxBytes: 128 * mib,
    allowImageFiles: true,
    imageFolder: dirname(path),
  }).open(path);
}

function skipSuite(name: string): void {
  describe.skip(`${name} (skipped: losetup cannot attach loop devices here, not root?)`, () => {
    it('needs losetup', () => undefined);
  });
}

describe('a visitor’s own files on a FAT image', () => {
  it('a file named NPKI in the way is kept: the write fails, nothing is overwritten', async () => {
    const stick = image(tempDir('usb-own-'), 'stick.img', 64 * mib);
    const drive = await openImage(stick);
    await drive.format('KIOSK');
    const own = join(tempDir('own-'), 'NPKI');
    writeFileSync(own, 'the visitor’s own notes');
    const env = { ...process.env, LANG: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };
    execFileSync('mcopy', ['-i', stick, own, '::/NPKI'], { env });
    const pair = yessignPair();
    await expect(
      writePair(drive, pair.caFolder, pair.dnFolder, pair.files, { replace: false }),
    ).rejects.toBeInstanceOf(KioskError);
    expect(execFileSync('mtype', ['-i', stick, '::/NPKI'], { env, encoding: 'utf8' })).toBe(
      'the visitor’s own notes',
    );
  });
});

describe('a drive with a partition table (the FAT volume at 1 MiB)', () => {
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };
  const partitionStart = 2048; // sectors: 1 MiB, where partitioning tools put the first one

  /** A 64 MiB image with one FAT32 partition from 1 MiB to the end, `claim` sectors long. */
  function partitioned(claim?: number): string {
    const stick = image(tempDir('usb-part-'), 'stick.img', 64 * mib);
    execFileSync('sfdisk', ['--no-reread', '--no-tell-kernel', stick], {
      input: `start=${String(partitionStart)}, type=c\n`,
      stdio: 'pipe',
    });
    const sectors = 64 * 2048 - partitionStart;
    // mkfs.vfat's size argument is in KiB; a larger claim makes a boot sector that overruns the
    // partition table's entry (a damaged or hostile stick).
    execFileSync(
      'mkfs.vfat',
      ['-F', '32', `--offset=${String(partitionStart)}`, stick, String((claim ?? sectors) / 2)],
      { stdio: 'pipe' },
    );
    return stick;
  }

  it('writes the pair inside the partition: the MBR is kept, fsck and mtools read the pair there', async () => {
    const stick = partitioned();
    const mbrBefore = readFileSync(stick).subarray(0, 512);
    const drive = await openImage(stick);
    const pair = yessignPair();
    await writePair(drive, pair.caFolder, pair.dnFolder, pair.files, { replace: false });
    const bytes = readFileSync(stick);
    expect(Buffer.compare(bytes.subarray(0, 512), mbrBefore)).toBe(0);
    // The partition alone, as a file, for fsck.vfat (which has no offset option).
    const volume = join(tempDir('usb-part-'), 'partition.img');
    writeFileSync(volume, bytes.subarray(partitionStart * 512));
    const fsck = spawnSync('fsck.vfat', ['-n', volume], { encoding: 'utf8' });
    expect(fsck.status, fsck.stdout).toBe(0);
    const listed = execFileSync('mdir', ['-/', '-b', '-i', `${stick}@@1M`, '::/NPKI'], {
      env,
      encoding: 'utf8',
    });
    expect(listed).toContain(`/${pair.dnFolder}/signPri.key`);
    const pairs = await readPairs(drive);
    expect(pairs.map((p) => p.dnFolder)).toEqual([pair.dnFolder]);
    expect(Buffer.from(pairs[0]?.signKey ?? []).equals(pair.files.signKey)).toBe(true);
  });

  it('a file system claiming more than its partition holds is refused, the drive untouched', async () => {
    const sectors = 64 * 2048 - partitionStart;
    const stick = partitioned(sectors);
    // The partition table says half of what the boot sector says.
    execFileSync('sfdisk', ['--no-reread', '--no-tell-kernel', stick], {
      input: `start=${String(partitionStart)}, size=${String(sectors / 2)}, type=c\n`,
      stdio: 'pipe',
    });
    const before = readFileSync(stick);
    const drive = await openImage(stick);
    const pair = yessignPair();
    await expect(
      writePair(drive, pair.caFolder, pair.dnFolder, pair.files, { replace: false }),
    ).rejects.toMatchObject({ code: 'USB_NOT_FAT' });
    expect(Buffer.compare(readFileSync(stick), before)).toBe(0);
  });
});
