import type { FileVolume } from '../../src/shared/volume.js';

/**
 * USB drives (DESIGN §3.4). Interfaces only: the real driver (sysfs + dosfstools + the in-process
 * FAT code, on a block device or an image file) and the fake implement them, and one contract
 * suite runs against both. A drive offers a file volume; what goes on it (the NPKI layout and its
 * all-or-nothing pair write) is src/storage's, the same code as for folders. Members reject with the typed drive errors of errors.ts: UnsafeDriveError
 * (refused whatever the caller asked), DriveRemovedError (the drive went away: what is on it is
 * the previous content or the complete new pair), DriveFullError, DriveReadOnlyError,
 * DriveNotFatError, DriveIoError.
 */

/** What the kiosk knows about a drive. */
export interface DriveIdentity {
  /** What `usb:DEVICE` names: `/dev/sdb`, or the path of an image file. */
  readonly device: string;
  readonly kind: 'block' | 'image';
  readonly vendor?: string;
  readonly product?: string;
  readonly serial?: string;
  readonly sizeBytes: number;
  readonly removable: boolean;
  /** `fat32` (or fat12/fat16) when usable; `none` blank; otherwise what was found. */
  readonly filesystem: string;
  readonly label?: string;
  /** The USB port (sysfs name, e.g. `1-2`), for telling drives apart; absent for images. */
  readonly portPath?: string;
}

/** A drive arrived or left. */
export interface DriveEvent {
  readonly type: 'attached' | 'removed';
  readonly drive: DriveIdentity;
}

/**
 * Cancellation and progress for formatting. The signal is honoured until mkfs starts (also by a
 * throw from `onStep('format')`); after that the format runs to its end, as a half-written FAT is
 * neither the old drive nor a new one. The driver's own timeout still applies.
 */
export interface DriveOperation {
  readonly signal?: AbortSignal;
  readonly onStep?: (step: 'format' | 'check') => void;
}

/** What a volume is opened for: the caller's signal, and whether it will write. */
export interface VolumeUse {
  readonly signal?: AbortSignal;
  readonly writing: boolean;
}

/** An opened drive: safe to touch (checked when opened, and again before each volume or format). */
export interface UsbDrive {
  readonly identity: DriveIdentity;
  /**
   * The FAT volume as it is now (DriveNotFatError on a blank or foreign drive, maybe at its first
   * call); the caller closes it when done.
   */
  volume(use: VolumeUse): Promise<FileVolume>;
  /** Formats FAT32 with this label and checks it (`fsck.vfat -n`); everything on it is lost. */
  format(label: string, operation?: DriveOperation): Promise<void>;
  /** Flushes and lets the drive go (powered off where the system allows). */
  eject(): Promise<void>;
}

/** The drives of this machine. */
export interface UsbDriveDriver {
  /**
   * Removable USB drives present now (safe ones and refused ones alike, for `kiosk usb list`), and
   * where image files are allowed, the safe `*.img` files of the image folder.
   */
  list(): Promise<DriveIdentity[]>;
  /** Drives arriving and leaving until the returned function is called. */
  watch(listener: (event: DriveEvent) => void, onError?: (error: unknown) => void): () => void;
  /**
   * Opens `device` (a block device or an image file) after the safety checks; UnsafeDriveError
   * with every problem found otherwise.
   */
  open(device: string, operation?: DriveOperation): Promise<UsbDrive>;
}
