import { randomBytes } from 'node:crypto';
import type { Certificate } from '@peculiar/asn1-x509';
import {
  CertificateExistsError,
  MalformedFileError,
  StorageIoError,
  TruncatedFileError,
} from '../errors/index.js';
import { dnValue, parseCertificate, subjectDn } from './certificate.js';
import { maxNpkiFileBytes } from './der.js';
import { FsVolume } from './fsVolume.js';
import {
  baseNameOf,
  parentOf,
  volumePath,
  type FileVolume,
  type TreeEntry,
} from '../shared/volume.js';

/** CA folder names as Korean software spells them (DESIGN §4.1). */
export const knownCaFolders = ['yessign', 'SignKorea', 'KICA', 'CrossCert', 'TradeSign', 'NCASign'];

/** File names inside a DN folder. Matched case-insensitively when reading. */
export const npkiFileNames = {
  signCert: 'signCert.der',
  signKey: 'signPri.key',
  kmCert: 'kmCert.der',
  kmKey: 'kmPri.key',
} as const;

/** One certificate folder found under an NPKI root. Paths are absolute. */
export interface NpkiEntry {
  readonly caFolder: string;
  readonly dnFolder: string;
  readonly dir: string;
  readonly signCert: string;
  /** Absent when the folder has a certificate but no key (a broken copy). */
  readonly signKey?: string;
  readonly kmCert?: string;
  readonly kmKey?: string;
}

/**
 * Bounds for scanning a medium we did not write: a hostile drive must not stall the kiosk or
 * fill its memory. A person holds a handful of certificates; more than this is not a real medium.
 */
export const scanLimits = { caFolders: 32, entries: 256 } as const;
/** A folder being written; never a complete pair under its real name. */
const stagingPrefix = '.kiosk-staging-';
/** A previous pair moved aside while its replacement is renamed into place. */
const asidePrefix = '.kiosk-aside-';
/** A pair being deleted: renamed first, so a pull leaves it whole or gone. */
const deletePrefix = '.kiosk-delete-';

/** The steps of an all-or-nothing pair write, for progress and for fault tests. */
export type PairWriteStep = 'recover' | 'folders' | 'stage' | 'verify' | 'swap' | 'cleanup';

/**
 * The CA folder for a certificate: the issuer's organisation, spelt as Korean software spells the
 * folder when it is a known CA (the issuer says `yessign`, `KICA`, `SignKorea`, …).
 */
export function caFolderFor(certificate: Certificate): string {
  const org = dnValue(certificate.tbsCertificate.issuer, 'o') ?? 'unknown';
  return knownCaFolders.find((ca) => ca.toLowerCase() === org.toLowerCase()) ?? org;
}

/**
 * The DN folder name: the subject DN leaf first, lower-case keys, commas without spaces, values
 * exactly as in the certificate (DESIGN §4.1). Throws MalformedFileError for a subject that cannot
 * be a single folder name (path separators, control characters, `.`/`..`, over 255 bytes).
 */
export function dnFolderName(certificate: Certificate): string {
  const name = subjectDn(certificate.tbsCertificate.subject);
  checkFolderName(name, 'subject');
  return name;
}

/**
 * Finds every certificate folder under `/NPKI/<CA>/USER/` of a medium. Folder and file names are
 * matched case-insensitively (FAT does, and Korean software writes either case); links are not
 * followed; at most scanLimits.entries are returned. A replacement interrupted between moving
 * the previous pair aside and renaming the new one in (a drive pulled there) shows the previous
 * pair under its real folder name, as the next write restores it. Empty without an NPKI folder.
 */
export async function scanNpki(volume: FileVolume): Promise<NpkiFolder[]> {
  const tree = await NpkiTree.read(volume);
  if (tree === undefined) return [];
  const found: NpkiFolder[] = [];
  for (const ca of tree.children(tree.root).filter(visibleFolder).slice(0, scanLimits.caFolders)) {
    const user = tree.child(ca.path, 'USER');
    if (user?.folder !== true) continue;
    const entries = tree.children(user.path).filter((e) => e.folder);
    const present = new Set(entries.filter(visibleFolder).map((e) => nameOf(e).toLowerCase()));
    for (const entry of entries) {
      if (found.length >= scanLimits.entries) return found;
      let dnFolder = nameOf(entry);
      if (!visibleFolder(entry)) {
        if (!dnFolder.startsWith(asidePrefix)) continue;
        const target = await asideTarget(volume, tree, entry.path);
        if (target === undefined || present.has(target.toLowerCase())) continue;
        dnFolder = target;
      }
      const folder = readFolder(tree, nameOf(ca), dnFolder, entry.path);
      if (folder !== undefined) found.push(folder);
    }
  }
  return found;
}

