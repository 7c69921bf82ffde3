import { open, stat } from 'node:fs/promises';
import { CertificateNotFoundError, InputFileError, MalformedFileError } from '../errors/index.js';
import { maxNpkiFileBytes } from '../npki/der.js';
import { scanNpkiRoot } from '../npki/layout.js';
import type { CertificateStore, StoredCertificate } from './contract.js';

/** `dir:PATH`: a folder that contains `NPKI/` (a home folder, a mounted drive's root). */
export class DirStore implements CertificateStore {
  readonly spec: string;

  constructor(readonly root: string) {
    this.spec = `dir:${root}`;
  }

  async list(): Promise<StoredCertificate[]> {
    // A folder that is not there is a mistyped path, not an empty medium.
    try {
      if (!(await stat(this.root)).isDirectory())
        throw new InputFileError(this.root, 'not a folder');
    } catch (cause) {
      if (cause instanceof InputFileError) throw cause;
      throw new InputFileError(this.root, (cause as NodeJS.ErrnoException).code ?? 'cannot open', {
        cause,
      });
    }
    const entries = await scanNpkiRoot(this.root);
    const found: StoredCertificate[] = [];
    for (const entry of entries) {
      found.push({
        id: entry.dir,
        caFolder: entry.caFolder,
        dnFolder: entry.dnFolder,
        certificate: await readBounded(entry.signCert, 'certificate'),
        hasKey: entry.signKey !== undefined,
      });
    }
    return found;
  }

  async readKeyFile(id: string): Promise<Uint8Array> {
    const entry = (await scanNpkiRoot(this.root)).find((e) => e.dir === id);
    if (entry?.signKey === undefined) throw new CertificateNotFoundError(`${id} (signPri.key)`);
    return readBounded(entry.signKey, 'privateKey');
  }
}

/** Reads at most maxNpkiFileBytes + 1 bytes so that a huge file is refused, not loaded. */
async function readBounded(path: string, kind: 'certificate' | 'privateKey'): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new InputFileError(path, (cause as NodeJS.ErrnoException).code ?? 'cannot open', {
      cause,
    });
  }
  try {
    const buffer = Buffer.alloc(maxNpkiFileBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxNpkiFileBytes) {
      throw new MalformedFileError(kind, `${path} is larger than ${maxNpkiFileBytes} bytes`);
    }
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
