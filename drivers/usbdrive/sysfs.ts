import { opendir, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { BlockDeviceNotFoundError } from './errors.js';
import { readBoundedFile } from '../../src/shared/readBoundedFile.js';

// Block device ↔ USB device, read from sysfs (DESIGN §3.4). Forward:
// /sys/bus/usb/devices/<bus>-<ports> → its interfaces <bus>-<ports>:<config>.<n> with
// bInterfaceClass 08 → host*/target*/*/block/<sdX>. Reverse: realpath /sys/block/<sdX>, walk up to
// the USB device directory (the one with busnum/devnum/idVendor/idProduct). The sysfs root is a
// parameter so that the mapping is tested on fake trees (test/unit/drivers/usbdrive/sysfs.test.ts).
// (DESIGN §3.4 names votingworks/vxsuite libs/usb-drive as a close public model; nothing is taken
// from it. Sysfs is read directly, so no external command runs.)

/** Where sysfs is mounted on Linux. */
export const defaultSysRoot = '/sys';

/** USB class code of mass storage interfaces (USB-IF class codes: 08h, BOT and UAS alike). */
export const massStorageClass = 0x08;

/** Sysfs attributes are at most a page (Documentation/filesystems/sysfs.rst): longer is not one. */
const maxAttributeBytes = 4096;

/** Far above any real sysfs folder's entries; bounds a hostile or looping fake tree. */
const maxDirectoryEntries = 4096;

/** Far above any real device path's depth under /sys/devices. */
const maxWalkDepth = 64;

/**
 * A block device's `size` and its partitions' `start` and `size` count 512-byte sectors whatever
 * the logical block size (include/linux/blk_types.h SECTOR_SHIFT).
 */
const sectorBytes = 512;

/** A USB device's sysfs name: `<bus>-<port>[.<port>…]`, at most 7 tiers (USB 2.0 §4.1.1). */
const portPathPattern = /^\d{1,3}-\d{1,3}(?:\.\d{1,3}){0,6}$/;

/** A kernel block device name: no `/`, not `.` or `..` (`!` stands for `/`, as in cciss!c0d0). */
const blockNamePattern = /^[A-Za-z0-9][A-Za-z0-9._:!+-]{0,63}$/;

/** The USB device a block device belongs to, as sysfs describes it. */
export interface UsbFacts {
  /** The USB device's sysfs name, e.g. `1-2.3` (drivers/usb/contract.ts UsbDeviceIdentity). */
  readonly portPath: string;
  /** idVendor, 0–0xffff. */
  readonly vendorId: number;
  /** idProduct, 0–0xffff. */
  readonly productId: number;
  /** iSerialNumber's string, when the device has one. */
  readonly serial?: string;
  /** iManufacturer's string, when the device has one. */
  readonly manufacturer?: string;
  /** iProduct's string, when the device has one. */
  readonly product?: string;
  /** Whether the interface the block device hangs from has bInterfaceClass 08 (mass storage). */
  readonly massStorage: boolean;
}

/** One partition of a block device, from `/sys/block/<name>/<partition>/{start,size}`. */
export interface PartitionFacts {
  /** The partition's kernel name, e.g. `sdb1`, `nvme0n1p1`, `loop0p1`. */
  readonly name: string;
  /** Byte offset of the partition from the start of the device. */
  readonly startBytes: number;
  /** Length of the partition in bytes. */
  readonly sizeBytes: number;
}

/** What sysfs says about one block device. */
export interface BlockDeviceFacts {
  /** The kernel's name, e.g. `sdb`. */
  readonly name: string;
  /** `/dev/<name>`. */
  readonly devicePath: string;
  /** The device's size in bytes; undefined when `size` is missing or unreadable. */
  readonly sizeBytes: number | undefined;
  /** `removable` is "1": the medium can be removed (USB sticks, card readers). */
  readonly removable: boolean;
  /** `ro` is "1": the kernel will refuse writes (a write-protect switch, a read-only loop). */
  readonly readOnly: boolean;
  /** The USB device it belongs to; undefined when it is not under one (vda, nvme0n1, loop0). */
  readonly usb: UsbFacts | undefined;
  /** Partitions with a readable start and size, in partition-number order. */
  readonly partitions: readonly PartitionFacts[];
}

/**
 * The block devices (e.g. `['sdb']`) behind the mass storage interfaces of the USB device at
 * `portPath` (e.g. `1-2.3`), sorted by name. Resolves to nothing when the device is absent (already
 * unplugged), has no mass storage interface, its disks are not yet attached (the SCSI scan runs
 * after the USB attach event: poll), or `portPath` is not a USB device name. Never rejects.
 */
export async function blockDevicesOfUsb(
  portPath: string,
  sysRoot: string = defaultSysRoot,
): Promise<string[]> {
  // A name that is not <bus>-<ports> could walk out of bus/usb/devices (`../`): nothing is there.
  if (!portPathPattern.test(portPath)) return [];
  const device = join(sysRoot, 'bus', 'usb', 'devices', portPath);
  const found = new Set<string>();
  for (const iface of await entries(device, (n) => n.startsWith(`${portPath}:`))) {
    const interfaceDir = join(device, iface);
    if (parseHex(await readAttribute(join(interfaceDir, 'bInterfaceClass'))) !== massStorageClass)
      continue;
    // usb-storage and uas both register a SCSI host under the interface:
    // host<N>/target<N>:<C>:<T>/<N>:<C>:<T>:<L>/block/<sdX>.
    for (const host of await entries(interfaceDir, (n) => /^host\d+$/.test(n))) {
      const hostDir = join(interfaceDir, host);
      for (const target of await entries(hostDir, (n) => /^target\d+:\d+:\d+$/.test(n))) {
        const targetDir = join(hostDir, target);
        for (const lun of await entries(targetDir, (n) => /^\d+:\d+:\d+:\d+$/.test(n))) {
          const blockDir = join(targetDir, lun, 'block');
          for (const name of await entries(blockDir, (n) => blockNamePattern.test(n))) {
            found.add(name);
          }
        }
      }
    }
  }
  return [...found].sort();
}

/**
 * What sysfs says about the block device `name` (e.g. `sdb`): size, removable, read-only, its
 * partitions and, when it sits under a USB device, that device's identity and whether the path
 * passes through a mass storage interface. Attributes that are missing, unreadable or malformed
 * count as absent (undefined, or false for the flags). Rejects with BlockDeviceNotFoundError only
 * when `<sysRoot>/block/<name>` does not resolve (unplugged, never existed, not a kernel name).
 */
export async function usbIdentityOfBlock(
  name: string,
  sysRoot: string = defaultSysRoot,
): Promise<BlockDeviceFacts> {
  if (!blockNamePattern.test(name)) throw new BlockDeviceNotFoundError(name);
  let root: string;
  let blockDir: string;
  try {
    root = await realpath(sysRoot);
    blockDir = await realpath(join(sysRoot, 'block', name));
  } catch (cause) {
    throw new BlockDeviceNotFoundError(name, { cause });
  }
  const [usb, size, removable, ro, partitions] = await Promise.all([
    usbAbove(blockDir, root),
    readAttribute(join(blockDir, 'size')),
    readAttribute(join(blockDir, 'removable')),
    readAttribute(join(blockDir, 'ro')),
    partitionsOf(blockDir, name),
  ]);
  return {
    name,
    devicePath: `/dev/${name}`,
    sizeBytes: sectorsToBytes(size),
    removable: removable === '1',
    readOnly: ro === '1',
    usb,
    partitions,
  };
}

/** The names under `<sysRoot>/block` (every block device the kernel has), sorted; [] if absent. */
export async function listBlockDevices(sysRoot: string = defaultSysRoot): Promise<string[]> {
  return (await entries(join(sysRoot, 'block'), (n) => blockNamePattern.test(n))).sort();
}

/**
 * Walks up from the block device's real sysfs folder to the nearest USB device folder, staying
 * inside the sysfs root. The folder just below it on the way is the interface the disk hangs from.
 */
async function usbAbove(blockDir: string, root: string): Promise<UsbFacts | undefined> {
  let below: string | undefined;
  let dir = blockDir;
  for (let depth = 0; depth < maxWalkDepth && isInside(dir, root); depth++) {
    const identity = await usbDeviceAt(dir);
    if (identity !== undefined) {
      const portPath = basename(dir);
      // An interface is named `<portPath>:<config>.<interface>` (drivers/usb/core/message.c).
      const interfaceClass =
        below !== undefined && basename(below).startsWith(`${portPath}:`)
          ? parseHex(await readAttribute(join(below, 'bInterfaceClass')))
          : undefined;
      return { portPath, ...identity, massStorage: interfaceClass === massStorageClass };
    }
    below = dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** The identity in `dir` when it is a USB device folder (busnum, devnum and both ids readable). */
async function usbDeviceAt(
  dir: string,
): Promise<Omit<UsbFacts, 'portPath' | 'massStorage'> | undefined> {
  const [busnum, devnum, idVendor, idProduct] = await Promise.all(
    ['busnum', 'devnum', 'idVendor', 'idProduct'].map((a) => readAttribute(join(dir, a))),
  );
  const vendorId = parseUsbId(idVendor);
  const productId = parseUsbId(idProduct);
  if (parseDecimal(busnum) === undefined || parseDecimal(devnum) === undefined) return undefined;
  if (vendorId === undefined || productId === undefined) return undefined;
  const [serial, manufacturer, product] = await Promise.all(
    ['serial', 'manufacturer', 'product'].map((a) => readAttribute(join(dir, a))),
  );
  return {
    vendorId,
    productId,
    ...(nonEmpty(serial) && { serial }),
    ...(nonEmpty(manufacturer) && { manufacturer }),
    ...(nonEmpty(product) && { product }),
  };
}

/**
 * The partitions of the disk at `blockDir`: sub-folders named after the disk plus a number
 * (`sdb1`), or plus `p` and a number when the disk's name ends in a digit (`nvme0n1p1`, `loop0p1`;
 * block/partitions/core.c), that have `start` and `size`.
 */
async function partitionsOf(blockDir: string, disk: string): Promise<PartitionFacts[]> {
  const names = await entries(blockDir, (n) => partitionNumber(disk, n) !== undefined);
  const read = await Promise.all(
    names.map(async (name) => {
      const [start, size] = await Promise.all([
        readAttribute(join(blockDir, name, 'start')),
        readAttribute(join(blockDir, name, 'size')),
      ]);
      const startBytes = sectorsToBytes(start);
      const sizeBytes = sectorsToBytes(size);
      return startBytes === undefined || sizeBytes === undefined
        ? undefined
        : { name, startBytes, sizeBytes };
    }),
  );
  return read
    .filter((p) => p !== undefined)
    .sort((a, b) => (partitionNumber(disk, a.name) ?? 0) - (partitionNumber(disk, b.name) ?? 0));
}

/** The partition number in `name` if it names a partition of `disk`. */
export function partitionNumber(disk: string, name: string): number | undefined {
  if (!name.startsWith(disk)) return undefined;
  const separator = /\d$/.test(disk) ? 'p' : '';
  const rest = name.slice(disk.length);
  if (!rest.startsWith(separator)) return undefined;
  const digits = rest.slice(separator.length);
  return /^[1-9]\d{0,5}$/.test(digits) ? Number(digits) : undefined;
}

/** Whether `dir` is strictly inside `root` (both real paths). */
function isInside(dir: string, root: string): boolean {
  const path = relative(root, dir);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/** The names in `dir` that `keep` accepts, reading maxDirectoryEntries at most; [] on error. */
async function entries(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    let seen = 0;
    // opendir streams the folder, so the bound holds however large it is; the iterator closes it.
    for await (const entry of await opendir(dir)) {
      if (++seen > maxDirectoryEntries) break;
      if (keep(entry.name)) names.push(entry.name);
    }
  } catch {
    return [];
  }
  return names;
}

/** A sysfs attribute without its final newline; undefined if missing, unreadable or over a page. */
async function readAttribute(path: string): Promise<string | undefined> {
  const read = await readBoundedFile(path, maxAttributeBytes);
  return read.ok ? read.bytes.toString('utf8').replace(/\n$/, '') : undefined;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** `bInterfaceClass` is two hex digits (e.g. `08`). */
function parseHex(value: string | undefined): number | undefined {
  return value !== undefined && /^[0-9a-fA-F]{2}$/.test(value.trim())
    ? Number.parseInt(value.trim(), 16)
    : undefined;
}

/** `idVendor`/`idProduct` are four hex digits (e.g. `0781`). */
function parseUsbId(value: string | undefined): number | undefined {
  return value !== undefined && /^[0-9a-fA-F]{4}$/.test(value.trim())
    ? Number.parseInt(value.trim(), 16)
    : undefined;
}

function parseDecimal(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** A count of 512-byte sectors as bytes; undefined unless a whole number within 2^53 bytes. */
function sectorsToBytes(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  const bytes = Number(value.trim()) * sectorBytes;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
