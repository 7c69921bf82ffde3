import { constants, existsSync } from 'node:fs';
import { lstat, open, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  BlockDeviceNotFoundError,
  DriveIoError,
  DriveNotFatError,
  DriveRemovedError,
  UnsafeDriveError,
  type DriveProblem,
} from './errors.js';
import type { UsbHotplug } from '../usb/contract.js';
import type {
  DriveEvent,
  DriveIdentity,
  DriveOperation,
  UsbDrive,
  UsbDriveDriver,
  VolumeUse,
} from './contract.js';
import { mountsOf } from './mounts.js';
import type { FileVolume } from '../../src/shared/volume.js';
import { fileBlockDevice, headBytes, type VolumePlace } from './fat/blockDevice.js';
import { FatVolume } from './fat/fatVolume.js';
import { fatLabelOf, fatVolumeOffset, filesystemOf, type VolumeLocation } from './partition.js';
import { checkDriveSafety, checkImageSafety } from './safety.js';
import {
  blockDevicesOfUsb,
  defaultSysRoot,
  listBlockDevices,
  massStorageClass,
  usbIdentityOfBlock,
  type BlockDeviceFacts,
} from './sysfs.js';
import { runTool } from './tool.js';

export interface RealUsbDrivesOptions {
  /** The largest device the kiosk touches (DESIGN §3.4: a disk is not a stick). */
  readonly maxBytes: number;
  /** Loop devices pass the USB checks (labs, tests); false by default. */
  readonly allowLoopDevices?: boolean;
  /**
   * Regular files may stand for a drive (FAT images: tests, labs, the demo); false by default, so
   * that in a branch no file of the kiosk's own can be formatted or written as a "drive".
   */
  readonly allowImageFiles?: boolean;
  /** The folder image files must be in (`usb.imageFolder`); outside it no file is a drive. */
  readonly imageFolder?: string;
  readonly sysRoot?: string;
  readonly procMounts?: string;
  /** USB hotplug, for watch(); without it watch() reports nothing. */
  readonly hotplug?: UsbHotplug;
  /** mkfs.vfat and fsck.vfat; 180 s if absent (a large stick takes a while). */
  readonly formatTimeoutMs?: number;
}

/**
 * USB drives on Linux (DESIGN §3.4): found through sysfs, checked for safety before anything is
 * done (removable USB mass storage, not mounted, under the size limit; image files for tests and
 * labs), formatted with dosfstools, and offered as a FAT volume read and written in-process without
 * mounting (drivers/usbdrive/fat/, whose crash order is proven at block level).
 */
export class RealUsbDrives implements UsbDriveDriver {
  private readonly sysRoot: string;

  constructor(private readonly options: RealUsbDrivesOptions) {
    this.sysRoot = options.sysRoot ?? defaultSysRoot;
  }

  async list(): Promise<DriveIdentity[]> {
    const drives: DriveIdentity[] = [];
    for (const name of await listBlockDevices(this.sysRoot)) {
      const facts = await usbIdentityOfBlock(name, this.sysRoot).catch(() => undefined);
      if (facts?.usb?.massStorage !== true) continue;
      drives.push(await this.identityOfBlock(facts));
    }
    return [...drives, ...(await this.listImages())];
  }

  /**
   * The image files of the image folder (`*.img`), when images are allowed: the demo's drive is
   * "plugged in" by being there. Each passes open()'s checks or is left out.
   */
  private async listImages(): Promise<DriveIdentity[]> {
    const folder = this.options.imageFolder;
    if (this.options.allowImageFiles !== true || folder === undefined) return [];
    const names = await readdir(folder).catch(() => []);
    const images: DriveIdentity[] = [];
    for (const name of names.filter((n) => n.endsWith('.img')).sort()) {
      const drive = await this.open(join(folder, name)).catch(() => undefined);
      if (drive !== undefined) images.push(drive.identity);
    }
    return images;
  }

  watch(listener: (event: DriveEvent) => void, onError?: (error: unknown) => void): () => void {
    const hotplug = this.options.hotplug;
    if (hotplug === undefined) return () => undefined;
    const known = new Map<string, DriveIdentity[]>();
    return hotplug.watch(({ type, device }) => {
      if (type === 'detached') {
        for (const drive of known.get(device.portPath) ?? []) listener({ type: 'removed', drive });
        known.delete(device.portPath);
        return;
      }
      if (!device.interfaceClasses.includes(massStorageClass)) return;
      void this.drivesAt(device.portPath)
        .then((drives) => {
          known.set(device.portPath, drives);
          for (const drive of drives) listener({ type: 'attached', drive });
        })
        .catch((error: unknown) => onError?.(error));
    }, onError);
  }

