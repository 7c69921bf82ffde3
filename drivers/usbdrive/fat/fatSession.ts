import { DriveIoError, DriveNotFatError } from '../errors.js';
import { maxTreeEntries, volumePath } from '../../../src/shared/volume.js';
import type { BlockDevice } from './blockDevice.js';
import { dotEntries, type DirEntry } from './directory.js';
import { FatTable } from './fatTable.js';
import { clusterOffset, Folder, folderClusterLimit, PendingWrites, runsOf } from './folder.js';
import { fatGeometryOf, u32 } from './geometry.js';

// One opened FAT volume (FatVolume in fatVolume.ts runs its calls on it): the geometry, the FAT
// and the folders read so far; paths resolved, files read, folders and files made, clusters
// found for a removal, and the commits that write changes in crash order (see fatVolume.ts).

/** Clusters one remove() frees at most: 2 GiB of 512-byte clusters, far beyond a pair's folder. */
const maxFreedClusters = 1 << 22;

/** Folder bytes one session reads at most (a folder holds up to 2 MiB). */
const maxFolderBytesPerSession = 16 * 1024 * 1024;

/** What resolve() found: an entry in a folder, or the root folder itself (no entry). */
export interface Found {
  /** The path as the medium spells it. */
  readonly path: string;
  readonly parent: Folder;
  readonly entry: DirEntry | undefined;
  readonly folder: boolean;
  /** The folder itself, when it is one. */
  readonly contents: Folder;
  /** The first clusters of the folders on the path above (the root's included). */
  readonly above: ReadonlySet<number>;
}

/** One opened volume: its geometry, FAT and the folders read so far. */
export class FatSession {
  private readonly folders = new Map<number, Folder>();
  private folderBytes = 0;
  private readonly now = new Date();
  readonly pending: PendingWrites;

  private constructor(
    readonly device: BlockDevice,
    readonly fat: FatTable,
    readonly root: Folder,
    readonly identity: string,
  ) {
    this.folders.set(root.cluster, root);
    this.pending = new PendingWrites(device.name);
  }

  static async open(device: BlockDevice): Promise<FatSession> {
    const boot = await device.read(0, 512);
    const geometry = fatGeometryOf(boot);
    if (geometry === undefined) throw new DriveNotFatError(device.name, 'no FAT boot sector');
    // A boot sector that claims more than the partition or drive holds would have clusters
    // handed out past its end (or in the next partition).
    if (device.size !== undefined && geometry.volumeBytes > device.size)
      throw new DriveNotFatError(device.name, 'a FAT file system larger than the drive');
    const fat = await FatTable.load(device, geometry);
    const root =
      geometry.root.kind === 'fixed'
        ? await Folder.fixed(device, geometry.root.offset, geometry.root.bytes)
        : await Folder.ofChain(device, fat, geometry.root.cluster, true);
    // BS_VolID (FAT32 at 67, FAT12/16 at 39) and the size: what tells one volume from another.
    const serial = u32(boot, geometry.type === 32 ? 67 : 39);
    return new FatSession(device, fat, root, `${String(serial)}/${String(geometry.volumeBytes)}`);
  }

  async resolve(path: string): Promise<Found | undefined> {
    let found: Found = {
      path: '/',
      parent: this.root,
      entry: undefined,
      folder: true,
      contents: this.root,
      above: new Set(),
    };
    for (const segment of path.split('/').filter((s) => s !== '')) {
      if (!found.folder) return undefined;
      const entry = found.contents.find(segment);
      if (entry === undefined) return undefined;
      found = {
        path: volumePath(found.path, entry.name),
        parent: found.contents,
        entry,
        folder: entry.folder,
        contents: entry.folder ? await this.folderOf(entry) : found.contents,
        above: new Set(found.above).add(found.contents.cluster),
      };
    }
    return found;
  }

  async folderOf(entry: DirEntry): Promise<Folder> {
    // Only `..` may name cluster 0 (the root), and parseDirectory skips it: a folder entry that
    // does is damaged, and following it would walk (or free) the root.
    if (!this.fat.valid(entry.cluster))
      throw new DriveIoError(
        `${this.device.name}: ${entry.name} names cluster ${String(entry.cluster)}`,
      );
    let folder = this.folders.get(entry.cluster);
    if (folder === undefined) {
      folder = await Folder.ofChain(this.device, this.fat, entry.cluster, false);
      // Folders stay in memory for the session: a drive whose folders add up to more than a
      // person's certificates could ever need is refused, not read into memory.
      this.folderBytes += folder.byteLength;
      if (this.folderBytes > maxFolderBytesPerSession)
        throw new DriveIoError(`${this.device.name}: its folders are too large to read`);
      this.folders.set(entry.cluster, folder);
    }
    return folder;
  }

  async readFile(entry: DirEntry): Promise<Uint8Array> {
    const out = new Uint8Array(entry.size);
    if (entry.size === 0) return out;
    const { clusterBytes } = this.fat.geometry;
    const needed = Math.ceil(entry.size / clusterBytes);
    const clusters = await this.fat.chain(entry.cluster, needed);
    if (clusters.length < needed)
      throw new DriveIoError(`${this.device.name}: ${entry.name} is cut short on the drive`);
    let at = 0;
    for (const run of runsOf(
      clusters.map((c) => ({ offset: clusterOffset(this.fat, c), bytes: clusterBytes })),
    )) {
      const length = Math.min(run.bytes, entry.size - at);
      out.set(await this.device.read(run.offset, length), at);
      at += length;
    }
    return out;
  }