/** A certificate folder on a medium; paths are the medium's (volume.ts). */
export interface NpkiFolder {
  readonly caFolder: string;
  readonly dnFolder: string;
  readonly dir: string;
  readonly files: Readonly<Partial<Record<keyof typeof npkiFileNames, string>>>;
}

/** One listing of `/NPKI`, looked up case-insensitively: what the layout decides from. */
class NpkiTree {
  private readonly byKey = new Map<string, TreeEntry>();

  private constructor(
    /** The NPKI folder as the medium spells it. */
    readonly root: string,
    readonly entries: readonly TreeEntry[],
  ) {
    for (const entry of entries) this.byKey.set(entry.path.toLowerCase(), entry);
  }

  static async read(volume: FileVolume): Promise<NpkiTree | undefined> {
    const listed = await volume.listTree('/NPKI');
    return listed === undefined ? undefined : new NpkiTree(listed.path, listed.entries);
  }

  children(dir: string): TreeEntry[] {
    const prefix = `${dir.toLowerCase()}/`;
    return this.entries.filter((e) => parentOf(e.path).toLowerCase() === prefix.slice(0, -1));
  }

  child(dir: string, name: string): TreeEntry | undefined {
    return this.byKey.get(volumePath(dir, name).toLowerCase());
  }
}

function readFolder(
  tree: NpkiTree,
  caFolder: string,
  dnFolder: string,
  dir: string,
): NpkiFolder | undefined {
  const names = tree
    .children(dir)
    .filter((e) => e.file)
    .map(nameOf);
  const files = Object.fromEntries(
    (Object.keys(npkiFileNames) as (keyof typeof npkiFileNames)[]).flatMap((key) => {
      const hit = names.find((n) => n.toLowerCase() === npkiFileNames[key].toLowerCase());
      return hit === undefined ? [] : [[key, volumePath(dir, hit)]];
    }),
  );
  if (files.signCert === undefined) return undefined;
  return { caFolder, dnFolder, dir, files };
}

/** scanNpki on a folder, with absolute paths (`dir:` storage). */
export async function scanNpkiRoot(root: string): Promise<NpkiEntry[]> {
  const volume = new FsVolume(root);
  return (await scanNpki(volume)).map((f) => {
    const optional = Object.fromEntries(
      (['signKey', 'kmCert', 'kmKey'] as const).flatMap((key) => {
        const path = f.files[key];
        return path === undefined ? [] : [[key, volume.pathOf(path)]];
      }),
    );
    return {
      caFolder: f.caFolder,
      dnFolder: f.dnFolder,
      dir: volume.pathOf(f.dir),
      signCert: volume.pathOf(f.files.signCert ?? ''),
      ...optional,
    };
  });
}

/** What to write into a DN folder: file name → bytes. */
export type NpkiFiles = Readonly<Partial<Record<keyof typeof npkiFileNames, Uint8Array>>>;

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

/** The DN folder an aside folder came from, from its certificate; undefined if unreadable. */
async function asideTarget(
  volume: FileVolume,
  tree: NpkiTree,
  aside: string,
): Promise<string | undefined> {
  const cert = readFolder(tree, '', '', aside)?.files.signCert;
  if (cert === undefined) return undefined;
  // A medium that cannot be read now throws: nothing is decided on a failed read.
  const [bytes] = await volume.readFiles([cert], maxNpkiFileBytes);
  try {
    return dnFolderName(parseCertificate(bytes ?? new Uint8Array(0)));
  } catch (error) {
    if (error instanceof MalformedFileError || error instanceof TruncatedFileError)
      return undefined;
    throw error;
  }
}

/**
 * Characters no folder name may hold: path separators and control characters anywhere, and what
 * FAT long names refuse (`: * ? " < > |`, Microsoft FAT32 specification §7), so that a pair
 * written to a folder can be copied to a USB drive and read on Windows.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters in names
const unsafeInFolderName = /[/\\\u0000-\u001f\u007f:*?"<>|]/;

function checkFolderName(name: string, what: string): void {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    unsafeInFolderName.test(name) ||
    // FAT drops a trailing dot or space, so the folder would not be found again by its name.
    /[. ]$/.test(name) ||
    Buffer.byteLength(name) > 255
  ) {
    throw new MalformedFileError(
      'certificate',
      `${what} cannot be a folder name: ${JSON.stringify(name)}`,
    );
  }
}

function nameOf(entry: TreeEntry): string {
  return baseNameOf(entry.path);
}

/** A folder, not a link, not hidden (staging, aside and deletion folders are hidden). */
function visibleFolder(entry: TreeEntry): boolean {
  return entry.folder && !nameOf(entry).startsWith('.');
}
