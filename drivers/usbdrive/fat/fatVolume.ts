import { DriveIoError, DriveRemovedError } from '../errors.js';
import {
  baseNameOf,
  maxTreeEntries,
  parentOf,
  volumePath,
  type FileVolume,
  type TreeEntry,
  type VolumeFile,
  type VolumeTree,
} from '../../../src/shared/volume.js';
import { fileBlockDevice, type BlockDevice, type OpenBlockDevice } from './blockDevice.js';
import type { DirEntry } from './directory.js';
import { checkName, FatSession } from './fatSession.js';
import type { Folder } from './folder.js';

// FatVolume, the FileVolume of a USB drive or image: the volume calls (list, read, create,
// rename, remove), each run on a FatSession (fatSession.ts) opened once for a run of calls, and
// the crash order they keep.

/**
 * A FAT12/16/32 volume read and written in-process (hand-written in drivers/usbdrive/fat/).
 *
 * Why not mtools for every step: each mtools process loads the FAT again and costs ~3 ms, and the
 * all-or-nothing write needs a listing, a staged copy, a read-back and a rename; issue 5 prices
 * format + write against plain `mkfs.vfat + mmd + mcopy`, which those processes alone exceed.
 * mkfs.vfat and fsck.vfat still format and check; mtools stays the reference that the tests read
 * every result back with (test/integration/fatVolume.mtools.test.ts), and a configured fallback.
 *
 * Crash order (a pulled drive; writes between two flushes may land in any subset, a 512-byte
 * sector whole or not at all): data and new folders go into free clusters with the FAT (and
 * FSInfo) that takes them, flushed, and only then the entries that name them; a removal writes
 * the deleted entries, flushed, then frees the clusters. An entry lies in one sector (placeSlots),
 * and what must precede it in other sectors (gap marks, a long name longer than a sector) is
 * flushed first. A rename is one sector write where the folder's sector has room for the new
 * name; otherwise the new entry is written and flushed, then the old one deleted. So an entry
 * never names a free cluster: a pull leaves at worst clusters no entry names (space fsck.vfat
 * reclaims), an orphaned long name, or, between a rename's two steps, both names on one folder,
 * which listTree shows and remove() takes apart without freeing what the other still names.
 * FAT12 alone can tear one way: a FAT entry across two sectors, changed in a chain already in use
 * (a folder grown), which no write order makes atomic; the kiosk formats FAT32.
 */
export class FatVolume implements FileVolume {
  constructor(
    readonly name: string,
    private readonly openDevice: OpenBlockDevice,
    private readonly options: {
      readonly signal?: AbortSignal;
      /** Open for writing from the first call (a pair write starts with a listing). */
      readonly writing?: boolean;
    } = {},
  ) {}

  /** The volume first opened (serial number and size), to notice a swapped drive. */
  private identity: string | undefined;

  private open:
    | { readonly access: 'read' | 'write'; readonly device: BlockDevice; readonly fs: FatSession }
    | undefined;

  async listTree(dir: string): Promise<VolumeTree | undefined> {
    return this.session('read', async (fs) => {
      const found = await fs.resolve(dir);
      if (found === undefined || !found.folder) return undefined;
      const entries: TreeEntry[] = [];
      // A folder inside one of its own ancestors is a loop: damage. The same folder under two
      // names side by side is what a pull between a rename's two steps leaves: both are listed
      // (the entry count bounds the work), and the layout's recovery removes the hidden one.
      const walk = async (folder: Folder, path: string, above: Set<number>): Promise<void> => {
        if (above.has(folder.cluster))
          throw new DriveIoError(`${this.name}${path}: a folder inside itself`);
        const inside = new Set(above).add(folder.cluster);
        for (const entry of folder.entries()) {
          if (entries.length >= maxTreeEntries)
            throw new DriveIoError(`${dir} holds more than ${String(maxTreeEntries)} entries`);
          const child = volumePath(path, entry.name);
          entries.push({ path: child, folder: entry.folder, file: !entry.folder });
          if (entry.folder) await walk(await fs.folderOf(entry), child, inside);
        }
      };
      await walk(found.contents, found.path, new Set());
      return { path: found.path, entries };
    });
  }

  async readFiles(paths: readonly string[], maxBytes: number): Promise<Uint8Array[]> {
    return this.session('read', async (fs) => {
      const out: Uint8Array[] = [];
      for (const path of paths) {
        const found = await fs.resolve(path);
        if (found?.entry === undefined || found.folder)
          throw new DriveIoError(`${this.name}${path}: not a file`);
        if (found.entry.size > maxBytes)
          throw new DriveIoError(`${path}: larger than ${String(maxBytes)} bytes`);
        out.push(await fs.readFile(found.entry));
      }
      return out;
    });
  }

