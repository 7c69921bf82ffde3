import { maxNpkiFileBytes } from '../../src/npki/der.js';
import { deleteNpkiPair, scanNpki, writeNpkiPair, type NpkiFiles } from '../../src/npki/layout.js';
import type { NpkiVolume } from '../../src/npki/volume.js';
import type { DriveIdentity, DriveOperation, PairOnDrive, UsbDrive } from './contract.js';

/** What differs between a real drive and the fake: how to reach its volume, format, eject. */
export interface DriveBackend {
  readonly identity: DriveIdentity;
  /** The FAT volume as it is now (DriveNotFatError when there is none). */
  volume(signal?: AbortSignal): Promise<NpkiVolume>;
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

  async readPairs(operation: DriveOperation = {}): Promise<PairOnDrive[]> {
    const volume = await this.backend.volume(operation.signal);
    const pairs: PairOnDrive[] = [];
    for (const folder of await scanNpki(volume)) {
      const { signCert, signKey } = folder.files;
      if (signCert === undefined) continue;
      pairs.push({
        ...folder,
        signCert: await volume.read(signCert, maxNpkiFileBytes),
        ...(signKey === undefined ? {} : { signKey: await volume.read(signKey, maxNpkiFileBytes) }),
      });
    }
    return pairs;
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
    const volume = await this.backend.volume(options.signal);
    await writeNpkiPair(volume, caFolder, dnFolder, files, {
      replace: options.replace,
      ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
    });
  }

  async deletePair(
    caFolder: string,
    dnFolder: string,
    operation: DriveOperation = {},
  ): Promise<boolean> {
    return deleteNpkiPair(await this.backend.volume(operation.signal), caFolder, dnFolder);
  }

  eject(): Promise<void> {
    return this.backend.eject();
  }
}
