/**
 * The all-or-nothing write of an NPKI pair (DESIGN §3.4): staged under a hidden name, read back,
 * renamed into place with the previous pair kept aside until the new one stands, and any write
 * a pulled medium interrupted recovered first. The same code for folders, drives and the fake.
 */
import { randomBytes } from 'node:crypto';
import { CertificateExistsError, StorageIoError } from '../errors/index.js';
import { maxNpkiFileBytes } from './der.js';
import { FsVolume } from './fsVolume.js';
import {
  asidePrefix,
  asideTarget,
  checkFolderName,
  nameOf,
  npkiFileNames,
  NpkiTree,
  readFolder,
  visibleFolder,
  type NpkiFiles,
} from './layout.js';
import { parentOf, volumePath, type FileVolume } from '../shared/volume.js';

/** A folder being written; never a complete pair under its real name. */
const stagingPrefix = '.kiosk-staging-';
/** A pair being deleted: renamed first, so a pull leaves it whole or gone. */
const deletePrefix = '.kiosk-delete-';

/** The steps of an all-or-nothing pair write, for progress and for fault tests. */
export type PairWriteStep = 'recover' | 'folders' | 'stage' | 'verify' | 'swap' | 'cleanup';

export interface PairWriteOptions {
  /** Replace a folder of the same DN (renewal, a confirmed overwrite); refused otherwise. */
  readonly replace: boolean;
  /** Told each step as it starts. */
  readonly onStep?: (step: PairWriteStep) => void;
}

/**
 * Writes a certificate folder `/NPKI/<CA>/USER/<DN>/` all or nothing (DESIGN §3.4): what an
 * interrupted earlier write left is recovered first; the files go into a hidden staging folder
 * beside it (created with the folders above it in one step), are read back and compared, and the
 * folder is renamed into place. An existing folder for the same DN is replaced only with
 * `replace`, by moving it aside, renaming the new one in and removing the old one. A failure at
 * any step leaves the previous pair or the complete new one under the real name (or, between the
 * two renames, the previous pair aside, which scanNpki shows and the next write restores); never a
 * partial key file. Returns the folder's volume path.
 */
export async function writeNpkiPair(
  volume: FileVolume,
  caFolder: string,
  dnFolder: string,
  files: NpkiFiles,
  options: PairWriteOptions,
): Promise<string> {
  checkFolderName(caFolder, 'CA folder');
  checkFolderName(dnFolder, 'subject');
  const step = options.onStep ?? (() => undefined);
  step('folders');
  let tree = await NpkiTree.read(volume);
  const user = userFolder(volume, tree, caFolder);
  step('recover');
  if (tree !== undefined && (await recoverInterruptedWrites(volume, tree, user)))
    tree = await NpkiTree.read(volume);
  const found = tree?.child(user, dnFolder);
  const existing = found !== undefined && visibleFolder(found) ? found.path : undefined;
  if (existing !== undefined && !options.replace)
    throw new CertificateExistsError(`${volume.name}${existing}`);
  const staging = volumePath(user, `${stagingPrefix}${randomBytes(6).toString('hex')}`);
  try {
    step('stage');
    const written = (Object.entries(files) as [keyof typeof npkiFileNames, Uint8Array][]).map(
      ([key, bytes]) => ({ path: volumePath(staging, npkiFileNames[key]), bytes }),
    );
    // Replacing keeps what the new pair does not bring (kmCert.der, kmPri.key: the key-management
    // pair may be needed to open old documents).
    if (existing !== undefined && tree !== undefined) {
      const kept = readFolder(tree, '', dnFolder, existing)?.files ?? {};
      const carry = (Object.keys(kept) as (keyof typeof npkiFileNames)[]).filter(
        (key) => files[key] === undefined && kept[key] !== undefined,
      );
      const bytes = await volume.readFiles(
        carry.map((key) => kept[key] ?? ''),
        maxNpkiFileBytes,
      );
      carry.forEach((key, i) => {
        written.push({
          path: volumePath(staging, npkiFileNames[key]),
          bytes: bytes[i] ?? new Uint8Array(0),
        });
      });
    }
    await volume.createFiles(written);
    step('verify');
    const back = await volume.readFiles(
      written.map((f) => f.path),
      maxNpkiFileBytes,
    );
    written.forEach((file, i) => {
      if (!Buffer.from(back[i] ?? []).equals(file.bytes))
        throw new StorageIoError(
          `${volume.name}${file.path}`,
          'read-back differs from what was written',
        );
    });
    step('swap');
    const target = existing ?? volumePath(user, dnFolder);
    if (existing === undefined) {
      await volume.rename(staging, target);
    } else {
      await swapInto(volume, user, existing, staging, step);
    }
    return target;
  } catch (error) {
    // On a pulled drive this fails too: recoverInterruptedWrites removes the staging next time.
    await volume.remove(staging).catch(() => undefined);
    throw error;
  }
}

