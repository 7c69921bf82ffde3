// Where the FAT volume of a drive starts, from its first sectors (DESIGN §3.4: mtools reaches a
// partition as `-i <device>@@<offset>`). Hand-written rather than a dependency: the MBR is one
// 512-byte sector of four 16-byte entries, and no maintained npm package reads it without also
// pulling in native code or whole-disk tooling; a bounded parser this small is easier to audit
// than a dependency. Every read below is guarded by the input's length, and nothing here throws:
// outside bytes only ever give one of the typed results
// (test/unit/drivers/usbdrive/partition.property.test.ts).

import { fatGeometryOf } from './fat/geometry.js';

/** Bytes in an MBR sector and in the LBA unit of its partition entries (the MBR has no other). */
const mbrSectorBytes = 512;

/** MBR types of FAT volumes: FAT12, FAT16 <32M, FAT16, FAT32 (CHS), FAT32 (LBA), FAT16 (LBA). */
export const fatPartitionTypes: ReadonlySet<number> = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e]);

/** MBR partition type of a GPT protective MBR (UEFI 2.10 §5.2.3). */
const gptProtectiveType = 0xee;

/** A file system recognised from its first sectors. */
export type Filesystem = 'fat12' | 'fat16' | 'fat32' | 'exfat' | 'ntfs' | 'ext' | 'unknown';

/** Where the FAT volume is, or why there is none the kiosk can use. */
export type VolumeLocation =
  /** The whole device is one FAT volume (no partition table; mkfs.vfat on the device itself). */
  | { readonly kind: 'fat'; readonly layout: 'superfloppy'; readonly offset: 0 }
  /** The FAT volume is the MBR partition `index` (1–4), the first of a FAT type. */
  | {
      readonly kind: 'fat';
      readonly layout: 'mbr';
      /** Byte offset of the partition: LBA start × 512. */
      readonly offset: number;
      /** Length in bytes: sector count × 512. */
      readonly sizeBytes: number;
      /** The MBR partition type, one of fatPartitionTypes. */
      readonly type: number;
      /** The entry's number, 1–4. */
      readonly index: number;
    }
  /** A GPT disk (protective MBR): not supported, reported so that the teller can reformat. */
  | { readonly kind: 'gpt' }
  /** No partition table and no file system recognised (blank, or fewer than 512 bytes given). */
  | { readonly kind: 'unformatted' }
  /**
   * Something else: an MBR without a FAT partition (`type` is its first used entry's type), or a
   * whole-device file system that is not FAT (`type` undefined, `filesystem` says which).
   */
  | {
      readonly kind: 'foreign';
      readonly type: number | undefined;
      readonly filesystem: Filesystem;
    };

/**
 * Where the FAT volume starts, given the device's first sectors (at least 512 bytes; up to 2048 to
 * recognise ext). The caller should check that `offset + sizeBytes` fits the device and may read
 * the partition's boot sector and pass it to `filesystemOf`.
 */
export function fatVolumeOffset(firstSectors: Uint8Array): VolumeLocation {
  if (firstSectors.length < mbrSectorBytes) return { kind: 'unformatted' };
  // A FAT boot sector first: mkfs.vfat's `--mbr` writes a partition table into the boot sector
  // itself (one entry starting at LBA 0), which is still a superfloppy.
  if (isFatBootSector(firstSectors)) return { kind: 'fat', layout: 'superfloppy', offset: 0 };
  // Not FAT, so this is exfat, ntfs, ext or unknown. exFAT and NTFS boot sectors carry 0x55AA too,
  // with boot code where an MBR has its entries: they are recognised before the MBR is tried. An
  // ext superblock (at 1024) is tried after: on a GPT disk, byte 1080 is inside the entry array.
  const whole = filesystemOf(firstSectors);
  if (whole === 'exfat' || whole === 'ntfs') {
    return { kind: 'foreign', type: undefined, filesystem: whole };
  }
  const used = (mbrEntries(firstSectors) ?? []).filter((entry) => entry.type !== 0);
  const first = used[0];
  if (first === undefined) {
    return whole === 'unknown'
      ? { kind: 'unformatted' }
      : { kind: 'foreign', type: undefined, filesystem: whole };
  }
  if (used.some((entry) => entry.type === gptProtectiveType)) return { kind: 'gpt' };
  // Logical partitions inside an extended one (0x05, 0x0f) are not followed: a stick formatted by
  // any common tool has its FAT volume in a primary entry.
  const fat = used.find(
    (entry) => fatPartitionTypes.has(entry.type) && entry.lbaStart > 0 && entry.sectors > 0,
  );
  if (fat === undefined) return { kind: 'foreign', type: first.type, filesystem: 'unknown' };
  return {
    kind: 'fat',
    layout: 'mbr',
    offset: fat.lbaStart * mbrSectorBytes,
    sizeBytes: fat.sectors * mbrSectorBytes,
    type: fat.type,
    index: fat.index,
  };
}

/** One MBR partition entry (the fields this parser needs). */
interface MbrEntry {
  readonly index: number;
  readonly type: number;
  readonly lbaStart: number;
  readonly sectors: number;
}

