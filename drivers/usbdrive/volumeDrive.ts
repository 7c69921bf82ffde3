import { maxNpkiFileBytes } from '../../src/npki/der.js';
import { deleteNpkiPair, scanNpki, writeNpkiPair, type NpkiFiles } from '../../src/npki/layout.js';
import type { NpkiVolume } from '../../src/npki/volume.js';
import type { DriveIdentity, DriveOperation, PairOnDrive, UsbDrive } from './contract.js';

/** What a volume is opened for: the caller's signal, and whether it will write. */
export interface VolumeUse {
  readonly signal?: AbortSignal;
  readonly writing: boolean;
}

/** What differs between a real drive and the fake: how to reach its volume, format, eject. */
export interface DriveBackend {
  readonly identity: DriveIdentity;
  /** The FAT volume as it is now (DriveNotFatError when there is none, maybe at its first call). */
  volume(use: VolumeUse): Promise<NpkiVolume>;
  format(label: string, operation: DriveOperation): Promise<void>;
  eject(): Promise<void>;
}

/**
 * A UsbDrive over a backend: the NPKI reading and the all-or-nothing pair write are the layout's
 * (src/npki/layout.ts), the same code for folders, real drives and the fake.
 */
export class VolumeDrive implements UsbDrive {
  constructor(private readonly backend: DriveBackend) {}

  get identity(): DriveIdentity {
    return this.backend.identity;
  }

  readPairs(operation: DriveOperation = {}): Promise<PairOnDrive[]> {
    return this.withVolume(operation, false, (volume) => readPairsOf(volume));
  }

  format(label: string, operation: DriveOperation = {}): Promise<void> {
    return this.backend.format(label, operation);
  }

  async writePair(
    caFolder: string,
    dnFolder: string,
    files: NpkiFiles,
    options: { replace: boolean } & DriveOperation,
  ): Promise<void> {
    await this.withVolume(options, true, (volume) =>
      writeNpkiPair(volume, caFolder, dnFolder, files, {
        replace: options.replace,
        ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
      }),
    );
  }

  deletePair(caFolder: string, dnFolder: string, operation: DriveOperation = {}): Promise<boolean> {
    return this.withVolume(operation, true, (volume) => deleteNpkiPair(volume, caFolder, dnFolder));
  }

  eject(): Promise<void> {
    return this.backend.eject();
  }

  private async withVolume<T>(
    operation: DriveOperation,
    writing: boolean,
    work: (volume: NpkiVolume) => Promise<T>,
  ): Promise<T> {
    const volume = await this.backend.volume({
      writing,
      ...(operation.signal === undefined ? {} : { signal: operation.signal }),
    });
    try {
      return await work(volume);
    } finally {
      await volume.close?.();
    }
  }
}

/** Every pair under /NPKI with its files' bytes. */
async function readPairsOf(volume: NpkiVolume): Promise<PairOnDrive[]> {
  const folders = await scanNpki(volume);
  // One read for every file: on a drive each read is an mtools process.
  const wanted = folders.flatMap((f) =>
    [f.files.signCert, f.files.signKey].filter((p) => p !== undefined),
  );
  const bytes = wanted.length === 0 ? [] : await volume.readFiles(wanted, maxNpkiFileBytes);
  const byPath = new Map(wanted.map((p, i) => [p, bytes[i] ?? new Uint8Array(0)]));
  return folders.flatMap((folder) => {
    const signCert = byPath.get(folder.files.signCert ?? '');
    if (signCert === undefined) return [];
    const signKey = byPath.get(folder.files.signKey ?? '');
    return [{ ...folder, signCert, ...(signKey === undefined ? {} : { signKey }) }];
  });
}
