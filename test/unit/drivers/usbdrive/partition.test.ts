import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  openSync,
  readSync,
  closeSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fatLabelOf,
  fatVolumeOffset,
  filesystemOf,
  isFatBootSector,
} from '../../../../drivers/usbdrive/partition.js';
import {
  extFirstSectors,
  fatBootSector,
  mbr,
  oemBootSector,
  padded,
} from '../../../support/bootSectors.js';
import { tempDir } from '../../../support/tempDir.js';

// DESIGN §3.4: mtools reaches a FAT partition as `-i <device>@@<offset>`; the offset comes from the
// MBR. Hand-built sectors first (test/support/bootSectors.ts), then images made by the real tools
// where they are installed.

const mib = 1024 * 1024;

describe('fatVolumeOffset on hand-built sectors', () => {
  it('finds a FAT32 (LBA) partition at LBA 2048: offset 1 MiB', () => {
    expect(fatVolumeOffset(mbr([{ type: 0x0c, start: 2048, sectors: 129_024 }]))).toEqual({
      kind: 'fat',
      layout: 'mbr',
      offset: mib,
      sizeBytes: 129_024 * 512,
      type: 0x0c,
      index: 1,
    });
  });

  it.each([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e])('accepts FAT type %#x', (type) => {
    expect(fatVolumeOffset(mbr([{ type, start: 63, sectors: 1000 }]))).toMatchObject({
      kind: 'fat',
      offset: 63 * 512,
      type,
    });
  });

  it('takes the first FAT entry, after a foreign one, and a bootable one', () => {
    const sector = mbr([
      { type: 0x83, start: 2048, sectors: 2048 },
      { status: 0x80, type: 0x0b, start: 4096, sectors: 2048 },
      { type: 0x0c, start: 8192, sectors: 2048 },
    ]);
    expect(fatVolumeOffset(sector)).toMatchObject({ offset: 4096 * 512, type: 0x0b, index: 2 });
  });

  it('skips a FAT entry that starts at LBA 0 or has no sectors', () => {
    const sector = mbr([
      { type: 0x0c, start: 0, sectors: 2048 },
      { type: 0x0c, start: 2048, sectors: 0 },
      { type: 0x0c, start: 4096, sectors: 10 },
    ]);
    expect(fatVolumeOffset(sector)).toMatchObject({ offset: 4096 * 512, index: 3 });
  });

  it('reports a GPT protective MBR as gpt (unsupported)', () => {
    expect(fatVolumeOffset(mbr([{ type: 0xee, start: 1, sectors: 0xffffffff }]))).toEqual({
      kind: 'gpt',
    });
  });

  it.each([
    [0x83, 'Linux'],
    [0x07, 'NTFS/exFAT'],
    [0x05, 'extended (logical partitions are not followed)'],
  ])('reports an MBR with only type %#x as foreign (%s)', (type) => {
    expect(fatVolumeOffset(mbr([{ type, start: 2048, sectors: 2048 }]))).toEqual({
      kind: 'foreign',
      type,
      filesystem: 'unknown',
    });
  });

  it('takes a FAT boot sector as a superfloppy (offset 0), whatever FAT type', () => {
    for (const fat of [12, 16, 32] as const) {
      expect(fatVolumeOffset(fatBootSector({ fat }))).toEqual({
        kind: 'fat',
        layout: 'superfloppy',
        offset: 0,
      });
    }
  });

  it.each([
    ['zeros', new Uint8Array(512)],
    ['fewer than 512 bytes', mbr([{ type: 0x0c, start: 2048, sectors: 10 }]).subarray(0, 511)],
    ['nothing', new Uint8Array(0)],
    ['an MBR without entries', mbr([])],
    ['no 0x55AA', mbr([{ type: 0x0c, start: 2048, sectors: 10 }]).fill(0, 510)],
    [
      'a status byte that is neither 0x00 nor 0x80',
      mbr([{ status: 0x01, type: 0x0c, start: 1, sectors: 1 }]),
    ],
  ])('reports %s as unformatted', (_, bytes) => {
    expect(fatVolumeOffset(bytes)).toEqual({ kind: 'unformatted' });
  });

  it.each([
    ['exfat', oemBootSector('EXFAT   ')],
    ['ntfs', oemBootSector('NTFS    ')],
    ['ext', extFirstSectors()],
  ] as const)('reports a whole-device %s as foreign', (filesystem, bytes) => {
    expect(fatVolumeOffset(bytes)).toEqual({ kind: 'foreign', type: undefined, filesystem });
  });

  it('does not take a boot sector with a bad bytes-per-sector, jump or type string for FAT', () => {
    const base = fatBootSector({ fat: 32 });
    const broken = (at: number, bytes: number[]): Uint8Array => {
      const copy = base.slice();
      copy.set(bytes, at);
      return copy;
    };
    expect(isFatBootSector(base)).toBe(true);
    expect(isFatBootSector(broken(11, [0x00, 0x03]))).toBe(false); // 768 bytes a sector
    expect(isFatBootSector(broken(11, [0x00, 0x20]))).toBe(false); // 8192
    expect(isFatBootSector(broken(0, [0x00]))).toBe(false);
    expect(isFatBootSector(broken(82, [0x46, 0x41, 0x54 + 1]))).toBe(false);
    expect(isFatBootSector(broken(13, [3]))).toBe(false); // sectors a cluster not a power of 2
    expect(isFatBootSector(broken(16, [0]))).toBe(false); // no FAT
  });
});

