import { posix } from 'node:path';
import { isDeviceOrPartition, isSystemMount, type MountEntry } from './mounts.js';
import type { BlockDeviceFacts } from './sysfs.js';

// The gate before any write to a drive (DESIGN §3.4): "Never touch a device that is not removable
// USB mass storage, is mounted as a system filesystem, or is larger than a configured limit,
// whatever the caller asks." Pure: the facts come from sysfs.ts and mounts.ts, so the rules are
// tested on every combination without a device.

/**
 * Why a block device is refused. The names match DriveProblem (errors.ts) so that a
 * refusal can be raised as UnsafeDriveError as is.
 */
export type SafetyProblem =
  /** Not under a USB device (and not an allowed loop device). */
  | 'notUsb'
  /** Under a USB device, but not through a mass storage (class 08) interface. */
  | 'notMassStorage'
  /** sysfs `removable` is not 1 (and not an allowed loop device). */
  | 'notRemovable'
  /** Larger than the configured limit, or of unknown size: a disk, not a stick. */
  | 'tooLarge'
  /** It or a partition is mounted at a system mount point (isSystemMount). */
  | 'mountedSystem'
  /** It or a partition is mounted elsewhere (the kiosk writes unmounted, through mtools). */
  | 'mounted'
  /** The kernel marks it read-only: it may be read, not written. */
  | 'readOnly';

/** What the kiosk's configuration allows. */
export interface DriveSafetyPolicy {
  /** The largest device, in bytes, the kiosk may touch. */
  readonly maxBytes: number;
  /**
   * Whether loop devices (`loop<N>`, images attached with losetup in labs and tests) pass the USB,
   * mass storage and removable checks. Callers default it to false.
   */
  readonly allowLoopDevices: boolean;
}

/** The verdict: every problem found, in the order of SafetyProblem, or none. */
export type SafetyVerdict =
  { readonly ok: true } | { readonly ok: false; readonly problems: readonly SafetyProblem[] };

const loopDevice = /^loop\d+$/;

/**
 * Whether the kiosk may touch the device `facts` describes. `mounts` may be the whole mount table
 * (parseMounts) or only the device's (mountsOf): only mounts of the device or of one of its
 * partitions count. A result whose only problem is `readOnly` still allows reading (mayRead).
 */
export function checkDriveSafety(
  facts: BlockDeviceFacts,
  mounts: readonly MountEntry[],
  policy: DriveSafetyPolicy,
): SafetyVerdict {
  const problems: SafetyProblem[] = [];
  const allowedLoop = policy.allowLoopDevices && loopDevice.test(facts.name);
  if (!allowedLoop) {
    if (facts.usb === undefined) problems.push('notUsb');
    else if (!facts.usb.massStorage) problems.push('notMassStorage');
    if (!facts.removable) problems.push('notRemovable');
  }
  // Written as "not within" so that an unknown size, or a limit that is NaN, refuses.
  if (!(facts.sizeBytes !== undefined && facts.sizeBytes <= policy.maxBytes)) {
    problems.push('tooLarge');
  }
  const own = new Set([facts.devicePath, ...facts.partitions.map((p) => `/dev/${p.name}`)]);
  const mine = mounts.filter(
    (mount) => own.has(mount.source) || isDeviceOrPartition(mount.source, facts.devicePath),
  );
  if (mine.some((mount) => isSystemMount(mount.mountPoint))) problems.push('mountedSystem');
  if (mine.some((mount) => !isSystemMount(mount.mountPoint))) problems.push('mounted');
  if (facts.readOnly) problems.push('readOnly');
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** Whether a verdict allows reading: no problem, or only `readOnly`. */
export function mayRead(verdict: SafetyVerdict): boolean {
  return verdict.ok || verdict.problems.every((problem) => problem === 'readOnly');
}

/** What lstat says about a path (the subset of fs.Stats used here). */
export interface ImageStat {
  isFile(): boolean;
  isSymbolicLink(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
  readonly size: number;
  /** Names the file has: more than one is a hard link to something that may matter. */
  readonly nlink: number;
}

/**
 * Why an image file is refused. `notImageFile` matches DriveProblem (errors.ts);
 * `because` in the verdict says which of the rules it broke.
 */
export type ImageProblem = 'notImageFile' | 'tooLarge' | 'outsideImageFolder' | 'linkedImage';

/** Why a path is not an image file. */
export type NotImageFileBecause = 'symlink' | 'device' | 'notRegularFile' | 'systemPath';

/** The verdict on an image file. */
export type ImageSafetyVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly problems: readonly ImageProblem[];
      /** Set when `problems` has `notImageFile`. */
      readonly because?: NotImageFileBecause;
    };

/**
 * Pseudo-file systems whose entries lstat calls regular files (zero-sized, so under any limit) and
 * where a write acts on the kernel (/proc/sysrq-trigger, /sys/…/remove): never an image.
 */
const systemTrees = ['/proc', '/sys', '/dev'];

/**
 * Whether the kiosk may use `path` as a drive image (tests, labs: DESIGN §3.4 "the device is an
 * image file"). `stat` must come from lstat, so that a symlink is seen as one: the image must be a
 * regular file, not a link and not a device, outside /proc, /sys and /dev, and at most `maxBytes`,
 * with one name only, inside `imageFolder` (a real path; none configured: no image anywhere).
 * Links in the folders above are not seen by lstat: pass the real path of the folder.
 */
export function checkImageSafety(
  path: string,
  stat: ImageStat,
  maxBytes: number,
  imageFolder: string | undefined,
): ImageSafetyVerdict {
  const problems: ImageProblem[] = [];
  const because = notImageFileBecause(path, stat);
  if (because !== undefined) problems.push('notImageFile');
  if (!(stat.size <= maxBytes)) problems.push('tooLarge');
  // Issue 11 item 15: a hard link to a 40 MB database was formatted. An image lives in the one
  // folder set aside for images, under no other name.
  const inside =
    imageFolder === undefined ? undefined : posix.join(posix.resolve(imageFolder), '/');
  if (inside === undefined || !posix.resolve(path).startsWith(inside))
    problems.push('outsideImageFolder');
  if (stat.isFile() && stat.nlink !== 1) problems.push('linkedImage');
  if (problems.length === 0) return { ok: true };
  return because === undefined ? { ok: false, problems } : { ok: false, problems, because };
}

function notImageFileBecause(path: string, stat: ImageStat): NotImageFileBecause | undefined {
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isBlockDevice() || stat.isCharacterDevice()) return 'device';
  if (!stat.isFile()) return 'notRegularFile';
  // Relative to the working directory, as the tools the path is handed to will take it.
  const normal = posix.resolve(path);
  if (systemTrees.some((tree) => normal === tree || normal.startsWith(`${tree}/`))) {
    return 'systemPath';
  }
  return undefined;
}
