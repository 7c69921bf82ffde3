import { DriveFullError } from '../errors.js';
import type { BlockDevice } from './blockDevice.js';
import {
  deletedMarker,
  encodeEntry,
  placeSlots,
  slotsPerBlock,
  parseDirectory,
  shortNameFor,
  slotBytes,
  type DirEntry,
  type EntryFacts,
  type Placement,
} from './directory.js';
import type { FatTable } from './fatTable.js';

/** A folder may hold 65,536 slots (FAT specification §6: 2 MiB of entries). */
const maxFolderBytes = 65_536 * slotBytes;

/** Folders are written back in blocks of this size, the smallest sector FAT has. */
const dirtyUnit = 512;

/** A run of a folder's bytes on the device. */
interface Extent {
  readonly offset: number;
  readonly bytes: number;
}

/**
 * One folder's slots in memory: read once, changed in memory, written back sector by sector by
 * write(). `cluster` is the folder's first cluster, 0 for a FAT12/16 fixed root.
 */
export class Folder {
  private readonly dirty = new Set<number>();
  /** Changed blocks that must be on the medium before the other changed ones. */
  private readonly early = new Set<number>();
  private parsed: DirEntry[] | undefined;
  /**
   * Made in this session and named by nothing on the medium yet: its clusters are written whole
   * with the new data (pendingWrites), not block by block.
   */
  fresh = false;
  /** Grew into a cluster that must be zero on the medium before the FAT links it in. */
  grew = false;

  private constructor(
    readonly cluster: number,
    /** Whether this is the root folder (its children's `..` point at cluster 0). */
    readonly isRoot: boolean,
    private readonly extents: Extent[],
    private bytes: Uint8Array,
    /** The last cluster of a chained folder, to extend it; undefined for a fixed root. */
    private lastCluster: number | undefined,
    /** FAT32: entries' high cluster words count. */
    private readonly fat32: boolean,
  ) {}

  /** A folder stored in a cluster chain (every folder on FAT32, and below the root on FAT12/16). */
  static async ofChain(
    device: BlockDevice,
    fat: FatTable,
    cluster: number,
    isRoot: boolean,
  ): Promise<Folder> {
    const { clusterBytes } = fat.geometry;
    const clusters = await fat.chain(cluster, folderClusterLimit(fat));
    const extents = clusters.map((c) => ({ offset: clusterOffset(fat, c), bytes: clusterBytes }));
    const bytes = new Uint8Array(clusters.length * clusterBytes);
    let at = 0;
    for (const run of runsOf(extents)) {
      bytes.set(await device.read(run.offset, run.bytes), at);
      at += run.bytes;
    }
    return new Folder(cluster, isRoot, extents, bytes, clusters.at(-1), fat.geometry.type === 32);
  }

  /** The FAT12/16 root folder: a fixed region after the FATs. */
  static async fixed(device: BlockDevice, offset: number, bytes: number): Promise<Folder> {
    const content = await device.read(offset, bytes);
    return new Folder(0, true, [{ offset, bytes }], content, undefined, false);
  }

