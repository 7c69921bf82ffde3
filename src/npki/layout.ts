import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certificate } from '@peculiar/asn1-x509';
import {
  CertificateExistsError,
  MalformedFileError,
  StorageIoError,
  storageIoError,
} from '../errors/index.js';
import { readBoundedFile } from '../io/readBoundedFile.js';
import { dnValue, parseCertificate, subjectDn } from './certificate.js';
import { maxNpkiFileBytes } from './der.js';

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
 * Finds every certificate folder under `<root>/NPKI/<CA>/USER/`. `root` is a folder that contains
 * `NPKI` (a drive's root, a home folder). Folder and file names are matched case-insensitively;
 * links are not followed; at most scanLimits.entries are returned. Empty when there is no NPKI
 * folder; StorageIoError when the medium cannot be read.
 */
export async function scanNpkiRoot(root: string): Promise<NpkiEntry[]> {
  const npki = await childDir(root, 'NPKI');
  if (npki === undefined) return [];
  const entries: NpkiEntry[] = [];
  for (const caFolder of (await subdirs(npki)).slice(0, scanLimits.caFolders)) {
    const user = await childDir(join(npki, caFolder), 'USER');
    if (user === undefined) continue;
    for (const dnFolder of await subdirs(user)) {
      if (entries.length >= scanLimits.entries) return entries;
      const entry = await readEntry(caFolder, dnFolder, join(user, dnFolder));
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

async function readEntry(
  caFolder: string,
  dnFolder: string,
  dir: string,
): Promise<NpkiEntry | undefined> {
  const files = (await list(dir)).filter((d) => d.isFile()).map((d) => d.name);
  const find = (wanted: string): string | undefined => {
    const hit = files.find((f) => f.toLowerCase() === wanted.toLowerCase());
    return hit === undefined ? undefined : join(dir, hit);
  };
  const signCert = find(npkiFileNames.signCert);
  if (signCert === undefined) return undefined;
  const optional = Object.fromEntries(
    (['signKey', 'kmCert', 'kmKey'] as const).flatMap((key) => {
      const path = find(npkiFileNames[key]);
      return path === undefined ? [] : [[key, path]];
    }),
  );
  return { caFolder, dnFolder, dir, signCert, ...optional };
}

/** What to write into a DN folder: file name → bytes. */
export type NpkiFiles = Readonly<Partial<Record<keyof typeof npkiFileNames, Uint8Array>>>;

/**
 * Writes a certificate folder under `<root>/NPKI/<CA>/USER/<DN>/` all or nothing: the files go
 * into a hidden staging folder beside it, are flushed and read back, and the folder is renamed into
 * place (rename is atomic on one filesystem). An existing folder for the same DN is replaced only
 * with `replace: true`, by moving it aside first and removing it once the new one is in place.
 * What an interrupted earlier write left behind is recovered first. Links are refused. Returns the
 * final folder; StorageIoError when the medium fails.
 */
export async function writeNpkiFolder(
  root: string,
  caFolder: string,
  dnFolder: string,
  files: NpkiFiles,
  options: { replace: boolean },
): Promise<string> {
  checkFolderName(caFolder, 'CA folder');
  checkFolderName(dnFolder, 'subject');
  const user = await ensureDirs(root, ['NPKI', caFolder, 'USER']);
  await recoverInterruptedWrites(user);
  const existing = await childDir(user, dnFolder);
  if (existing !== undefined && !options.replace) throw new CertificateExistsError(existing);
  const staging = join(user, `${stagingPrefix}${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(staging);
    for (const [key, bytes] of Object.entries(files) as [
      keyof typeof npkiFileNames,
      Uint8Array,
    ][]) {
      await writeDurably(join(staging, npkiFileNames[key]), bytes);
    }
    await syncDir(staging);
    const target = existing ?? join(user, dnFolder);
    if (existing === undefined) {
      await rename(staging, target);
    } else {
      await swapInto(user, existing, staging);
    }
    await syncDir(user);
    return target;
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw storageIoError(staging, error);
  }
}

/** Replaces `existing` with `staging`, keeping the old pair if the swap fails half-way. */
async function swapInto(user: string, existing: string, staging: string): Promise<void> {
  const aside = join(user, `${asidePrefix}${randomBytes(6).toString('hex')}`);
  await rename(existing, aside);
  try {
    await rename(staging, existing);
  } catch (error) {
    try {
      await rename(aside, existing);
    } catch (restoreError) {
      // Both failed: recoverInterruptedWrites restores the aside folder on the next write.
      throw new StorageIoError(
        `${existing} (previous pair kept in ${aside})`,
        errnoOf(restoreError),
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  // The new pair is in place; an aside folder that cannot be removed now is removed next time.
  await rm(aside, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Finishes what a crash or a pulled drive interrupted (DESIGN §2: nothing half-written, nothing
 * orphaned): staging folders never held a pair under its real name and are removed; an aside
 * folder is the previous pair of a replacement, restored if the replacement never arrived and
 * removed otherwise.
 */
async function recoverInterruptedWrites(user: string): Promise<void> {
  for (const entry of await list(user)) {
    const path = join(user, entry.name);
    if (entry.name.startsWith(stagingPrefix)) {
      await rm(path, { recursive: true, force: true });
    } else if (entry.name.startsWith(asidePrefix)) {
      const target = await asideTarget(path);
      if (target !== undefined && (await childDir(user, target)) === undefined) {
        await rename(path, join(user, target));
      } else {
        await rm(path, { recursive: true, force: true });
      }
    }
  }
}

/** The DN folder an aside folder came from, from its certificate; undefined if unreadable. */
async function asideTarget(aside: string): Promise<string | undefined> {
  const entry = await readEntry('', '', aside);
  if (entry === undefined) return undefined;
  const read = await readBoundedFile(entry.signCert, maxNpkiFileBytes);
  if (!read.ok) return undefined;
  try {
    return dnFolderName(parseCertificate(read.bytes));
  } catch {
    return undefined;
  }
}

/** Creates (or finds, whatever their case) the folders of `path` below `root`, refusing links. */
async function ensureDirs(root: string, path: readonly string[]): Promise<string> {
  let dir = root;
  for (const name of path) {
    const found = await childDir(dir, name);
    const next = found ?? join(dir, name);
    try {
      if (found === undefined) {
        const stat = await lstat(next).catch(() => undefined);
        // A link (or a file) under this name: writing through it could land outside the medium.
        if (stat !== undefined)
          throw new StorageIoError(
            next,
            stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder',
          );
        await mkdir(next);
      }
    } catch (error) {
      throw storageIoError(next, error);
    }
    dir = next;
  }
  return dir;
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx+', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    const back = Buffer.alloc(bytes.length + 1);
    const { bytesRead } = await handle.read(back, 0, back.length, 0);
    if (bytesRead !== bytes.length || !back.subarray(0, bytesRead).equals(bytes)) {
      throw new StorageIoError(path, 'read-back differs from what was written');
    }
    back.fill(0);
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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

async function childDir(parent: string, name: string): Promise<string | undefined> {
  const hit = (await subdirs(parent)).find((d) => d.toLowerCase() === name.toLowerCase());
  return hit === undefined ? undefined : join(parent, hit);
}

/** Sub-folders, not links, not hidden (staging and aside folders are hidden). */
async function subdirs(dir: string): Promise<string[]> {
  return (await list(dir))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    const stat = await lstat(dir);
    if (!stat.isDirectory()) return [];
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storageIoError(dir, error);
  }
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'EIO';
}
