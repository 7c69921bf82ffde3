import { stat } from 'node:fs/promises';
import {
  CertificateNotFoundError,
  InputFileError,
  MalformedFileError,
  StorageIoError,
  type NpkiFileKind,
} from '../errors/index.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import { maxNpkiFileBytes } from '../npki/der.js';
import { scanNpkiRoot, type NpkiFiles } from '../npki/layout.js';
import { writeNpkiFolder } from '../npki/pairWrite.js';
import type { NpkiMedium, StoredCertificate } from './contract.js';

/** `dir:PATH`: a folder that contains `NPKI/` (a home folder, a mounted drive's root). */
export class DirStore implements NpkiMedium {
  readonly spec: string;

  constructor(readonly root: string) {
    this.spec = `dir:${root}`;
  }

  /** A folder that is not there is a mistyped path, not an empty medium. */
  async prepare(): Promise<void> {
    const root = await stat(this.root).catch((cause: unknown) => {
      throw new InputFileError(this.root, (cause as NodeJS.ErrnoException).code ?? 'cannot open', {
        cause,
      });
    });
    if (!root.isDirectory()) throw new InputFileError(this.root, 'not a folder');
  }

  writePair(
    caFolder: string,
    dnFolder: string,
    files: NpkiFiles,
    options: { replace: boolean },
  ): Promise<string> {
    return writeNpkiFolder(this.root, caFolder, dnFolder, files, options);
  }

  async list(): Promise<StoredCertificate[]> {
    await this.prepare();
    const found: StoredCertificate[] = [];
    for (const entry of await scanNpkiRoot(this.root)) {
      found.push({
        id: entry.dir,
        caFolder: entry.caFolder,
        dnFolder: entry.dnFolder,
        certificate: await readNpkiFile(entry.signCert, 'certificate'),
        hasKey: entry.signKey !== undefined,
      });
    }
    return found;
  }

  async readKeyFile(id: string): Promise<Uint8Array> {
    const entry = (await scanNpkiRoot(this.root)).find((e) => e.dir === id);
    if (entry?.signKey === undefined) throw new CertificateNotFoundError(`${id} (signPri.key)`);
    return readNpkiFile(entry.signKey, 'privateKey');
  }
}

/** Reads a certificate or key file, bounded; typed errors for what the medium does wrong. */
async function readNpkiFile(path: string, kind: NpkiFileKind): Promise<Uint8Array> {
  const read = await readBoundedFile(path, maxNpkiFileBytes);
  if (read.ok) return read.bytes;
  if (read.problem.startsWith('larger than'))
    throw new MalformedFileError(kind, `${path} is ${read.problem}`);
  throw new StorageIoError(path, read.problem, { cause: read.cause });
}
