// Hand-built first sectors for drivers/usbdrive/partition.ts: MBRs and FAT boot sectors laid out
// byte by byte as the specifications give them (the MBR's four 16-byte entries at 446; the FAT BPB
// per the Microsoft FAT specification §3), so the tests do not need the tools that write them.

/** One MBR partition entry: status (0x00, or 0x80 bootable), type, LBA start, sector count. */
export interface MbrEntrySpec {
  readonly status?: number;
  readonly type: number;
  readonly start: number;
  readonly sectors: number;
}

/** A 512-byte MBR with up to four entries and the 0x55AA signature. */
export function mbr(entries: readonly MbrEntrySpec[]): Uint8Array {
  const sector = new Uint8Array(512);
  const view = new DataView(sector.buffer);
  entries.forEach((entry, i) => {
    const at = 446 + i * 16;
    view.setUint8(at, entry.status ?? 0x00);
    view.setUint8(at + 4, entry.type);
    view.setUint32(at + 8, entry.start, true);
    view.setUint32(at + 12, entry.sectors, true);
  });
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** The geometry of a FAT volume, enough for the FAT type to follow from the cluster count. */
export interface FatGeometry {
  readonly fat: 12 | 16 | 32;
  /** Up to 11 characters; blank gives "NO NAME". */
  readonly label?: string;
}

const geometries = {
  // 1.44 MB floppy: 2847 clusters → FAT12.
  12: { total: 2880, perCluster: 1, reserved: 1, rootEntries: 224, fatSize: 9 },
  // 16 MiB, 4 sectors a cluster: 8167 clusters → FAT16.
  16: { total: 32_768, perCluster: 4, reserved: 1, rootEntries: 512, fatSize: 32 },
  // 64 MiB, 1 sector a cluster: 129 020 clusters → FAT32.
  32: { total: 131_072, perCluster: 1, reserved: 32, rootEntries: 0, fatSize: 1010 },
} as const;

/** A 512-byte FAT boot sector of the given type and label. */
export function fatBootSector({ fat, label = 'NO NAME' }: FatGeometry): Uint8Array {
  const g = geometries[fat];
  const sector = new Uint8Array(512);
  const view = new DataView(sector.buffer);
  sector.set([0xeb, fat === 32 ? 0x58 : 0x3c, 0x90], 0);
  sector.set(ascii('mkfs.fat'), 3);
  view.setUint16(11, 512, true);
  view.setUint8(13, g.perCluster);
  view.setUint16(14, g.reserved, true);
  view.setUint8(16, 2);
  view.setUint16(17, g.rootEntries, true);
  view.setUint8(21, 0xf8);
  if (g.total < 0x10000 && fat !== 32) view.setUint16(19, g.total, true);
  else view.setUint32(32, g.total, true);
  const labelField = ascii(label.padEnd(11, ' '));
  if (fat === 32) {
    view.setUint32(36, g.fatSize, true);
    view.setUint32(44, 2, true);
    view.setUint8(66, 0x29);
    sector.set(labelField, 71);
    sector.set(ascii('FAT32   '), 82);
  } else {
    view.setUint16(22, g.fatSize, true);
    view.setUint8(38, 0x29);
    sector.set(labelField, 43);
    sector.set(ascii(`FAT${fat}   `), 54);
  }
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** A boot sector with `oem` at offset 3 (exFAT, NTFS), a jump and 0x55AA, otherwise empty. */
export function oemBootSector(oem: 'EXFAT   ' | 'NTFS    '): Uint8Array {
  const sector = new Uint8Array(512);
  sector.set([0xeb, 0x76, 0x90], 0);
  sector.set(ascii(oem), 3);
  if (oem === 'NTFS    ') new DataView(sector.buffer).setUint16(11, 512, true);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** 2048 bytes with an ext2/3/4 superblock magic (0xEF53 at 1024 + 56) and nothing else. */
export function extFirstSectors(): Uint8Array {
  const bytes = new Uint8Array(2048);
  new DataView(bytes.buffer).setUint16(1024 + 56, 0xef53, true);
  return bytes;
}

/** `first` followed by zeros up to `length` bytes. */
export function padded(first: Uint8Array, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, first.length));
  bytes.set(first);
  return bytes;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