/**
 * `/NPKI/<CA>/USER` as the medium spells what exists of it. A file or a link under one of these
 * names is refused: writing through it could land outside the medium.
 */
function userFolder(volume: FileVolume, tree: NpkiTree | undefined, caFolder: string): string {
  let dir = tree?.root ?? '/NPKI';
  for (const name of [caFolder, 'USER']) {
    const found = tree?.child(dir, name);
    if (found !== undefined && !found.folder)
      throw new StorageIoError(
        `${volume.name}${found.path}`,
        found.file ? 'not a folder' : 'a symbolic link',
      );
    dir = found?.path ?? volumePath(dir, name);
  }
  return dir;
}

/** writeNpkiPair on a folder (`dir:` storage); returns the absolute folder path. */
export async function writeNpkiFolder(
  root: string,
  caFolder: string,
  dnFolder: string,
  files: NpkiFiles,
  options: { replace: boolean },
): Promise<string> {
  const volume = new FsVolume(root);
  return volume.pathOf(await writeNpkiPair(volume, caFolder, dnFolder, files, options));
}

/**
 * Removes a certificate folder (`/NPKI/<CA>/USER/<DN>`) and says whether there was one. The
 * folder is first renamed aside, so a pull mid-way leaves the pair whole (restored by the next
 * write) rather than half-deleted.
 */
export async function deleteNpkiPair(
  volume: FileVolume,
  caFolder: string,
  dnFolder: string,
): Promise<boolean> {
  const tree = await NpkiTree.read(volume);
  if (tree === undefined) return false;
  const existing = tree.child(userFolder(volume, tree, caFolder), dnFolder);
  if (existing === undefined || !visibleFolder(existing)) return false;
  const doomed = volumePath(
    parentOf(existing.path),
    `${deletePrefix}${randomBytes(6).toString('hex')}`,
  );
  await volume.rename(existing.path, doomed);
  await volume.remove(doomed);
  return true;
}

/** Replaces `existing` with `staging`, keeping the old pair if the swap fails half-way. */
async function swapInto(
  volume: FileVolume,
  user: string,
  existing: string,
  staging: string,
  step: (step: PairWriteStep) => void,
): Promise<void> {
  const aside = volumePath(user, `${asidePrefix}${randomBytes(6).toString('hex')}`);
  await volume.rename(existing, aside);
  try {
    await volume.rename(staging, existing);
  } catch (error) {
    // Put the previous pair back, unless the rename did happen after all (a tool killed by its
    // timeout after the fact): moving onto a folder would nest it. If this fails too (the drive
    // is gone), the next write's recovery does it.
    const now = await volume.listTree(existing).catch(() => undefined);
    if (now === undefined) await volume.rename(aside, existing).catch(() => undefined);
    throw error;
  }
  step('cleanup');
  // The new pair is in place; an aside folder that cannot be removed now is removed next time.
  await volume.remove(aside).catch(() => undefined);
}

/**
 * Finishes every interrupted write on the medium (each `/NPKI/<CA>/USER` folder), as the next
 * write would: a kiosk restarting after a crash puts a visitor's drive right before the visitor
 * takes it away (issue 14 item 3). Says whether it changed anything.
 */
export async function recoverNpkiWrites(volume: FileVolume): Promise<boolean> {
  const tree = await NpkiTree.read(volume);
  if (tree === undefined) return false;
  let changed = false;
  for (const ca of tree.children(tree.root).filter((e) => e.folder)) {
    const user = tree.child(ca.path, 'USER');
    if (user?.folder === true && (await recoverInterruptedWrites(volume, tree, user.path)))
      changed = true;
  }
  return changed;
}

/**
 * Finishes what a crash or a pulled drive interrupted (DESIGN §2: nothing half-written, nothing
 * orphaned): staging folders never held a pair under its real name and are removed, as are
 * interrupted deletions; an aside folder is the previous pair of a replacement, restored if the
 * replacement never arrived and removed otherwise. Says whether it changed anything.
 */
async function recoverInterruptedWrites(
  volume: FileVolume,
  tree: NpkiTree,
  user: string,
): Promise<boolean> {
  let changed = false;
  for (const entry of tree.children(user)) {
    const name = nameOf(entry);
    if (name.startsWith(stagingPrefix) || name.startsWith(deletePrefix)) {
      await volume.remove(entry.path);
      changed = true;
    } else if (name.startsWith(asidePrefix)) {
      const target = await asideTarget(volume, tree, entry.path);
      // An aside whose certificate cannot be read is a pair of unknown subject: kept as it is,
      // never deleted on a guess (scanNpki does not show it, the medium still holds it).
      if (target === undefined) continue;
      const taken = tree.child(user, target);
      if (taken === undefined || !visibleFolder(taken)) {
        await volume.rename(entry.path, volumePath(user, target));
        changed = true;
      } else if (readFolder(tree, '', target, taken.path) !== undefined) {
        // The replacement is in place (it has a certificate): the previous pair can go.
        await volume.remove(entry.path);
        changed = true;
      }
    }
  }
  return changed;
}
