import {
  DriveNotFatError,
  DriveRemovedError,
  UnsafeDriveError,
  type DriveProblem,
} from './errors.js';
import type {
  DriveEvent,
  DriveIdentity,
  DriveOperation,
  UsbDrive,
  UsbDriveDriver,
} from './contract.js';
import { MemoryVolume } from './memoryVolume.js';

/** A drive to plug into the fake. */
export interface FakeDriveOptions {
  readonly device: string;
  readonly sizeBytes?: number;
  /** A system disk, a card reader's fixed slot…: refused by open(). */
  readonly problems?: readonly DriveProblem[];
  /** 'fat32' (default), 'none' (blank) or a foreign file system such as 'ntfs'. */
  readonly filesystem?: string;
  readonly label?: string;
  readonly vendor?: string;
  readonly serial?: string;
}

interface FakeDrive {
  identity: DriveIdentity;
  readonly volume: MemoryVolume;
  readonly problems: readonly DriveProblem[];
}

/**
 * The UsbDriveDriver contract in memory (STYLE #2: state per instance), with the controls real
 * drives do not offer on demand: pulled after N bytes or at any change (through `volume(device)`,
 * a MemoryVolume), full, read-only, I/O errors, blank or foreign file systems, unsafe devices.
 */
export class FakeUsbDrives implements UsbDriveDriver {
  private readonly drives = new Map<string, FakeDrive>();
  private readonly listeners = new Set<(event: DriveEvent) => void>();

  /** Plugs a drive in (reported to watchers). */
  plug(options: FakeDriveOptions): MemoryVolume {
    const volume = new MemoryVolume(options.device);
    const drive: FakeDrive = {
      identity: {
        device: options.device,
        kind: 'block',
        vendor: options.vendor ?? 'Fake',
        product: 'Fake USB drive',
        ...(options.serial === undefined ? {} : { serial: options.serial }),
        sizeBytes: options.sizeBytes ?? 64 * 1024 * 1024,
        removable: !(options.problems ?? []).includes('notRemovable'),
        filesystem: options.filesystem ?? 'fat32',
        ...(options.label === undefined ? {} : { label: options.label }),
        portPath: `1-${String(this.drives.size + 1)}`,
      },
      volume,
      problems: options.problems ?? [],
    };
    this.drives.set(options.device, drive);
    for (const listener of this.listeners) listener({ type: 'attached', drive: drive.identity });
    return volume;
  }

  /** The drive's volume, for its fault controls. */
  volume(device: string): MemoryVolume {
    return this.drive(device).volume;
  }

  /** Pulls the drive out (watchers hear of it); its content stays as it was. */
  pull(device: string): void {
    const drive = this.drive(device);
    drive.volume.pull();
    for (const listener of this.listeners) listener({ type: 'removed', drive: drive.identity });
  }

  /** Puts a pulled drive back. */
  reinsert(device: string): void {
    const drive = this.drive(device);
    drive.volume.reinsert();
    for (const listener of this.listeners) listener({ type: 'attached', drive: drive.identity });
  }

  list(): Promise<DriveIdentity[]> {
    return Promise.resolve(
      [...this.drives.values()].filter((d) => d.volume.isPresent).map((d) => d.identity),
    );
  }

  watch(listener: (event: DriveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  open(device: string): Promise<UsbDrive> {
    return new Promise((resolve) => {
      const drive = this.drives.get(device);
      if (drive === undefined) throw new UnsafeDriveError(device, ['missing']);
      if (!drive.volume.isPresent) throw new DriveRemovedError(`${device} is not there`);
      if (drive.problems.length > 0) throw new UnsafeDriveError(device, drive.problems);
      resolve({
        identity: drive.identity,
        volume: () =>
          new Promise((ok) => {
            if (!drive.volume.isPresent) throw new DriveRemovedError(`${device} is not there`);
            if (!drive.identity.filesystem.startsWith('fat'))
              throw new DriveNotFatError(device, drive.identity.filesystem);
            ok(drive.volume);
          }),
        format: (label: string, operation: DriveOperation = {}) =>
          new Promise((ok) => {
            operation.signal?.throwIfAborted();
            operation.onStep?.('format');
            drive.volume.clear();
            drive.identity = { ...drive.identity, filesystem: 'fat32', label };
            operation.onStep?.('check');
            ok();
          }),
        eject: () => {
          drive.volume.pull();
          return Promise.resolve();
        },
      });
    });
  }

  private drive(device: string): FakeDrive {
    const drive = this.drives.get(device);
    if (drive === undefined) throw new Error(`no fake drive ${device}`);
    return drive;
  }
}
