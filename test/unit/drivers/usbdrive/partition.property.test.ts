import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fatLabelOf,
  fatPartitionTypes,
  fatVolumeOffset,
  filesystemOf,
  type VolumeLocation,
} from '../../../../drivers/usbdrive/partition.js';
import {
  extFirstSectors,
  fatBootSector,
  mbr,
  oemBootSector,
  padded,
} from '../../../support/bootSectors.js';
import { mutate, mutations, propertyTimeout as timeout } from '../../../support/property.js';

// DESIGN §8: every parser of outside bytes is bounded and never throws; the first sectors of a
// visitor's USB drive are outside bytes (drivers/usbdrive/partition.ts). The partition parser has
// no error type at all: whatever the bytes, it returns one of its typed results, and a FAT offset
// it returns is a whole number of 512-byte sectors inside what a 32-bit MBR can address.

const filesystems = ['fat12', 'fat16', 'fat32', 'exfat', 'ntfs', 'ext', 'unknown'];
const maxMbrBytes = 0xffffffff * 512;

/** Runs every function of partition.ts on `bytes` and checks that each result is well-typed. */
function checkAll(bytes: Uint8Array): VolumeLocation {
  const location = fatVolumeOffset(bytes);
  checkLocation(location);
  expect(filesystems).toContain(filesystemOf(bytes));
  const label = fatLabelOf(bytes);
  if (label !== undefined) {
    expect(label).toMatch(/^[\x20-\x7e\ufffd]{1,11}$/u);
    expect(label).not.toMatch(/ $/);
    expect(label).not.toBe('NO NAME');
  }
  return location;
}

function checkLocation(location: VolumeLocation): void {
  switch (location.kind) {
    case 'fat':
      if (location.layout === 'superfloppy') {
        expect(location.offset).toBe(0);
      } else {
        expect(Number.isSafeInteger(location.offset)).toBe(true);
        expect(location.offset % 512).toBe(0);
        expect(location.offset).toBeGreaterThan(0);
        expect(location.offset).toBeLessThanOrEqual(maxMbrBytes);
        expect(location.sizeBytes).toBeGreaterThan(0);
        expect(location.sizeBytes % 512).toBe(0);
        expect(fatPartitionTypes.has(location.type)).toBe(true);
        expect([1, 2, 3, 4]).toContain(location.index);
      }
      break;
    case 'foreign':
      expect(filesystems).toContain(location.filesystem);
      if (location.type !== undefined) expect(location.type).toBeGreaterThan(0);
      break;
    case 'gpt':
    case 'unformatted':
      break;
  }
}

const entry = fc.record({
  status: fc.constantFrom(0x00, 0x80),
  type: fc.oneof(
    fc.constantFrom(0x00, 0x05, 0x07, 0x0c, 0x0b, 0x83, 0xee),
    fc.integer({ min: 0, max: 255 }),
  ),
  start: fc.nat({ max: 0xffffffff }),
  sectors: fc.nat({ max: 0xffffffff }),
});

/** Valid sectors of every kind, to mutate. */
const valid = fc.constantFrom(
  mbr([{ type: 0x0c, start: 2048, sectors: 129_024 }]),
  mbr([{ type: 0xee, start: 1, sectors: 0xffffffff }]),
  fatBootSector({ fat: 12, label: 'A' }),
  fatBootSector({ fat: 16, label: 'NPKI' }),
  fatBootSector({ fat: 32, label: 'KIOSK' }),
  oemBootSector('EXFAT   '),
  oemBootSector('NTFS    '),
  extFirstSectors(),
);

describe('partition.ts on outside bytes', () => {
  it(
    'arbitrary bytes (0–2048): a typed result, never a throw',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          checkAll(bytes);
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'arbitrary bytes ending in 0x55AA (past the signature check): a typed result',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), (bytes) => {
          const sector = bytes.slice();
          sector[510] = 0x55;
          sector[511] = 0xaa;
          checkAll(sector);
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'any MBR of four arbitrary entries: a typed result; a FAT one is the first usable FAT entry',
    () => {
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
          const location = checkAll(mbr(entries));
          const fat = entries.findIndex(
            (e) => fatPartitionTypes.has(e.type) && e.start > 0 && e.sectors > 0,
          );
          if (entries.some((e) => e.type === 0xee)) expect(location.kind).toBe('gpt');
          else if (fat >= 0) expect(location).toMatchObject({ kind: 'fat', index: fat + 1 });
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'mutated valid sectors, padded to 2048 bytes or not: a typed result',
    () => {
      fc.assert(
        fc.property(valid, mutations, fc.boolean(), (sector, edits, pad) => {
          checkAll(mutate(pad ? padded(sector, 2048) : sector, edits));
        }),
        { numRuns: 1000 },
      );
    },
    timeout,
  );

  it(
    'truncated valid sectors: a typed result',
    () => {
      fc.assert(
        fc.property(valid, fc.nat(), (sector, cut) => {
          checkAll(sector.subarray(0, cut % (sector.length + 1)));
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );
});
