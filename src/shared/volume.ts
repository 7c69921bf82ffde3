/**
 * A file volume: what the NPKI layout (src/npki/layout.ts scanning, src/npki/pairWrite.ts the
 * all-or-nothing pair write and its recovery) needs from a medium. Paths are absolute from the medium's root and
 * '/'-separated (`/NPKI/yessign/USER`). Implemented on a folder (src/npki/fsVolume.ts), on a USB
 * drive or image (drivers/usbdrive/fat/fatVolume.ts) and in memory with fault controls
 * (drivers/usbdrive/memoryVolume.ts): the protocol that keeps a pulled drive consistent is the
 * same code in tests and in the branch. The members are coarse (a whole tree, several files at
 * once) so that a drive can do each in one pass over its FAT.
 *
 * Members reject with the medium's typed errors: StorageIoError for a folder; DriveRemovedError,
 * DriveFullError, DriveReadOnlyError, DriveIoError for a drive.
 */
export interface FileVolume {
  /** For messages: the folder or device. */
  readonly name: string;
  /**
   * The folder `dir` as the medium spells it, found case-insensitively (`/NPKI` finds `/npki`)
   * as FAT does, and every entry below it (itself excluded) at any depth; undefined when there is
   * no such folder. Links are reported as neither folder nor file and never followed. At most
   * maxTreeEntries entries (more is not an NPKI tree: the medium's I/O error).
   */
  listTree(dir: string): Promise<VolumeTree | undefined>;
  /** The files' bytes, in order; the medium's I/O error when one is larger than `maxBytes`. */
  readFiles(paths: readonly string[], maxBytes: number): Promise<Uint8Array[]>;
  /**
   * Creates the files, with the folders on their paths that do not exist yet, durably (flushed
   * before it resolves). A file that exists, or a path through a file or a link, is an error.
   */
  createFiles(files: readonly VolumeFile[]): Promise<void>;
  /** Renames a folder within its folder, durably. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a folder with everything in it. */
  remove(path: string): Promise<void>;
  /** Lets go of the medium, for volumes that keep it open between calls; called when done. */
  close?(): Promise<void>;
}

export interface VolumeTree {
  readonly path: string;
  readonly entries: TreeEntry[];
}

export interface TreeEntry {
  /** Absolute volume path. */
  readonly path: string;
  readonly folder: boolean;
  readonly file: boolean;
}

export interface VolumeFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** A tree larger than this under NPKI/ is not a person's certificates: refused, not walked. */
export const maxTreeEntries = 4096;

/** Joins path segments onto an absolute volume path. */
export function volumePath(...parts: string[]): string {
  return `/${parts.filter((p) => p !== '').join('/')}`.replace(/\/+/g, '/');
}

/** The folder part of a volume path (`/` for a top-level entry). */
export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** The last segment of a volume path. */
export function baseNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