  async createFiles(files: readonly VolumeFile[]): Promise<void> {
    await this.session('write', async (fs) => {
      for (const file of files) {
        let folder = fs.root;
        for (const segment of parentOf(file.path)
          .split('/')
          .filter((s) => s !== '')) {
          const entry = folder.find(segment);
          if (entry !== undefined && !entry.folder)
            throw new DriveIoError(`${this.name}${file.path}: ${segment} is a file`);
          folder =
            entry === undefined ? await fs.makeFolder(folder, segment) : await fs.folderOf(entry);
        }
        const name = baseNameOf(file.path);
        if (folder.find(name) !== undefined)
          throw new DriveIoError(`${this.name}${file.path}: exists`);
        await fs.writeFile(folder, name, file.bytes);
      }
      await fs.commitCreation();
    });
  }

  async rename(from: string, to: string): Promise<void> {
    await this.session('write', async (fs) => {
      const found = await fs.resolve(from);
      const parent = await fs.resolve(parentOf(to));
      if (
        found?.entry === undefined ||
        parent?.path.toLowerCase() !== parentOf(found.path).toLowerCase()
      )
        throw new DriveIoError(`${this.name}${from}: not found, or ${to} is in another folder`);
      const name = baseNameOf(to);
      // Onto itself or another spelling of itself too: the contract renames to a free name.
      if (found.parent.find(name) !== undefined)
        throw new DriveIoError(`${this.name}${to}: exists`);
      checkName(name);
      const entry = found.entry;
      const folder = found.parent;
      if (folder.renameInPlace(entry, name)) {
        await fs.commitEntries();
        return;
      }
      // The new name first, flushed, then the old one deleted: a pull between leaves both names
      // on the same clusters, which recovery (and remove() above) takes apart safely.
      await folder.add(fs.pending, fs.fat, name, { ...factsOf(entry), time: new Date() }, entry);
      await fs.commitCreation();
      folder.remove(entry);
      await fs.commitEntries();
    });
  }

  async remove(path: string): Promise<void> {
    await this.session('write', async (fs) => {
      const found = await fs.resolve(path);
      if (found?.entry === undefined) throw new DriveIoError(`${this.name}${path}: not found`);
      const entry = found.entry;
      // A folder a torn rename left under two names: the other name keeps the clusters.
      const shared =
        entry.cluster !== 0 &&
        found.parent.entries().some((e) => e.slot !== entry.slot && e.cluster === entry.cluster);
      const clusters = shared ? [] : await fs.clustersBelow(entry, found.above);
      found.parent.remove(entry);
      await fs.commitEntries();
      await fs.fat.free(clusters);
      await fs.commitFat();
    });
  }

  /** Closes the device; the next call opens it again. Call when done with the volume. */
  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.device.close();
  }

  /**
   * Runs `work` on the volume, opened once for a run of calls (a pair write is five): the FAT and
   * folders read are kept, and kept true by the calls' own changes. Anything that fails closes
   * it, so that nothing half-changed in memory outlives the call; a read-only open is reopened
   * for writing when a write comes.
   */
  private async session<T>(
    access: 'read' | 'write',
    work: (fs: FatSession) => Promise<T>,
  ): Promise<T> {
    if (this.options.signal?.aborted === true) throw new DriveIoError(`${this.name}: stopped`);
    if (this.open !== undefined && access === 'write' && this.open.access === 'read')
      await this.close();
    try {
      if (this.open === undefined) {
        const opened = this.options.writing === true ? 'write' : access;
        const device = await this.openDevice(opened);
        const fs = await FatSession.open(device).catch(async (e: unknown) => {
          await device.close();
          throw e;
        });
        this.open = { access: opened, device, fs };
        // Opened again after a failure: the same volume, or the drive was swapped meanwhile.
        if (this.identity !== undefined && this.identity !== fs.identity)
          throw new DriveRemovedError(`${this.name}: another drive is in its place`);
        this.identity = fs.identity;
      }
      return await work(this.open.fs);
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}

/** The volume at byte `offset` of a block device or image file. */
export function fatVolumeOnFile(
  device: string,
  offset: number,
  options: ConstructorParameters<typeof FatVolume>[2] = {},
): FatVolume {
  return new FatVolume(device, fileBlockDevice(device, offset), options);
}

function factsOf(entry: DirEntry): { folder: boolean; cluster: number; size: number } {
  return { folder: entry.folder, cluster: entry.cluster, size: entry.size };
}