  async open(device: string): Promise<UsbDrive> {
    const link = await lstat(device).catch(() => undefined);
    if (link === undefined) throw new UnsafeDriveError(device, ['missing']);
    const target = await realpath(device);
    const info = await stat(target);
    if (info.isBlockDevice()) return this.openBlock(device, basename(target));
    if (this.options.allowImageFiles !== true)
      throw new UnsafeDriveError(device, link.isFile() ? ['imagesNotAllowed'] : ['notImageFile']);
    // An image file: judged by lstat of the path given (a link is not an image), in its real folder.
    const folder = this.options.imageFolder;
    const verdict = checkImageSafety(
      join(await realpath(dirname(device)), basename(device)),
      link,
      this.options.maxBytes,
      folder === undefined ? undefined : await realpath(folder).catch(() => undefined),
    );
    if (!verdict.ok) throw new UnsafeDriveError(device, verdict.problems);
    const identity: DriveIdentity = {
      device,
      kind: 'image',
      sizeBytes: info.size,
      removable: true,
      ...(await this.probe(device)),
    };
    return {
      identity,
      volume: (use) => this.volume(device, use, undefined),
      format: (label, op = {}) => this.format(device, label, op),
      eject: () => Promise.resolve(),
    };
  }

  private async openBlock(device: string, name: string): Promise<UsbDrive> {
    const facts = await this.safeBlock(device, name);
    const identity = await this.identityOfBlock(facts, device);
    // Checked again right before every step that writes: between the check at open and a write
    // after the CA's round trip, a pulled stick's name (sdX) may have gone to another disk.
    const again = async (): Promise<void> => {
      const now = await this.safeBlock(
        device,
        basename(await realpath(device).catch(() => device)),
      );
      if (
        now.name !== facts.name ||
        now.usb?.portPath !== facts.usb?.portPath ||
        now.usb?.serial !== facts.usb?.serial
      )
        throw new DriveRemovedError(`${device} is now another device`);
    };
    return {
      identity,
      volume: async (use) => {
        await again();
        return this.volume(device, use, identity.sizeBytes);
      },
      format: async (label, op = {}) => {
        await again();
        await this.format(device, label, op);
      },
      eject: () => this.eject(device, facts.name),
    };
  }

  /**
   * The block device's facts if it is safe to touch (DESIGN §3.4), UnsafeDriveError with every
   * problem otherwise. Besides sysfs and the mount table, an exclusive open proves that nothing
   * holds the device: the kernel refuses O_EXCL on a block device that is mounted anywhere (other
   * mount namespaces too), used by device-mapper or md, or swapped on.
   */
  private async safeBlock(device: string, name: string): Promise<BlockDeviceFacts> {
    let facts: BlockDeviceFacts;
    try {
      facts = await usbIdentityOfBlock(name, this.sysRoot);
    } catch (error) {
      if (error instanceof BlockDeviceNotFoundError)
        throw new UnsafeDriveError(device, ['missing']);
      throw error;
    }
    const mounts = await mountsOf(
      [facts.devicePath, ...facts.partitions.map((p) => `/dev/${p.name}`)],
      this.options.procMounts,
    );
    const verdict = checkDriveSafety(facts, mounts, {
      maxBytes: this.options.maxBytes,
      allowLoopDevices: this.options.allowLoopDevices ?? false,
    });
    // Read-only is no reason to refuse reading; a write then fails with DriveReadOnlyError.
    const problems: DriveProblem[] = verdict.ok
      ? []
      : verdict.problems.filter((p) => p !== 'readOnly');
    if (
      !problems.includes('mounted') &&
      !problems.includes('mountedSystem') &&
      (await busy(facts.devicePath))
    )
      problems.push('mounted');
    if (problems.length > 0) throw new UnsafeDriveError(device, problems);
    return facts;
  }

