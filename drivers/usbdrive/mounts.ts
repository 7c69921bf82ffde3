import { posix } from 'node:path';
import { MountTableError } from './errors.js';
import { readBoundedFile } from '../../src/shared/readBoundedFile.js';
import { partitionNumber } from './sysfs.js';

// Which of a drive's device nodes are mounted, and where (DESIGN §3.4: never touch a device
// mounted as a system file system; the kiosk writes through mtools and never mounts, so any mount
// of the drive is someone else's). Read from the kernel's own table, /proc/self/mounts (proc(5)).

/** The mount table of this process's mount namespace (proc(5): /proc/[pid]/mounts). */
export const defaultProcMounts = '/proc/self/mounts';

/** A mount table is a few KiB even on busy hosts; 4 MiB bounds the read and is never reached. */
const maxMountTableBytes = 4 * 1024 * 1024;

/** One line of the mount table (fstab(5) fields 1–4), with the octal escapes undone. */
export interface MountEntry {
  /** What is mounted, e.g. `/dev/sdb1` (`fs_spec`). */
  readonly source: string;
  /** Where, e.g. `/media/kiosk/NPKI USB` (`fs_file`). */
  readonly mountPoint: string;
  /** The file system type, e.g. `vfat` (`fs_vfstype`). */
  readonly fsType: string;
  /** The mount options, e.g. `['rw', 'relatime']` (`fs_mntops`). */
  readonly options: readonly string[];
  /** `ro` is among the options. */
  readonly readOnly: boolean;
}

/**
 * The mounts whose source is one of `devicePaths` (e.g. `/dev/sdb`) or a partition of one
 * (`/dev/sdb1`, `/dev/nvme0n1p2`), in table order (a device mounted twice appears twice). Rejects
 * with MountTableError when the table cannot be read in full: not knowing is not "not mounted".
 */
export async function mountsOf(
  devicePaths: readonly string[],
  procMounts: string = defaultProcMounts,
): Promise<MountEntry[]> {
  const read = await readBoundedFile(procMounts, maxMountTableBytes);
  if (!read.ok)
    throw new MountTableError(
      procMounts,
      read.problem.startsWith('larger than') ? 'tooLarge' : 'unreadable',
      { cause: read.cause },
    );
  return parseMounts(read.bytes.toString('utf8')).filter((mount) =>
    devicePaths.some((device) => isDeviceOrPartition(mount.source, device)),
  );
}

/**
 * The entries of a mount table in proc(5)/fstab(5) form: one mount a line, fields separated by
 * single spaces, and space, tab, newline and backslash in a field written as `\040`, `\011`,
 * `\012`, `\134` (fs/proc_namespace.c mangle()). Lines with fewer than four fields are skipped.
 */
export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountPoint, fsType, options] = line.split(' ');
    if (source === undefined || mountPoint === undefined) continue;
    if (fsType === undefined || options === undefined) continue;
    const optionList = unescapeMountField(options).split(',');
    entries.push({
      source: unescapeMountField(source),
      mountPoint: unescapeMountField(mountPoint),
      fsType: unescapeMountField(fsType),
      options: optionList,
      readOnly: optionList.includes('ro'),
    });
  }
  return entries;
}

/** Undoes the kernel's `\ooo` octal escapes (three octal digits, one byte each). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-3][0-7]{2})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/**
 * Whether `source` is the device node `devicePath` or one of its partitions: `/dev/sdb` →
 * `/dev/sdb1`; a disk whose name ends in a digit takes `p` first: `/dev/loop0` → `/dev/loop0p1`
 * (block/partitions/core.c).
 */
export function isDeviceOrPartition(source: string, devicePath: string): boolean {
  if (source === devicePath) return true;
  const dir = posix.dirname(devicePath);
  if (posix.dirname(source) !== dir) return false;
  return partitionNumber(posix.basename(devicePath), posix.basename(source)) !== undefined;
}

/** Mount points that are the system's own (the root and the FHS top-level trees it runs from). */
const systemMountPoints = new Set([
  '/',
  '/boot',
  '/boot/efi',
  '/usr',
  '/var',
  '/home',
  '/etc',
  '/opt',
  '/srv',
  '/nix',
]);

/** Trees everything under which is the system's (/boot too: firmware and loaders live there). */
const systemTrees = ['/usr/', '/var/', '/boot/'];

/**
 * Whether a file system mounted at `mountPoint` is part of the running system (DESIGN §3.4: such a
 * device is never touched): `/`, `/boot`, `/boot/efi`, `/usr`, `/var`, `/home`, `/etc`, `/opt`,
 * `/srv`, `/nix`, and anything under `/usr`, `/var` or `/boot`. `/media/…`, `/mnt/…` and
 * `/run/media/…` are where removable drives get mounted, and are not.
 */
export function isSystemMount(mountPoint: string): boolean {
  const path = posix.normalize(mountPoint).replace(/(?<=.)\/+$/, '');
  return systemMountPoints.has(path) || systemTrees.some((tree) => path.startsWith(tree));
}