describe('filesystemOf and fatLabelOf on hand-built sectors', () => {
  it.each([
    [fatBootSector({ fat: 12 }), 'fat12'],
    [fatBootSector({ fat: 16 }), 'fat16'],
    [fatBootSector({ fat: 32 }), 'fat32'],
    [oemBootSector('EXFAT   '), 'exfat'],
    [oemBootSector('NTFS    '), 'ntfs'],
    [extFirstSectors(), 'ext'],
    [extFirstSectors().subarray(0, 1081), 'unknown'],
    [new Uint8Array(2048), 'unknown'],
    [mbr([{ type: 0x0c, start: 2048, sectors: 10 }]), 'unknown'],
  ] as const)('%#', (bytes, filesystem) => {
    expect(filesystemOf(bytes)).toBe(filesystem);
  });

  it('reads the label of FAT12/16 (offset 43) and FAT32 (offset 71), trimmed', () => {
    expect(fatLabelOf(fatBootSector({ fat: 12, label: 'A' }))).toBe('A');
    expect(fatLabelOf(fatBootSector({ fat: 16, label: 'NPKI USB' }))).toBe('NPKI USB');
    expect(fatLabelOf(fatBootSector({ fat: 32, label: 'KIOSK' }))).toBe('KIOSK');
    expect(fatLabelOf(fatBootSector({ fat: 32, label: 'ELEVENCHARS' }))).toBe('ELEVENCHARS');
  });

  it('gives no label for NO NAME, blanks, a missing extended signature or a non-FAT sector', () => {
    expect(fatLabelOf(fatBootSector({ fat: 32 }))).toBeUndefined();
    expect(fatLabelOf(fatBootSector({ fat: 16, label: '' }))).toBeUndefined();
    const noSignature = fatBootSector({ fat: 32, label: 'KIOSK' });
    noSignature[66] = 0;
    expect(fatLabelOf(noSignature)).toBeUndefined();
    expect(fatLabelOf(oemBootSector('NTFS    '))).toBeUndefined();
  });

  it('shows bytes outside printable ASCII as U+FFFD', () => {
    const sector = fatBootSector({ fat: 32, label: 'AB' });
    sector[72] = 0xb1;
    expect(fatLabelOf(sector)).toBe('A\ufffd');
  });
});

