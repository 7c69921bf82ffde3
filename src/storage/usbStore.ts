import type { UsbDrive } from '../../drivers/usbdrive/contract.js';
import { CertificateNotFoundError } from '../errors/index.js';
import type { NpkiFiles } from '../npki/layout.js';
import type { NpkiMedium, StoredCertificate } from './contract.js';
import { readPairs, writePair } from './driveNpki.js';

/**
 * `usb:DEVICE`: a USB drive (or an image file) written without mounting. The drive is opened, with
 * its safety checks, at first use; every read looks at the drive as it is now.
 */
export class UsbStore implements NpkiMedium {
  readonly spec: string;
  private drive: Promise<UsbDrive> | undefined;

  constructor(
    private readonly device: string,
    private readonly openDrive: (device: string) => Promise<UsbDrive>,
  ) {
    this.spec = `usb:${device}`;
  }

  /** The drive must be safe to touch and carry a FAT file system (DriveNotFatError otherwise). */
  async prepare(): Promise<void> {
    await readPairs(await this.opened());
  }

  async list(): Promise<StoredCertificate[]> {
    return (await readPairs(await this.opened())).map((pair) => ({
      id: pair.dir,
      caFolder: pair.caFolder,
      dnFolder: pair.dnFolder,
      certificate: pair.signCert,
      hasKey: pair.signKey !== undefined,
    }));
  }

  async readKeyFile(id: string): Promise<Uint8Array> {
    const pair = (await readPairs(await this.opened())).find((p) => p.dir === id);
    if (pair?.signKey === undefined) throw new CertificateNotFoundError(`${id} (signPri.key)`);
    return pair.signKey;
  }

  async writePair(
    caFolder: string,
    dnFolder: string,
    files: NpkiFiles,
    options: { replace: boolean },
  ): Promise<string> {
    const drive = await this.opened();
    await writePair(drive, caFolder, dnFolder, files, options);
    return `${this.device}:/NPKI/${caFolder}/USER/${dnFolder}`;
  }

  private opened(): Promise<UsbDrive> {
    this.drive ??= this.openDrive(this.device);
    return this.drive;
  }
}
