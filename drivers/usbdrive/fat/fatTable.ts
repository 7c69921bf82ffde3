import { DriveFullError, DriveIoError } from '../errors.js';
import type { BlockDevice } from './blockDevice.js';
import { u32, type FatGeometry } from './geometry.js';

/** Bytes of the FAT read at once: a few sectors, so a large drive's FAT is not read whole. */
const chunkBytes = 16 * 1024;

/** FAT32 FSInfo signatures and fields (FAT specification §5). */
const fsInfo = { lead: 0x41615252, struct: 0x61417272, trail: 0xaa550000, free: 488, next: 492 };

/**
 * The file allocation table of one volume (FAT specification §4): entries read through a chunk
 * cache, changes kept in memory until write() puts the changed sectors into every FAT copy, and
 * the FAT32 FSInfo free count and next-free hint kept true to the changes.
 */
export class FatTable {
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly dirtySectors = new Set<number>();
  private freedOrTaken = 0;
  private nextHint: number;
  private fsInfoSector: Uint8Array | undefined;

  private constructor(
    private readonly device: BlockDevice,
    readonly geometry: FatGeometry,
  ) {
    this.nextHint = 2;
  }

  static async load(device: BlockDevice, geometry: FatGeometry): Promise<FatTable> {
    const table = new FatTable(device, geometry);
    if (geometry.fsInfoOffset !== undefined) {
      const sector = await device.read(geometry.fsInfoOffset, 512);
      if (
        u32(sector, 0) === fsInfo.lead &&
        u32(sector, 484) === fsInfo.struct &&
        u32(sector, 508) === fsInfo.trail
      ) {
        table.fsInfoSector = sector;
        const hint = u32(sector, fsInfo.next);
        if (table.valid(hint)) table.nextHint = hint;
      }
    }
    return table;
  }

  /** The lowest value that ends a chain (FAT specification §4: 0xFF8, 0xFFF8, 0x0FFFFFF8). */
  get endOfChain(): number {
    return { 12: 0xff8, 16: 0xfff8, 32: 0x0ffffff8 }[this.geometry.type];
  }

  valid(cluster: number): boolean {
    return cluster >= 2 && cluster <= this.geometry.clusterCount + 1;
  }

  async get(cluster: number): Promise<number> {
    const at = this.byteOffset(cluster);
    await this.ensure(at, at + (this.geometry.type === 32 ? 4 : 2));
    const raw = this.readBytes(at, this.geometry.type === 32 ? 4 : 2);
    switch (this.geometry.type) {
      case 12:
        return cluster % 2 === 0 ? raw & 0xfff : raw >>> 4;
      case 16:
        return raw;
      case 32:
        return raw & 0x0fffffff;
    }
  }

  async set(cluster: number, value: number): Promise<void> {
    const at = this.byteOffset(cluster);
    const width = this.geometry.type === 32 ? 4 : 2;
    await this.ensure(at, at + width);
    const old = this.readBytes(at, width);
    let raw: number;
    switch (this.geometry.type) {
      case 12:
        raw = cluster % 2 === 0 ? (old & 0xf000) | value : (old & 0x000f) | (value << 4);
        break;
      case 16:
        raw = value;
        break;
      case 32:
        // The top four bits are reserved and kept as found (§4.1).
        raw = ((old & 0xf0000000) | (value & 0x0fffffff)) >>> 0;
        break;
    }
    for (let i = 0; i < width; i++) {
      const byte = at + i;
      const chunk = this.chunkAt(byte);
      chunk[byte % chunkBytes] = (raw >>> (8 * i)) & 0xff;
      this.dirtySectors.add(Math.floor(byte / this.geometry.bytesPerSector));
    }
  }

  /**
   * The clusters of the chain from `start`, at most `limit` of them (a longer chain is cut there,
   * for a file whose size says how many it needs). A cluster out of range, free, bad or seen twice
   * is a broken chain: DriveIoError.
   */
  async chain(start: number, limit: number): Promise<number[]> {
    const clusters: number[] = [];
    const seen = new Set<number>();
    let cluster = start;
    while (clusters.length < limit) {
      if (!this.valid(cluster) || seen.has(cluster))
        throw new DriveIoError(`broken cluster chain at ${String(cluster)} from ${String(start)}`);
      seen.add(cluster);
      clusters.push(cluster);
      const next = await this.get(cluster);
      if (next >= this.endOfChain) return clusters;
      cluster = next;
    }
    return clusters;
  }

