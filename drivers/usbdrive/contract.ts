import type { NpkiFiles, NpkiFolder, PairWriteStep } from '../../src/npki/layout.js';

/**
 * USB drives (DESIGN §3.4). Interfaces only: the real driver (sysfs + dosfstools + mtools, on a
 * block device or an image file) and the fake implement them, and one contract suite runs against
 * both. Members reject with the typed drive errors of src/errors/usbDrive.ts: UnsafeDriveError
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

/** One certificate folder on a drive, with its files read (bounded). */
export interface PairOnDrive extends NpkiFolder {
  readonly signCert: Uint8Array;
  readonly signKey?: Uint8Array;
}

/** Cancellation and progress for the long operations. */
export interface DriveOperation {
  readonly signal?: AbortSignal;
  readonly onStep?: (step: PairWriteStep | 'format' | 'check') => void;
}

/** An opened drive: safe to touch (checked when opened). */
export interface UsbDrive {
  readonly identity: DriveIdentity;
  /** The certificate folders under NPKI/ (DriveNotFatError on a blank or foreign drive). */
  readPairs(operation?: DriveOperation): Promise<PairOnDrive[]>;
  /** Formats FAT32 with this label and checks it (`fsck.vfat -n`); everything on it is lost. */
  format(label: string, operation?: DriveOperation): Promise<void>;
  /** Writes `/NPKI/<CA>/USER/<DN>/` all or nothing (layout.ts writeNpkiPair). */
  writePair(
    caFolder: string,
    dnFolder: string,
    files: NpkiFiles,
    options: { replace: boolean } & DriveOperation,
  ): Promise<void>;
  /** Removes a certificate folder; false if there was none. */
  deletePair(caFolder: string, dnFolder: string, operation?: DriveOperation): Promise<boolean>;
  /** Flushes and lets the drive go (powered off where the system allows). */
  eject(): Promise<void>;
}

/** The drives of this machine. */
export interface UsbDriveDriver {
  /** Removable USB drives present now (safe ones and refused ones alike, for `kiosk usb list`). */
  list(): Promise<DriveIdentity[]>;
  /** Drives arriving and leaving until the returned function is called. */
  watch(listener: (event: DriveEvent) => void, onError?: (error: unknown) => void): () => void;
  /**
   * Opens `device` (a block device or an image file) after the safety checks; UnsafeDriveError
   * with every problem found otherwise.
   */
  open(device: string, operation?: DriveOperation): Promise<UsbDrive>;
}