/** The tool's path if it is installed (PATH, then the sbin folders mkfs.vfat lives in). */
function tool(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const folder of folders.filter((f) => f !== '')) {
    try {
      accessSync(join(folder, name), constants.X_OK);
      return join(folder, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The first `length` bytes of `file` from `offset`. */
function readAt(file: string, offset: number, length: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(length);
    readSync(fd, bytes, 0, length, offset);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** An empty image of `bytes` (as `truncate -s`). */
function image(bytes: number, first?: Uint8Array): string {
  const path = join(tempDir('img-'), 'drive.img');
  writeFileSync(path, first ?? new Uint8Array(0));
  truncateSync(path, bytes);
  return path;
}

const mkfsVfat = tool('mkfs.vfat');
const sfdisk = tool('sfdisk');
const noMkfs = mkfsVfat === undefined ? ' (skipped: mkfs.vfat not installed)' : '';
const noSfdisk = sfdisk === undefined ? ' (skipped: sfdisk not installed)' : '';

describe('against images written by the real tools', () => {
  const mkfs = (...args: string[]): void => {
    execFileSync(mkfsVfat ?? 'mkfs.vfat', ['--invariant', ...args], { stdio: 'pipe' });
  };

  it.skipIf(mkfsVfat === undefined)(
    `mkfs.vfat -F 32 -n KIOSK on a 64 MiB image: superfloppy, fat32, label KIOSK${noMkfs}`,
    () => {
      const img = image(64 * mib);
      mkfs('-F', '32', '-n', 'KIOSK', img);
      const first = readAt(img, 0, 2048);
      expect(fatVolumeOffset(first)).toEqual({ kind: 'fat', layout: 'superfloppy', offset: 0 });
      expect(filesystemOf(first)).toBe('fat32');
      expect(fatLabelOf(first)).toBe('KIOSK');
    },
  );

  it.skipIf(mkfsVfat === undefined)(
    `mkfs.vfat -F 16 and -F 12 without a label: fat16/fat12, no label (NO NAME)${noMkfs}`,
    () => {
      for (const [fat, size, filesystem] of [
        ['16', 16 * mib, 'fat16'],
        ['12', 2 * mib, 'fat12'],
      ] as const) {
        const img = image(size);
        mkfs('-F', fat, img);
        const first = readAt(img, 0, 512);
        expect(fatVolumeOffset(first)).toMatchObject({ kind: 'fat', offset: 0 });
        expect(filesystemOf(first)).toBe(filesystem);
        expect(fatLabelOf(first)).toBeUndefined();
      }
    },
  );

  it.skipIf(mkfsVfat === undefined)(
    `mkfs.vfat --mbr=y (a partition table inside the boot sector) is still a superfloppy${noMkfs}`,
    () => {
      const img = image(64 * mib);
      mkfs('-F', '32', '--mbr=y', '-n', 'KIOSK', img);
      expect(fatVolumeOffset(readAt(img, 0, 512))).toMatchObject({ layout: 'superfloppy' });
    },
  );

  it.skipIf(mkfsVfat === undefined)(
    `a hand-written MBR + mkfs.vfat --offset 2048: FAT32 at 1 MiB, label read there${noMkfs}`,
    () => {
      const sectors = (64 * mib) / 512 - 2048;
      const img = image(64 * mib, mbr([{ type: 0x0c, start: 2048, sectors }]));
      mkfs('-F', '32', '-n', 'KIOSK', '--offset', '2048', img, String(sectors / 2));
      const location = fatVolumeOffset(readAt(img, 0, 2048));
      expect(location).toEqual({
        kind: 'fat',
        layout: 'mbr',
        offset: mib,
        sizeBytes: sectors * 512,
        type: 0x0c,
        index: 1,
      });
      const boot = readAt(img, mib, 512);
      expect(filesystemOf(boot)).toBe('fat32');
      expect(fatLabelOf(boot)).toBe('KIOSK');
    },
  );

  it.skipIf(sfdisk === undefined)(
    `sfdisk 'start=2048, type=c': the FAT partition is at 1 MiB${noSfdisk}`,
    () => {
      const img = image(64 * mib);
      execFileSync(sfdisk ?? 'sfdisk', ['--no-reread', '--no-tell-kernel', img], {
        input: 'start=2048, type=c\n',
        stdio: 'pipe',
      });
      const location = fatVolumeOffset(readAt(img, 0, 512));
      expect(location).toMatchObject({ kind: 'fat', layout: 'mbr', offset: mib, type: 0x0c });
    },
  );

  it('pads: a hand-built MBR followed by zeros reads the same', () => {
    const sector = mbr([{ type: 0x0c, start: 2048, sectors: 10 }]);
    expect(fatVolumeOffset(padded(sector, 2048))).toEqual(fatVolumeOffset(sector));
  });
});