/**
 * The four primary entries when `sector` is a valid MBR: signature 0x55 0xAA at 510, and every
 * entry's status byte 0x00 or 0x80 (anything else is boot code or a boot sector, not a table).
 */
function mbrEntries(sector: Uint8Array): MbrEntry[] | undefined {
  if (!hasBootSignature(sector)) return undefined;
  const entries: MbrEntry[] = [];
  for (let index = 1; index <= 4; index++) {
    const at = 446 + (index - 1) * 16;
    const status = byteAt(sector, at);
    if (status !== 0x00 && status !== 0x80) return undefined;
    entries.push({
      index,
      type: byteAt(sector, at + 4),
      lbaStart: u32(sector, at + 8),
      sectors: u32(sector, at + 12),
    });
  }
  return entries;
}

/**
 * Whether `sector` is a FAT boot sector (Microsoft FAT specification 1.03, §3.1–3.3): a jump
 * (0xEB xx or 0xE9 xx xx), bytes per sector a power of two from 512 to 4096, sectors per cluster a
 * power of two, at least one reserved sector and one FAT, the 0x55AA signature, and "FAT" in the
 * file-system type field of the FAT12/16 (offset 54) or FAT32 (offset 82) layout.
 */
export function isFatBootSector(sector: Uint8Array): boolean {
  if (sector.length < mbrSectorBytes || !hasBootSignature(sector)) return false;
  const jump = byteAt(sector, 0);
  if (jump !== 0xeb && jump !== 0xe9) return false;
  const bytesPerSector = u16(sector, 11);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) return false;
  const sectorsPerCluster = byteAt(sector, 13);
  if (![1, 2, 4, 8, 16, 32, 64, 128].includes(sectorsPerCluster)) return false;
  if (u16(sector, 14) === 0 || byteAt(sector, 16) === 0) return false;
  return ascii(sector, 54, 3) === 'FAT' || ascii(sector, 82, 3) === 'FAT';
}

/**
 * The file system whose boot sector (or, for ext, superblock) starts `bytes`: FAT12/16/32 told
 * apart by cluster count as the FAT specification requires (§3.5: < 4085 clusters FAT12, < 65525
 * FAT16, else FAT32; the type string is informational only), exFAT and NTFS by their OEM name
 * (offset 3), ext2/3/4 by the superblock magic 0xEF53 at 1024 + 56 (needs 1082 bytes).
 */
export function filesystemOf(bytes: Uint8Array): Filesystem {
  if (bytes.length >= mbrSectorBytes) {
    const oem = ascii(bytes, 3, 8);
    if (oem === 'EXFAT   ') return 'exfat';
    if (oem === 'NTFS    ') return 'ntfs';
    if (isFatBootSector(bytes)) return fatTypeOf(bytes);
  }
  // ext2 superblock s_magic (little-endian 0xEF53) at byte 56 of the superblock at 1024.
  if (bytes.length >= 1082 && u16(bytes, 1080) === 0xef53) return 'ext';
  return 'unknown';
}

/** FAT12/16/32 from the BPB's geometry (FAT specification §3.5); 'unknown' when inconsistent. */
function fatTypeOf(sector: Uint8Array): Filesystem {
  const geometry = fatGeometryOf(sector);
  return geometry === undefined ? 'unknown' : `fat${String(geometry.type) as '12' | '16' | '32'}`;
}

/**
 * The volume label in a FAT boot sector (BS_VolLab: offset 43 for FAT12/16, 71 for FAT32, present
 * when the extended boot signature 0x29 is at 38 or 66), trailing spaces trimmed; undefined when
 * absent, blank, or `NO NAME` (what mkfs.vfat writes without `-n`). The root directory's label
 * entry is authoritative where the two differ; mkfs.vfat and mlabel write both. Bytes outside
 * printable ASCII (OEM code page) become U+FFFD.
 */
export function fatLabelOf(bootSector: Uint8Array): string | undefined {
  if (!isFatBootSector(bootSector)) return undefined;
  const type = fatTypeOf(bootSector);
  const [signatureAt, labelAt] = type === 'fat32' ? [66, 71] : [38, 43];
  if (byteAt(bootSector, signatureAt) !== 0x29) return undefined;
  let label = '';
  for (let i = labelAt; i < labelAt + 11; i++) {
    const byte = byteAt(bootSector, i);
    label += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '\ufffd';
  }
  label = label.replace(/ +$/, '');
  return label === '' || label === 'NO NAME' ? undefined : label;
}

function hasBootSignature(sector: Uint8Array): boolean {
  return byteAt(sector, 510) === 0x55 && byteAt(sector, 511) === 0xaa;
}

/** The byte at `at`, 0 past the end (every caller has checked the length it needs). */
function byteAt(bytes: Uint8Array, at: number): number {
  return bytes[at] ?? 0;
}

function u16(bytes: Uint8Array, at: number): number {
  return byteAt(bytes, at) | (byteAt(bytes, at + 1) << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (u16(bytes, at) + u16(bytes, at + 2) * 0x10000) >>> 0;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let text = '';
  for (let i = at; i < at + length; i++) text += String.fromCharCode(byteAt(bytes, i));
  return text;
}