  /** A new empty folder in `parent`: written whole at commit, with what is put in it. */
  async makeFolder(parent: Folder, name: string): Promise<Folder> {
    checkName(name);
    const { clusterBytes } = this.fat.geometry;
    const [cluster] = await this.fat.allocate(1);
    if (cluster === undefined) throw new DriveIoError('no cluster allocated');
    const bytes = new Uint8Array(clusterBytes);
    bytes.set(dotEntries(cluster, parent.isRoot ? 0 : parent.cluster, this.now));
    await parent.add(this.pending, this.fat, name, {
      folder: true,
      cluster,
      size: 0,
      time: this.now,
    });
    const folder = Folder.made(this.fat, cluster, bytes);
    this.folders.set(cluster, folder);
    return folder;
  }

  /**
   * A new file in `folder`: its data, padded with zeros to whole clusters (so that neighbouring
   * clusters join into one write, and no stale bytes follow the end), written at commit.
   */
  async writeFile(folder: Folder, name: string, bytes: Uint8Array): Promise<void> {
    checkName(name);
    const { clusterBytes } = this.fat.geometry;
    const clusters = await this.fat.allocate(Math.ceil(bytes.length / clusterBytes));
    clusters.forEach((cluster, i) => {
      const part = new Uint8Array(clusterBytes);
      part.set(bytes.subarray(i * clusterBytes, (i + 1) * clusterBytes));
      this.pending.add(clusterOffset(this.fat, cluster), part);
    });
    await folder.add(this.pending, this.fat, name, {
      folder: false,
      cluster: clusters[0] ?? 0,
      size: bytes.length,
      time: this.now,
    });
  }

  /**
   * The clusters to free with `entry`: its own and, for a folder, everything's below it. A folder below it that is one already met or one of the
   * folders `above` it is damage (a loop, a cross-link): then nothing is freed, the entry alone
   * goes, and fsck.vfat can reclaim the space; freeing would take clusters something still uses.
   */
  async clustersBelow(entry: DirEntry, above: ReadonlySet<number>): Promise<number[]> {
    const found = new Set<number>();
    const take = (clusters: readonly number[]): void => {
      for (const cluster of clusters) found.add(cluster);
      if (found.size > maxFreedClusters)
        throw new DriveIoError(`${this.device.name}: ${entry.name} is too large to remove`);
    };
    const { clusterBytes } = this.fat.geometry;
    // A file's chain is freed as far as its size reaches; a broken chain is left (lost space
    // beats freeing clusters another file may still use).
    const fileChain = (file: DirEntry): Promise<number[]> =>
      this.fat
        .chain(file.cluster, Math.min(maxFreedClusters + 1, Math.ceil(file.size / clusterBytes)))
        .catch(() => []);
    if (entry.cluster === 0) return [];
    if (!entry.folder) {
      take(await fileChain(entry));
      return [...found];
    }
    const walked = new Set<number>();
    const damage = { found: false };
    const walk = async (folderEntry: DirEntry): Promise<void> => {
      if (walked.has(folderEntry.cluster) || above.has(folderEntry.cluster)) {
        damage.found = true;
        return;
      }
      if (walked.size >= maxTreeEntries)
        throw new DriveIoError(`${this.device.name}: ${entry.name} holds too many folders`);
      walked.add(folderEntry.cluster);
      const folder = await this.folderOf(folderEntry);
      for (const child of folder.entries()) {
        if (child.folder) await walk(child);
        else if (child.cluster !== 0) take(await fileChain(child));
      }
      take(await this.fat.chain(folderEntry.cluster, folderClusterLimit(this.fat)).catch(() => []));
    };
    await walk(entry);
    return damage.found ? [] : [...found];
  }

  /**
   * What a creation changed, in the order that keeps a pulled drive consistent: the new clusters
   * (data, whole new folders) with the FAT that takes them, flushed; then the entries in folders
   * that were already on the medium, which name them, flushed. A folder that grew gets its
   * zeroed cluster flushed first, before the FAT links it in.
   */
  async commitCreation(): Promise<void> {
    const grown = [...this.folders.values()].filter((f) => f.grew);
    for (const folder of this.folders.values()) if (folder.fresh) folder.queueWhole(this.pending);
    let early = false;
    for (const folder of this.folders.values())
      if (await folder.writeEarly(this.device)) early = true;
    if (grown.length > 0 || early) {
      await this.pending.write(this.device);
      await this.device.flush();
      for (const folder of grown) folder.grew = false;
    }
    const wroteData = !this.pending.empty;
    await this.pending.write(this.device);
    if ((await this.fat.write()) || wroteData) await this.device.flush();
    await this.commitEntries();
  }

  /** The FAT's changes (and FSInfo), flushed; nothing when there are none. */
  async commitFat(): Promise<void> {
    if (await this.fat.write()) await this.device.flush();
  }

  /** The folders' changes, flushed; nothing when there are none. */
  async commitEntries(): Promise<void> {
    let early = false;
    for (const folder of this.folders.values())
      if (await folder.writeEarly(this.device)) early = true;
    if (early) await this.device.flush();
    let wrote = false;
    for (const folder of this.folders.values())
      if (folder.changed) {
        await folder.write(this.device);
        wrote = true;
      }
    if (wrote) await this.device.flush();
  }
}

// eslint-disable-next-line no-control-regex -- refusing control characters in names
const notInLongName = /[\\/:*?"<>|\u0000-\u001f]/;

/** Long names (§7): 1–255 UTF-16 units, none of `\ / : * ? " < > |` or controls, no trailing dot. */
export function checkName(name: string): void {
  if (name === '' || name.length > 255 || notInLongName.test(name) || /[. ]$/.test(name))
    throw new DriveIoError(`${JSON.stringify(name)} cannot be a FAT name`);
}