  /** A folder just made in `cluster` (holding `.` and `..`), not yet on the medium. */
  static made(fat: FatTable, cluster: number, bytes: Uint8Array): Folder {
    const extents = [{ offset: clusterOffset(fat, cluster), bytes: bytes.length }];
    const folder = new Folder(cluster, false, extents, bytes, cluster, fat.geometry.type === 32);
    folder.fresh = true;
    return folder;
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  entries(): DirEntry[] {
    this.parsed ??= parseDirectory(this.bytes, this.fat32);
    return this.parsed;
  }

  /** The entry called `name`: its long name or its short one, compared case-insensitively. */
  find(name: string): DirEntry | undefined {
    const key = name.toLowerCase();
    return (
      this.entries().find((e) => e.name.toLowerCase() === key) ??
      this.entries().find((e) => e.alias.toLowerCase() === key)
    );
  }

  /**
   * Adds an entry where placeSlots finds room, growing the folder by a zeroed cluster when there
   * is none (a fixed root cannot grow: then any run, or DriveFullError). With `copyFrom`, the
   * entry names what that one does (the first half of a rename that cannot be done in one
   * block). Changes are in memory until write().
   */
  async add(
    pending: PendingWrites,
    fat: FatTable,
    name: string,
    facts: EntryFacts,
    copyFrom?: DirEntry,
  ): Promise<void> {
    const slots = this.encode(name, facts, copyFrom);
    const count = slots.length / slotBytes;
    let place = placeSlots(this.bytes, count);
    while (place === undefined) {
      if (!this.canGrow(fat)) {
        place = placeSlots(this.bytes, count, { anywhere: true });
        if (place === undefined)
          throw new DriveFullError(`${pending.name}: the folder has no room for another entry`);
        break;
      }
      await this.grow(pending, fat);
      place = placeSlots(this.bytes, count);
    }
    this.place(place, slots);
  }

  /**
   * Renames `entry` to `name` in one block write, the new entry over the old one's slots and the
   * free ones around them, when they are all in one 512-byte block: a pull leaves the old name or
   * the new one, never both. False, with nothing changed, when the block has no room.
   */
  renameInPlace(entry: DirEntry, name: string): boolean {
    const block = Math.floor(entry.firstSlot / slotsPerBlock);
    if (Math.floor(entry.slot / slotsPerBlock) !== block) return false;
    const slots = this.encode(
      name,
      { folder: entry.folder, cluster: 0, size: 0, time: new Date() },
      entry,
    );
    const old = new Set(
      Array.from({ length: entry.slot - entry.firstSlot + 1 }, (_, i) => entry.firstSlot + i),
    );
    const place = placeSlots(this.bytes, slots.length / slotBytes, {
      alsoFree: old,
      inBlock: block,
    });
    if (
      place === undefined ||
      Math.floor(place.gapFrom / slotsPerBlock) !== block ||
      (place.clearAfter !== undefined && Math.floor(place.clearAfter / slotsPerBlock) !== block)
    )
      return false;
    for (const slot of old) this.put(slot * slotBytes, Uint8Array.of(deletedMarker));
    this.place(place, slots);
    return true;
  }

  /**
   * The slots for `name`: a short name unique in the folder, and `copyFrom`'s short-entry fields
   * (attributes, times, cluster, size) when renaming; the old name's lower-case flags are not
   * the new one's.
   */
  private encode(name: string, facts: EntryFacts, copyFrom?: DirEntry): Uint8Array {
    const shortName = shortNameFor(name, new Set(this.entries().map((e) => e.shortName)));
    const slots = encodeEntry(name, shortName, facts);
    if (copyFrom !== undefined) {
      const old = this.bytes.subarray(copyFrom.slot * slotBytes, (copyFrom.slot + 1) * slotBytes);
      const at = slots.length - slotBytes;
      slots.set(old.subarray(11), at + 11);
      slots[at + 12] = 0;
    }
    return slots;
  }

  /**
   * Puts an entry's slots where placeSlots said. What lies in another block than the short entry
   * (deleted marks for a gap, long-name slots of a name longer than a block, the cleared slot
   * after it) goes out first, flushed (`early`): on its own it is invisible or an orphaned long
   * name, never a short entry without its long name or an entry behind an end marker.
   */
  private place(place: Placement, slots: Uint8Array): void {
    const shortSlot = place.slot + slots.length / slotBytes - 1;
    const home = blockOfSlot(shortSlot);
    const early = (slot: number): void => {
      if (blockOfSlot(slot) !== home) this.early.add(blockOfSlot(slot));
    };
    for (let slot = place.gapFrom; slot < place.slot; slot++) {
      this.put(slot * slotBytes, Uint8Array.of(deletedMarker));
      early(slot);
    }
    this.put(place.slot * slotBytes, slots);
    for (let slot = place.slot; slot < shortSlot; slot++) early(slot);
    if (place.clearAfter !== undefined) {
      this.put(place.clearAfter * slotBytes, new Uint8Array(slotBytes));
      early(place.clearAfter);
    }
  }

  private canGrow(fat: FatTable): boolean {
    return (
      this.lastCluster !== undefined &&
      this.bytes.length + fat.geometry.clusterBytes <= maxFolderBytes
    );
  }

  /**
   * Marks an entry's slots deleted (§6.1: first byte 0xE5). The short entry goes first when the
   * long name lies in other blocks: a pull leaves an orphaned long name, never a short name alone.
   */
  remove(entry: DirEntry): void {
    for (let slot = entry.firstSlot; slot <= entry.slot; slot++)
      this.put(slot * slotBytes, Uint8Array.of(deletedMarker));
    if (blockOfSlot(entry.firstSlot) !== blockOfSlot(entry.slot))
      this.early.add(blockOfSlot(entry.slot));
  }

  /** Writes the blocks that must precede the others (see place), not flushed; says if any. */
  async writeEarly(device: BlockDevice): Promise<boolean> {
    const early = [...this.early].filter((b) => this.dirty.has(b));
    this.early.clear();
    if (early.length === 0) return false;
    await this.writeBlocks(device, early);
    for (const block of early) this.dirty.delete(block);
    return true;
  }

  /** Writes the changed 512-byte blocks back, all at once (not flushed: no order among them). */
  async write(device: BlockDevice): Promise<void> {
    await this.writeBlocks(device, [...this.dirty]);
    this.dirty.clear();
  }

  private async writeBlocks(device: BlockDevice, which: number[]): Promise<void> {
    const blocks = which.sort((a, b) => a - b);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < blocks.length;) {
      // A run of neighbouring blocks that lie together on the device: one write.
      const first = blocks[i] ?? 0;
      const offset = this.deviceOffset(first * dirtyUnit);
      let count = 1;
      while (
        blocks[i + count] === first + count &&
        this.deviceOffset((first + count) * dirtyUnit) === offset + count * dirtyUnit
      )
        count++;
      writes.push(
        device.write(offset, this.bytes.slice(first * dirtyUnit, (first + count) * dirtyUnit)),
      );
      i += count;
    }
    await Promise.all(writes);
  }

