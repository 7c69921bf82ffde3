import { randomBytes } from 'node:crypto';
import type { Certificate } from '@peculiar/asn1-x509';
import { CertificateExistsError, MalformedFileError, StorageIoError } from '../errors/index.js';
import { dnValue, parseCertificate, subjectDn } from './certificate.js';
import { maxNpkiFileBytes } from './der.js';
import { FsVolume } from './fsVolume.js';
import { volumePath, type NpkiVolume, type VolumeEntry } from './volume.js';

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
export async function scanNpki(volume: NpkiVolume): Promise<NpkiFolder[]> {
  const npki = await childFolder(volume, '/', 'NPKI');
  if (npki === undefined) return [];
  const found: NpkiFolder[] = [];
  for (const caFolder of (await subfolders(volume, npki)).slice(0, scanLimits.caFolders)) {
    const user = await childFolder(volume, volumePath(npki, caFolder), 'USER');
    if (user === undefined) continue;
    const entries = (await volume.list(user)) ?? [];
    const present = new Set(entries.filter(visibleFolder).map((e) => e.name.toLowerCase()));
    for (const entry of entries.filter((e) => e.folder)) {
      if (found.length >= scanLimits.entries) return found;
      const dir = volumePath(user, entry.name);
      let dnFolder = entry.name;
      if (!visibleFolder(entry)) {
        if (!entry.name.startsWith(asidePrefix)) continue;
        const target = await asideTarget(volume, dir);
        if (target === undefined || present.has(target.toLowerCase())) continue;
        dnFolder = target;
      }
      const folder = await readFolder(volume, caFolder, dnFolder, dir);
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

async function readFolder(
  volume: NpkiVolume,
  caFolder: string,
  dnFolder: string,
  dir: string,
): Promise<NpkiFolder | undefined> {
  const names = ((await volume.list(dir)) ?? []).filter((e) => e.file).map((e) => e.name);
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
 * beside it, are read back and compared, and the folder is renamed into place. An existing folder
 * for the same DN is replaced only with `replace`, by moving it aside, renaming the new one in and
 * removing the old one. A failure at any step leaves the previous pair or the complete new one
 * under the real name (or, between the two renames, the previous pair aside, which scanNpki shows
 * and the next write restores); never a partial key file. Returns the folder's volume path.
 */
export async function writeNpkiPair(
  volume: NpkiVolume,
  caFolder: string,
  dnFolder: string,
  files: NpkiFiles,
  options: PairWriteOptions,
): Promise<string> {
  checkFolderName(caFolder, 'CA folder');
  checkFolderName(dnFolder, 'subject');
  const step = options.onStep ?? (() => undefined);
  step('folders');
  const user = await ensureFolders(volume, ['NPKI', caFolder, 'USER']);
  step('recover');
  await recoverInterruptedWrites(volume, user);
  const existing = await childFolder(volume, user, dnFolder);
  if (existing !== undefined && !options.replace)
    throw new CertificateExistsError(`${volume.name}${existing}`);
  const staging = volumePath(user, `${stagingPrefix}${randomBytes(6).toString('hex')}`);
  try {
    step('stage');
    await volume.mkdir(staging);
    const written = (Object.entries(files) as [keyof typeof npkiFileNames, Uint8Array][]).map(
      ([key, bytes]) => ({ path: volumePath(staging, npkiFileNames[key]), bytes }),
    );
    for (const file of written) await volume.write(file.path, file.bytes);
    step('verify');
    for (const file of written) {
      const back = await volume.read(file.path, maxNpkiFileBytes);
      if (!Buffer.from(back).equals(file.bytes))
        throw new StorageIoError(
          `${volume.name}${file.path}`,
          'read-back differs from what was written',
        );
    }
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
  volume: NpkiVolume,
  caFolder: string,
  dnFolder: string,
): Promise<boolean> {
  const npki = await childFolder(volume, '/', 'NPKI');
  const ca = npki === undefined ? undefined : await childFolder(volume, npki, caFolder);
  const user = ca === undefined ? undefined : await childFolder(volume, ca, 'USER');
  const existing = user === undefined ? undefined : await childFolder(volume, user, dnFolder);
  if (user === undefined || existing === undefined) return false;
  const doomed = volumePath(user, `.kiosk-delete-${randomBytes(6).toString('hex')}`);
  await volume.rename(existing, doomed);
  await volume.remove(doomed);
  return true;
}

/** Replaces `existing` with `staging`, keeping the old pair if the swap fails half-way. */
async function swapInto(
  volume: NpkiVolume,
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
    // Put the previous pair back; if that fails too (the drive is gone), the next write does.
    await volume.rename(aside, existing).catch(() => undefined);
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
 * replacement never arrived and removed otherwise.
 */
async function recoverInterruptedWrites(volume: NpkiVolume, user: string): Promise<void> {
  for (const entry of (await volume.list(user)) ?? []) {
    const path = volumePath(user, entry.name);
    if (entry.name.startsWith(stagingPrefix) || entry.name.startsWith('.kiosk-delete-')) {
      await volume.remove(path);
    } else if (entry.name.startsWith(asidePrefix)) {
      const target = await asideTarget(volume, path);
      if (target !== undefined && (await childFolder(volume, user, target)) === undefined) {
        await volume.rename(path, volumePath(user, target));
      } else {
        await volume.remove(path);
      }
    }
  }
}

/** The DN folder an aside folder came from, from its certificate; undefined if unreadable. */
async function asideTarget(volume: NpkiVolume, aside: string): Promise<string | undefined> {
  const folder = await readFolder(volume, '', '', aside);
  if (folder?.files.signCert === undefined) return undefined;
  try {
    return dnFolderName(
      parseCertificate(await volume.read(folder.files.signCert, maxNpkiFileBytes)),
    );
  } catch {
    return undefined;
  }
}

/** Creates (or finds, whatever their case) the folders of `path` below the root. */
async function ensureFolders(volume: NpkiVolume, path: readonly string[]): Promise<string> {
  let dir = '/';
  for (const name of path) {
    const entries = (await volume.list(dir)) ?? [];
    const found = entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
    const next = volumePath(dir, found?.name ?? name);
    if (found === undefined) await volume.mkdir(next);
    // A link or a file under this name: writing through it could land outside the medium.
    else if (!found.folder)
      throw new StorageIoError(
        `${volume.name}${next}`,
        found.file ? 'not a folder' : 'a symbolic link',
      );
    dir = next;
  }
  return dir;
}

// eslint-disable-next-line no-control-regex -- refusing control characters in names
const unsafeInFolderName = /[/\\\u0000-\u001f\u007f]/;

function checkFolderName(name: string, what: string): void {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    unsafeInFolderName.test(name) ||
    Buffer.byteLength(name) > 255
  ) {
    throw new MalformedFileError(
      'certificate',
      `${what} cannot be a folder name: ${JSON.stringify(name)}`,
    );
  }
}

async function childFolder(
  volume: NpkiVolume,
  parent: string,
  name: string,
): Promise<string | undefined> {
  const hit = (await subfolders(volume, parent)).find(
    (d) => d.toLowerCase() === name.toLowerCase(),
  );
  return hit === undefined ? undefined : volumePath(parent, hit);
}

/** Sub-folders, not links, not hidden (staging and aside folders are hidden). */
async function subfolders(volume: NpkiVolume, dir: string): Promise<string[]> {
  return ((await volume.list(dir)) ?? []).filter(visibleFolder).map((e) => e.name);
}

function visibleFolder(entry: VolumeEntry): boolean {
  return entry.folder && !entry.name.startsWith('.');
}
