import { createHash } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UsbDrive, UsbDriveDriver } from '../../drivers/usbdrive/contract.js';
import {
  CertificateExistsError,
  DriveNotFatError,
  UnsafeDriveError,
} from '../../src/errors/index.js';
import { parseCertificate } from '../../src/npki/certificate.js';
import { caFolderFor, dnFolderName } from '../../src/npki/layout.js';
import { deletePair, readPairs, writePair } from '../../src/storage/driveNpki.js';
import { readYessign } from '../support/fixtures.js';
import { writeSampleNpki } from '../support/npkiSample.js';
import { tempDir } from '../support/tempDir.js';

/** A driver with a drive of its own (STYLE #14), and how to dispose of it. */
export interface UsbDriveTarget {
  readonly driver: UsbDriveDriver;
  /** A blank drive (no file system), safe to use. */
  readonly blank: string;
  /** A device the driver must refuse whatever is asked (too large, not removable…). */
  readonly unsafe: string;
  cleanup(): Promise<void>;
}

/** An NPKI pair to write: its CA and DN folders and files. */
export interface PairToWrite {
  readonly caFolder: string;
  readonly dnFolder: string;
  readonly files: { readonly signCert: Uint8Array; readonly signKey: Uint8Array };
}

/** The yessign fixture pair (a real CA's certificate, Korean DN). */
export function yessignPair(): PairToWrite {
  const signCert = new Uint8Array(readYessign('signCert.der'));
  const certificate = parseCertificate(signCert);
  return {
    caFolder: caFolderFor(certificate),
    dnFolder: dnFolderName(certificate),
    files: { signCert, signKey: new Uint8Array(readYessign('signPri.key')) },
  };
}

/** A second, different pair (made like a Korean CA makes them). */
export async function samplePair(): Promise<PairToWrite> {
  const sample = await writeSampleNpki(tempDir('sample-'));
  const certificate = parseCertificate(sample.certificate);
  return {
    caFolder: caFolderFor(certificate),
    dnFolder: dnFolderName(certificate),
    files: { signCert: sample.certificate, signKey: sample.keyFile },
  };
}

/** The pairs a drive shows, as comparable data. */
export async function pairsOn(drive: UsbDrive): Promise<string[]> {
  return (await readPairs(drive))
    .map((p) => describe3(p.caFolder, p.dnFolder, p.signCert, p.signKey))
    .sort();
}

/** A pair as pairsOn shows it: folders and hashes of both files. */
export function describePair(pair: PairToWrite): string {
  return describe3(pair.caFolder, pair.dnFolder, pair.files.signCert, pair.files.signKey);
}

function describe3(ca: string, dn: string, cert?: Uint8Array, key?: Uint8Array): string {
  const hash = (b?: Uint8Array): string =>
    b === undefined ? '-' : createHash('sha256').update(b).digest('hex').slice(0, 16);
  return `${ca}/${dn}: cert ${hash(cert)} key ${hash(key)}`;
}

/**
 * What every UsbDriveDriver does (drivers/usbdrive/contract.ts): run against the fake in the
 * contract project and against image files (and a loop device where losetup works) in the
 * integration project.
 */
export function usbDriveContractSuite(
  name: string,
  makeTarget: () => Promise<UsbDriveTarget>,
): void {
  describe(`USB drive contract: ${name}`, () => {
    let target: UsbDriveTarget;
    let yessign: PairToWrite;
    let sample: PairToWrite;

    beforeAll(async () => {
      yessign = yessignPair();
      sample = await samplePair();
    });
    beforeEach(async () => {
      target = await makeTarget();
    });
    afterEach(async () => {
      await target.cleanup();
    });

    async function formatted(): Promise<UsbDrive> {
      const drive = await target.driver.open(target.blank);
      await drive.format('KIOSK');
      return drive;
    }

    it('refuses an unsafe device, naming why', async () => {
      const error = await target.driver.open(target.unsafe).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsafeDriveError);
      expect((error as UnsafeDriveError).problems.length).toBeGreaterThan(0);
    });

    it('a blank drive has no FAT until formatted; then it is empty', async () => {
      const drive = await target.driver.open(target.blank);
      expect(drive.identity.sizeBytes).toBeGreaterThan(0);
      await expect(readPairs(drive)).rejects.toBeInstanceOf(DriveNotFatError);
      const steps: string[] = [];
      await drive.format('KIOSK', { onStep: (s) => steps.push(s) });
      expect(steps).toEqual(['format', 'check']);
      expect(await readPairs(drive)).toEqual([]);
    });

    it('writes a pair under NPKI/<CA>/USER/<DN> with its Korean name, byte for byte', async () => {
      const drive = await formatted();
      await writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, { replace: false });
      const [pair, ...others] = await readPairs(drive);
      expect(others).toEqual([]);
      expect(pair?.caFolder).toBe(yessign.caFolder);
      expect(pair?.dnFolder).toBe(yessign.dnFolder);
      expect(pair?.dir).toBe(`/NPKI/${yessign.caFolder}/USER/${yessign.dnFolder}`);
      expect(Buffer.from(pair?.signCert ?? []).equals(yessign.files.signCert)).toBe(true);
      expect(Buffer.from(pair?.signKey ?? []).equals(yessign.files.signKey)).toBe(true);
    });

    it('keeps the pairs already there when adding one; replaces one only when asked', async () => {
      const drive = await formatted();
      await writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, { replace: false });
      await writePair(drive, sample.caFolder, sample.dnFolder, sample.files, { replace: false });
      expect(await pairsOn(drive)).toEqual([describePair(yessign), describePair(sample)].sort());
      const renewed = { signCert: yessign.files.signCert, signKey: sample.files.signKey };
      await expect(
        writePair(drive, yessign.caFolder, yessign.dnFolder, renewed, { replace: false }),
      ).rejects.toBeInstanceOf(CertificateExistsError);
      await writePair(drive, yessign.caFolder, yessign.dnFolder, renewed, { replace: true });
      expect(await pairsOn(drive)).toEqual(
        [describePair({ ...yessign, files: renewed }), describePair(sample)].sort(),
      );
    });

    it('deletes a pair, and says when there was none', async () => {
      const drive = await formatted();
      await writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, { replace: false });
      await writePair(drive, sample.caFolder, sample.dnFolder, sample.files, { replace: false });
      expect(await deletePair(drive, yessign.caFolder, yessign.dnFolder)).toBe(true);
      expect(await deletePair(drive, yessign.caFolder, yessign.dnFolder)).toBe(false);
      expect(await pairsOn(drive)).toEqual([describePair(sample)]);
    });

    it('reports the write steps in order', async () => {
      const drive = await formatted();
      const steps: string[] = [];
      await writePair(drive, yessign.caFolder, yessign.dnFolder, yessign.files, {
        replace: false,
        onStep: (s) => steps.push(s),
      });
      expect(steps).toEqual(['folders', 'recover', 'stage', 'verify', 'swap']);
    });
  });
}