  get changed(): boolean {
    return this.dirty.size > 0;
  }

  /** A fresh folder's clusters, whole, into `pending`; from then on it is written by blocks. */
  queueWhole(pending: PendingWrites): void {
    let at = 0;
    for (const extent of this.extents) {
      pending.add(extent.offset, this.bytes.slice(at, at + extent.bytes));
      at += extent.bytes;
    }
    this.dirty.clear();
    this.early.clear();
    this.fresh = false;
  }

  private put(at: number, data: Uint8Array): void {
    this.bytes.set(data, at);
    this.parsed = undefined;
    // Extents are whole clusters or the whole root, so a block never straddles two of them.
    const block = (byte: number): number => Math.floor(byte / dirtyUnit);
    for (let b = block(at); b <= block(at + data.length - 1); b++) this.dirty.add(b);
  }

  private async grow(pending: PendingWrites, fat: FatTable): Promise<void> {
    const { clusterBytes } = fat.geometry;
    const [cluster] = await fat.allocate(1, this.lastCluster);
    if (cluster === undefined) throw new DriveFullError(`${pending.name}: no free cluster`);
    const offset = clusterOffset(fat, cluster);
    if (!this.fresh) {
      // Zeroed on the medium (flushed) before the FAT links it in: an end marker throughout,
      // never a stale cluster's old bytes read as entries. Its entries follow with the others.
      pending.add(offset, new Uint8Array(clusterBytes));
      this.grew = true;
    }
    this.extents.push({ offset, bytes: clusterBytes });
    const grown = new Uint8Array(this.bytes.length + clusterBytes);
    grown.set(this.bytes);
    this.bytes = grown;
    this.lastCluster = cluster;
    this.parsed = undefined;
  }

  private deviceOffset(at: number): number {
    let base = 0;
    for (const extent of this.extents) {
      if (at < base + extent.bytes) return extent.offset + (at - base);
      base += extent.bytes;
    }
    throw new Error('offset past the folder');
  }
}

/**
 * Writes to clusters nothing on the medium names yet (new data, new folders, zeroed clusters),
 * gathered so that neighbouring ones go out as one write (a pair's new clusters usually lie
 * together).
 */
export class PendingWrites {
  private writes: { offset: number; bytes: Uint8Array }[] = [];

  constructor(readonly name: string) {}

  add(offset: number, bytes: Uint8Array): void {
    if (bytes.length > 0) this.writes.push({ offset, bytes });
  }

  get empty(): boolean {
    return this.writes.length === 0;
  }

  /** Writes everything gathered, neighbours joined, all at once (not flushed: no order). */
  async write(device: BlockDevice): Promise<void> {
    const writes = this.writes.sort((a, b) => a.offset - b.offset);
    this.writes = [];
    const runs: { offset: number; bytes: Uint8Array }[] = [];
    for (let i = 0; i < writes.length;) {
      const first = writes[i];
      if (first === undefined) break;
      let end = first.offset + first.bytes.length;
      let j = i + 1;
      for (let next = writes[j]; next?.offset === end; next = writes[++j]) end += next.bytes.length;
      if (j === i + 1) {
        runs.push(first);
      } else {
        const joined = new Uint8Array(end - first.offset);
        for (let k = i; k < j; k++) {
          const w = writes[k];
          if (w !== undefined) joined.set(w.bytes, w.offset - first.offset);
        }
        runs.push({ offset: first.offset, bytes: joined });
      }
      i = j;
    }
    await Promise.all(runs.map((run) => device.write(run.offset, run.bytes)));
  }
}

function blockOfSlot(slot: number): number {
  return Math.floor((slot * slotBytes) / dirtyUnit);
}

/** Clusters a folder may span (FAT specification §6: 65,536 slots). */
export function folderClusterLimit(fat: FatTable): number {
  return Math.ceil(maxFolderBytes / fat.geometry.clusterBytes);
}

export function clusterOffset(fat: FatTable, cluster: number): number {
  const { dataOffset, clusterBytes } = fat.geometry;
  return dataOffset + (cluster - 2) * clusterBytes;
}

/** Neighbouring extents joined, so a contiguous file or folder is one read or write. */
export function runsOf(extents: readonly Extent[]): Extent[] {
  const runs: Extent[] = [];
  for (const extent of extents) {
    const last = runs.at(-1);
    if (last !== undefined && last.offset + last.bytes === extent.offset)
      runs[runs.length - 1] = { offset: last.offset, bytes: last.bytes + extent.bytes };
    else runs.push(extent);
  }
  return runs;
}