  /**
   * `count` free clusters, taken: linked into one chain ending the file (or after `after`, a
   * folder's last cluster). DriveFullError, with nothing changed, when there are not enough.
   */
  async allocate(count: number, after?: number): Promise<number[]> {
    const found: number[] = [];
    const total = this.geometry.clusterCount;
    for (let step = 0; step < total && found.length < count; step++) {
      const cluster = 2 + ((this.nextHint - 2 + step) % total);
      if ((await this.get(cluster)) === 0) found.push(cluster);
    }
    if (found.length < count)
      throw new DriveFullError(
        `${this.device.name}: ${String(count)} clusters needed, ${String(found.length)} free`,
      );
    for (const [i, cluster] of found.entries())
      await this.set(cluster, found[i + 1] ?? this.endOfChain | 0x7);
    if (after !== undefined && found[0] !== undefined) await this.set(after, found[0]);
    this.freedOrTaken -= count;
    const last = found.at(-1);
    if (last !== undefined) this.nextHint = last;
    return found;
  }

  /** Marks the clusters free. */
  async free(clusters: readonly number[]): Promise<void> {
    for (const cluster of clusters) await this.set(cluster, 0);
    this.freedOrTaken += clusters.length;
  }

  /**
   * Writes the changed sectors into every FAT copy, a run of neighbouring sectors at a time, and
   * the FSInfo counts (not flushed). Says whether there was anything to write.
   */
  async write(): Promise<boolean> {
    if (this.dirtySectors.size === 0) return false;
    const { bytesPerSector } = this.geometry;
    const sectors = [...this.dirtySectors].sort((a, b) => a - b);
    // Every copy and the FSInfo at once: nothing orders them but the flush that follows.
    const writes: Promise<void>[] = [];
    for (let i = 0; i < sectors.length;) {
      // A run stays inside one cached chunk, whose bytes it is written from.
      const first = sectors[i] ?? 0;
      let count = 1;
      while (
        sectors[i + count] === first + count &&
        Math.floor(((first + count) * bytesPerSector) / chunkBytes) ===
          Math.floor((first * bytesPerSector) / chunkBytes)
      )
        count++;
      const at = first * bytesPerSector;
      const bytes = this.chunkAt(at).slice(
        at % chunkBytes,
        (at % chunkBytes) + count * bytesPerSector,
      );
      for (const fat of this.geometry.fatOffsets) writes.push(this.device.write(fat + at, bytes));
      i += count;
    }
    this.dirtySectors.clear();
    const info = this.fsInfoSector;
    if (info !== undefined && this.geometry.fsInfoOffset !== undefined) {
      const view = new DataView(info.buffer, info.byteOffset, info.byteLength);
      const free = view.getUint32(fsInfo.free, true);
      // 0xFFFFFFFF is "unknown" (§5) and stays so; a count is kept true to what changed.
      if (free <= this.geometry.clusterCount)
        view.setUint32(fsInfo.free, Math.max(0, free + this.freedOrTaken), true);
      view.setUint32(fsInfo.next, this.nextHint, true);
      this.freedOrTaken = 0;
      writes.push(this.device.write(this.geometry.fsInfoOffset, info.slice()));
    }
    await Promise.all(writes);
    return true;
  }

  private byteOffset(cluster: number): number {
    if (cluster < 0 || cluster > this.geometry.clusterCount + 1)
      throw new DriveIoError(`cluster ${String(cluster)} is outside the volume`);
    return this.geometry.type === 12
      ? Math.floor(cluster * 1.5)
      : cluster * (this.geometry.type / 8);
  }

  /** Loads the chunks covering FAT bytes [from, to). */
  private async ensure(from: number, to: number): Promise<void> {
    for (let chunk = Math.floor(from / chunkBytes); chunk * chunkBytes < to; chunk++) {
      if (this.chunks.has(chunk)) continue;
      const start = chunk * chunkBytes;
      const length = Math.min(chunkBytes, this.geometry.fatBytes - start);
      const bytes = new Uint8Array(chunkBytes);
      bytes.set(await this.device.read((this.geometry.fatOffsets[0] ?? 0) + start, length));
      this.chunks.set(chunk, bytes);
    }
  }

  private chunkAt(byte: number): Uint8Array {
    const chunk = this.chunks.get(Math.floor(byte / chunkBytes));
    if (chunk === undefined) throw new Error('FAT chunk not loaded');
    return chunk;
  }

  private readBytes(at: number, width: number): number {
    let value = 0;
    for (let i = width - 1; i >= 0; i--)
      value = value * 256 + (this.chunkAt(at + i)[(at + i) % chunkBytes] ?? 0);
    return value >>> 0;
  }
}
