import type { UsbDrive, VolumeUse } from '../../drivers/usbdrive/contract.js';
import { maxNpkiFileBytes } from '../npki/der.js';
import { scanNpki, type NpkiFiles, type NpkiFolder } from '../npki/layout.js';
import {
  deleteNpkiPair,
  recoverNpkiWrites,
  writeNpkiPair,
  type PairWriteStep,
} from '../npki/pairWrite.js';
import type { FileVolume } from '../shared/volume.js';

/** One certificate folder on a drive, with its files read (bounded). */
export interface PairOnDrive extends NpkiFolder {
  readonly signCert: Uint8Array;
  readonly signKey?: Uint8Array;
}

/** Cancellation and progress of a pair write. */
export interface PairOperation {
  readonly signal?: AbortSignal;
  readonly onStep?: (step: PairWriteStep) => void;
}

/** The certificate folders under NPKI/ (DriveNotFatError on a blank or foreign drive). */
export function readPairs(drive: UsbDrive, operation: PairOperation = {}): Promise<PairOnDrive[]> {
  return withVolume(drive, operation, false, readPairsOf);
}

/**
 * Writes `/NPKI/<CA>/USER/<DN>/` all or nothing (pairWrite.ts writeNpkiPair): the same protocol as
 * on a folder, so a pulled drive holds the previous content or the complete new pair.
 */
export async function writePair(
  drive: UsbDrive,
  caFolder: string,
  dnFolder: string,
  files: NpkiFiles,
  options: { replace: boolean } & PairOperation,
): Promise<void> {
  await withVolume(drive, options, true, (volume) =>
    writeNpkiPair(volume, caFolder, dnFolder, files, {
      replace: options.replace,
      ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
    }),
  );
}

/** Removes a certificate folder; false if there was none. */
export function deletePair(
  drive: UsbDrive,
  caFolder: string,
  dnFolder: string,
  operation: PairOperation = {},
): Promise<boolean> {
  return withVolume(drive, operation, true, (volume) => deleteNpkiPair(volume, caFolder, dnFolder));
}

/** Finishes or removes what interrupted writes left (pairWrite.ts recoverNpkiWrites). */
export function recoverPairs(drive: UsbDrive, operation: PairOperation = {}): Promise<boolean> {
  return withVolume(drive, operation, true, recoverNpkiWrites);
}

async function withVolume<T>(
  drive: UsbDrive,
  operation: PairOperation,
  writing: boolean,
  work: (volume: FileVolume) => Promise<T>,
): Promise<T> {
  const use: VolumeUse = {
    writing,
    ...(operation.signal === undefined ? {} : { signal: operation.signal }),
  };
  const volume = await drive.volume(use);
  try {
    return await work(volume);
  } finally {
    await volume.close?.();
  }
}

/** Every pair under /NPKI with its files' bytes. */
async function readPairsOf(volume: FileVolume): Promise<PairOnDrive[]> {
  const folders = await scanNpki(volume);
  // One read for every file: the volume reads them in one pass.
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
