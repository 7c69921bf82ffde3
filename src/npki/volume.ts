/**
 * The few things the NPKI layout (layout.ts: scanning, the all-or-nothing pair write and its
 * recovery) needs from a medium. Paths are absolute from the medium's root and '/'-separated
 * (`/NPKI/yessign/USER`). Implemented on a folder (fsVolume.ts), with mtools on a USB drive or
 * image (drivers/usbdrive/mtoolsVolume.ts) and in memory with fault controls
 * (drivers/usbdrive/memoryVolume.ts): the protocol that keeps a pulled drive consistent is the
 * same code in tests and in the branch.
 *
 * Members reject with the medium's typed errors: StorageIoError for a folder; DriveRemovedError,
 * DriveFullError, DriveReadOnlyError, DriveIoError for a drive.
 */
export interface NpkiVolume {
  /** For messages: the folder or device. */
  readonly name: string;
  /**
   * The entries of a folder (no `.`/`..`), or undefined when the folder does not exist. Links are
   * reported as neither folder nor file (`folder: false, file: false`) and never followed.
   */
  list(dir: string): Promise<VolumeEntry[] | undefined>;
  /** A file's bytes; the medium's I/O error when it is larger than `maxBytes` (reading stops). */
  read(path: string, maxBytes: number): Promise<Uint8Array>;
  /** Creates one folder; its parent exists. */
  mkdir(path: string): Promise<void>;
  /** Creates a file in an existing folder, durably (flushed before it resolves). */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Renames a folder within its folder, durably. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a folder with everything in it. */
  remove(path: string): Promise<void>;
}

export interface VolumeEntry {
  readonly name: string;
  readonly folder: boolean;
  readonly file: boolean;
}

/** Joins path segments onto an absolute volume path. */
export function volumePath(...parts: string[]): string {
  return `/${parts.filter((p) => p !== '').join('/')}`.replace(/\/+/g, '/');
}
