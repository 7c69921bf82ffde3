import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certificate } from '@peculiar/asn1-x509';
import { CertificateExistsError, MalformedFileError } from '../errors/index.js';
import { dnAttributes, dnValue } from './certificate.js';

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

/** Bounds for scanning a medium we did not write: a hostile drive must not stall the kiosk. */
const scanLimits = { caFolders: 64, dnFoldersPerCa: 256 } as const;
/** Staging folders of an unfinished write start with this; scans skip dot-folders. */
const stagingPrefix = '.kiosk-staging-';

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
 * as in the certificate (DESIGN §4.1). Throws MalformedFileError for a subject that cannot be a
 * single folder name (path separators, control characters, `.`/`..`).
 */
export function dnFolderName(certificate: Certificate): string {
  const name = dnAttributes(certificate.tbsCertificate.subject)
    .reverse()
    .map((a) => `${a.key}=${a.value}`)
    .join(',');
  checkFolderName(name, 'subject');
  return name;
}

/**
 * Finds every certificate folder under `<root>/NPKI/<CA>/USER/`. `root` is a folder that contains
 * `NPKI` (a drive's root, a home folder). Folder and file names are matched case-insensitively;
 * links are not followed. An empty list when there is no NPKI folder.
 */
export async function scanNpkiRoot(root: string): Promise<NpkiEntry[]> {
  const npki = await childDir(root, 'NPKI');
  if (npki === undefined) return [];
  const entries: NpkiEntry[] = [];
  for (const caFolder of (await subdirs(npki)).slice(0, scanLimits.caFolders)) {
    const user = await childDir(join(npki, caFolder), 'USER');
    if (user === undefined) continue;
    for (const dnFolder of (await subdirs(user)).slice(0, scanLimits.dnFoldersPerCa)) {
      const dir = join(user, dnFolder);
      const files = await filesIn(dir);
      const find = (wanted: string): string | undefined => {
        const hit = files.find((f) => f.toLowerCase() === wanted.toLowerCase());
        return hit === undefined ? undefined : join(dir, hit);
      };
      const signCert = find(npkiFileNames.signCert);
      if (signCert === undefined) continue;
      const optional = {
        signKey: find(npkiFileNames.signKey),
        kmCert: find(npkiFileNames.kmCert),
        kmKey: find(npkiFileNames.kmKey),
      };
      entries.push({
        caFolder,
        dnFolder,
        dir,
        signCert,
        ...(Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as {
          signKey?: string;
          kmCert?: string;
          kmKey?: string;
        }),
      });
    }
  }
  return entries;
}

/** What to write into a DN folder: file name → bytes. */
export type NpkiFiles = Readonly<Partial<Record<keyof typeof npkiFileNames, Uint8Array>>>;

/**
 * Writes a certificate folder under `<root>/NPKI/<CA>/USER/<DN>/` all or nothing: the files go
 * into a hidden staging folder beside it, are flushed and read back, and the folder is renamed into
 * place (rename is atomic on one filesystem). An existing folder for the same DN is replaced only
 * with `replace: true`, by moving it aside first and removing it once the new one is in place.
 * Returns the final folder.
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
  const npki = (await childDir(root, 'NPKI')) ?? join(root, 'NPKI');
  const ca = (await childDir(npki, caFolder)) ?? join(npki, caFolder);
  const user = (await childDir(ca, 'USER')) ?? join(ca, 'USER');
  await mkdir(user, { recursive: true });
  const existing = await childDir(user, dnFolder);
  if (existing !== undefined && !options.replace) {
    throw new CertificateExistsError(existing);
  }
  const staging = join(user, `${stagingPrefix}${randomBytes(6).toString('hex')}`);
  await mkdir(staging);
  try {
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
      const aside = join(user, `${stagingPrefix}old-${randomBytes(6).toString('hex')}`);
      await rename(existing, aside);
      try {
        await rename(staging, target);
      } catch (error) {
        // Put the previous certificate back: the medium keeps the old pair rather than none.
        await rename(aside, existing);
        throw error;
      }
      await rm(aside, { recursive: true, force: true });
    }
    await syncDir(user);
    return target;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx+', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    const back = Buffer.alloc(bytes.length + 1);
    const { bytesRead } = await handle.read(back, 0, back.length, 0);
    if (bytesRead !== bytes.length || !back.subarray(0, bytesRead).equals(bytes)) {
      throw new Error(`read-back of ${path} differs from what was written`);
    }
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

async function subdirs(dir: string): Promise<string[]> {
  return (await list(dir))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
}

async function filesIn(dir: string): Promise<string[]> {
  return (await list(dir)).filter((d) => d.isFile()).map((d) => d.name);
}

async function list(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    const stat = await lstat(dir);
    if (!stat.isDirectory()) return [];
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