  private async drivesAt(portPath: string): Promise<DriveIdentity[]> {
    // The SCSI scan attaches the disk a moment after the USB device: look a few times.
    for (let attempt = 0; attempt < 20; attempt++) {
      const names = await blockDevicesOfUsb(portPath, this.sysRoot);
      if (names.length > 0) {
        const drives: DriveIdentity[] = [];
        for (const name of names)
          drives.push(await this.identityOfBlock(await usbIdentityOfBlock(name, this.sysRoot)));
        return drives;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return [];
  }

  private async identityOfBlock(
    facts: BlockDeviceFacts,
    device = facts.devicePath,
  ): Promise<DriveIdentity> {
    const usb = facts.usb;
    return {
      device,
      kind: 'block',
      ...(usb?.manufacturer === undefined ? {} : { vendor: usb.manufacturer }),
      ...(usb?.product === undefined ? {} : { product: usb.product }),
      ...(usb?.serial === undefined ? {} : { serial: usb.serial }),
      sizeBytes: facts.sizeBytes ?? 0,
      removable: facts.removable,
      ...(usb === undefined ? {} : { portPath: usb.portPath }),
      ...(await this.probe(device).catch(() => ({ filesystem: 'unreadable' }))),
    };
  }

  /** The file system and label found at the start of the device (or of its FAT partition). */
  private async probe(device: string): Promise<{ filesystem: string; label?: string }> {
    const head = await readAt(device, 0, headBytes);
    const location = fatVolumeOffset(head);
    if (location.kind !== 'fat') return { filesystem: describe(location) };
    const boot = location.offset === 0 ? head : await readAt(device, location.offset, headBytes);
    const label = fatLabelOf(boot);
    return { filesystem: filesystemOf(boot), ...(label === undefined ? {} : { label }) };
  }

  /** The FAT volume on the device as it is now (it may have been formatted since it was opened). */
  private volume(
    device: string,
    operation: VolumeUse,
    deviceBytes: number | undefined,
  ): Promise<FileVolume> {
    const locate = (head: Uint8Array): VolumePlace => {
      const location = fatVolumeOffset(head);
      if (location.kind !== 'fat') throw new DriveNotFatError(device, describe(location));
      return location.layout === 'mbr'
        ? { offset: location.offset, bytes: location.sizeBytes }
        : { offset: 0 };
    };
    return Promise.resolve(
      new FatVolume(device, fileBlockDevice(device, locate, deviceBytes), operation),
    );
  }

  /**
   * FAT32 over the whole device (`-I`: a stick needs no partition table, and Korean software
   * reads such "superfloppy" drives), then `fsck.vfat -n` to prove the result is clean.
   */
  private async format(device: string, label: string, operation: DriveOperation): Promise<void> {
    // No signal past this point (DriveOperation): mkfs killed half-way leaves neither drive.
    const options = { timeoutMs: this.options.formatTimeoutMs ?? 180_000 };
    operation.signal?.throwIfAborted();
    operation.onStep?.('format');
    const made = await runTool('mkfs.vfat', ['-F', '32', '-I', '-n', label, device], options);
    if (made.status !== 0) throw toolFailure(device, 'mkfs.vfat', made.stderr);
    operation.onStep?.('check');
    const checked = await runTool('fsck.vfat', ['-n', device], options);
    if (checked.status !== 0)
      throw toolFailure(device, 'fsck.vfat', checked.stdout.toString() + checked.stderr);
  }

  /** Flushes the device and asks the kernel to let it go (sysfs `device/delete`). */
  private async eject(device: string, name: string): Promise<void> {
    const handle = await open(device, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const remove = join(this.sysRoot, 'block', name, 'device', 'delete');
    if (existsSync(remove)) await writeFile(remove, '1');
  }
}

/** Whether the kernel refuses an exclusive open of the block device (held: mounted, dm, md). */
async function busy(devicePath: string): Promise<boolean> {
  try {
    const handle = await open(devicePath, constants.O_RDONLY | constants.O_EXCL);
    await handle.close();
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EBUSY';
  }
}

async function readAt(device: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(device, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function describe(location: VolumeLocation): string {
  switch (location.kind) {
    case 'fat':
      return 'fat';
    case 'gpt':
      return 'a GPT partition table';
    case 'unformatted':
      return 'none';
    case 'foreign':
      return location.filesystem === 'unknown'
        ? `partition type 0x${(location.type ?? 0).toString(16)}`
        : location.filesystem;
  }
}

function toolFailure(device: string, tool: string, output: string): Error {
  if (!existsSync(device)) return new DriveRemovedError(`${device} is gone`);
  return new DriveIoError(`${tool} failed on ${device}: ${output.trim().slice(0, 300)}`);
}
