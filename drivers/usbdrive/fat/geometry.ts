// The layout of a FAT volume from its boot sector's BIOS Parameter Block (Microsoft FAT
// specification 1.03 §3). Hand-written with the rest of drivers/usbdrive/fat/: no maintained npm
// package reads and writes FAT in-process (see fatVolume.ts for why the kiosk does). Every field
// that later code turns into an offset is checked here against the others, so that a hostile or
// damaged boot sector gives `undefined` (the caller's DriveNotFatError), never an offset outside
// the volume.

/** Where the root folder is: a fixed region (FAT12/16) or a cluster chain (FAT32). */
export type RootLocation =
  | { readonly kind: 'fixed'; readonly offset: number; readonly bytes: number }
  | { readonly kind: 'chain'; readonly cluster: number };

export interface FatGeometry {
  readonly type: 12 | 16 | 32;
  readonly bytesPerSector: number;
  readonly clusterBytes: number;
  /** Byte offsets (from the volume's start) of the FAT copies written, the one read first. */
  readonly fatOffsets: readonly number[];
  readonly fatBytes: number;
  readonly root: RootLocation;
  /** Byte offset of cluster 2, the first data cluster. */
  readonly dataOffset: number;
  /** Data clusters: numbers 2 … clusterCount + 1 are valid. */
  readonly clusterCount: number;
  /** Byte offset of the FAT32 FSInfo sector; undefined on FAT12/16 or when absent. */
  readonly fsInfoOffset: number | undefined;
  /** Bytes the volume spans from its boot sector. */
  readonly volumeBytes: number;
}

const powersOfTwo = [1, 2, 4, 8, 16, 32, 64, 128];

/**
 * The geometry of the FAT volume whose boot sector is `sector` (at least 512 bytes), or undefined
 * when the BPB is not a consistent FAT12/16/32 one. The FAT type follows from the cluster count
 * alone (§3.5: < 4085 FAT12, < 65525 FAT16, else FAT32); the type string is not consulted.
 */
export function fatGeometryOf(sector: Uint8Array): FatGeometry | undefined {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) return undefined;
  const bytesPerSector = u16(sector, 11);
  const sectorsPerCluster = sector[13] ?? 0;
  const reserved = u16(sector, 14);
  const fats = sector[16] ?? 0;
  const rootEntries = u16(sector, 17);
  const total = u16(sector, 19) !== 0 ? u16(sector, 19) : u32(sector, 32);
  const fatSize16 = u16(sector, 22);
  const fatSectors = fatSize16 !== 0 ? fatSize16 : u32(sector, 36);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) return undefined;
  if (!powersOfTwo.includes(sectorsPerCluster) || reserved === 0) return undefined;
  if (fats < 1 || fats > 4 || fatSectors === 0) return undefined;
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const metaSectors = reserved + fats * fatSectors + rootSectors;
  if (total <= metaSectors) return undefined;
  const clusterCount = Math.floor((total - metaSectors) / sectorsPerCluster);
  // The count decides (§3.5), but a FAT32 layout (no FATSz16, no fixed root) is FAT32 whatever the
  // count, as Linux and mtools read it: `mkfs.vfat -F 32` makes such volumes on small sticks.
  const fat32Layout = fatSize16 === 0 && rootEntries === 0;
  const type = fat32Layout ? 32 : clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
  // FAT32 cluster numbers stop below 0x0FFFFFF7 (bad cluster) and the end-of-chain values.
  if (clusterCount < 1 || clusterCount > 0x0ffffff5 - 1) return undefined;
  // The FAT must hold an entry for every cluster (and the two reserved ones).
  const fatBytes = fatSectors * bytesPerSector;
  if (Math.floor((fatBytes * 8) / type) < clusterCount + 2) return undefined;
  const fatOffset = (index: number): number => (reserved + index * fatSectors) * bytesPerSector;
  const clusterBytes = sectorsPerCluster * bytesPerSector;
  const dataOffset = metaSectors * bytesPerSector;
  const volumeBytes = total * bytesPerSector;
  if (type !== 32) {
    if (rootEntries === 0 || fatSize16 === 0) return undefined;
    return {
      type,
      bytesPerSector,
      clusterBytes,
      fatOffsets: Array.from({ length: fats }, (_, i) => fatOffset(i)),
      fatBytes,
      root: {
        kind: 'fixed',
        offset: (reserved + fats * fatSectors) * bytesPerSector,
        bytes: rootEntries * 32,
      },
      dataOffset,
      clusterCount,
      fsInfoOffset: undefined,
      volumeBytes,
    };
  }
  // FAT32 (§3.3): no fixed root, version 0, root folder in a cluster chain.
  if (rootEntries !== 0 || fatSize16 !== 0 || u16(sector, 42) !== 0) return undefined;
  const rootCluster = u32(sector, 44);
  if (rootCluster < 2 || rootCluster > clusterCount + 1) return undefined;
  // BPB_ExtFlags bit 7: mirroring off, only the FAT numbered in bits 0-3 is active.
  const extFlags = u16(sector, 40);
  const active = extFlags & 0x0f;
  const mirrored = (extFlags & 0x80) === 0;
  if (!mirrored && active >= fats) return undefined;
  const fsInfo = u16(sector, 48);
  return {
    type,
    bytesPerSector,
    clusterBytes,
    fatOffsets: mirrored
      ? Array.from({ length: fats }, (_, i) => fatOffset(i))
      : [fatOffset(active)],
    fatBytes,
    root: { kind: 'chain', cluster: rootCluster },
    dataOffset,
    clusterCount,
    fsInfoOffset: fsInfo > 0 && fsInfo < reserved ? fsInfo * bytesPerSector : undefined,
    volumeBytes,
  };
}

export function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

export function u32(bytes: Uint8Array, at: number): number {
  return (u16(bytes, at) + u16(bytes, at + 2) * 0x10000) >>> 0;
}
