/**
 * The NPKI layout (DESIGN §4.1): CA and DN folder names, and the scanning of an `NPKI/` tree on a
 * folder or a drive, bounded. The all-or-nothing write of a pair is pairWrite.ts.
 */
import type { Certificate } from '@peculiar/asn1-x509';
import { MalformedFileError, TruncatedFileError } from '../errors/index.js';
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
/** A previous pair moved aside while its replacement is renamed into place. */
export const asidePrefix = '.kiosk-aside-';

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
export class NpkiTree {
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

export function readFolder(
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

/**
 * Characters no folder name may hold: path separators and control characters anywhere, and what
 * FAT long names refuse (`: * ? " < > |`, Microsoft FAT32 specification §7), so that a pair
 * written to a folder can be copied to a USB drive and read on Windows.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters in names
const unsafeInFolderName = /[/\\\u0000-\u001f\u007f:*?"<>|]/;

export function checkFolderName(name: string, what: string): void {
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

export function nameOf(entry: TreeEntry): string {
  return baseNameOf(entry.path);
}

/** A folder, not a link, not hidden (staging, aside and deletion folders are hidden). */
export function visibleFolder(entry: TreeEntry): boolean {
  return entry.folder && !nameOf(entry).startsWith('.');
}

/** The DN folder an aside folder came from, from its certificate; undefined if unreadable. */
export async function asideTarget(
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
