import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { InputFileError } from '../errors/cli.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import { signActiveAuthentication } from '../../drivers/emrtd/aa.js';
import { parseMrz } from '../../drivers/emrtd/mrz.js';
import type { TestProfileManifest } from './testProfile.js';
import type { VirtualEmrtdOptions } from './virtualCard.js';

/** Files a profile holds are a few tens of kilobytes; a face of 1 MiB is already generous. */
const maxProfileFileBytes = 1024 * 1024;

/**
 * A document profile folder (scripts/emrtd-profile.mjs: profile.json and its files) as the
 * virtual card's options: the MRZ's BAC input, the files by FID, and the AA signer.
 */
export async function loadProfile(dir: string): Promise<VirtualEmrtdOptions> {
  const manifest = JSON.parse(
    (await readProfileFile(dir, 'profile.json')).toString('utf8'),
  ) as TestProfileManifest;
  const files = new Map<number, Uint8Array>();
  for (const [fid, name] of Object.entries(manifest.files)) {
    if (!/^[0-9a-fA-F]{4}$/.test(fid))
      throw new InputFileError(dir, `profile.json: file id ${fid}`);
    files.set(Number.parseInt(fid, 16), new Uint8Array(await readProfileFile(dir, name)));
  }
  const aaKey = createPrivateKey((await readProfileFile(dir, manifest.aaKey)).toString('utf8'));
  return {
    mrzInfo: parseMrz(manifest.mrz).mrzInfo,
    files,
    sign: (challenge) => new Uint8Array(signActiveAuthentication(aaKey, challenge)),
  };
}

async function readProfileFile(dir: string, name: string): Promise<Buffer> {
  // Names come from profile.json: no path may leave the profile folder.
  if (name.includes('..') || name.startsWith('/'))
    throw new InputFileError(dir, `profile names a file outside it: ${name}`);
  const read = await readBoundedFile(join(dir, name), maxProfileFileBytes);
  if (!read.ok) throw new InputFileError(join(dir, name), read.problem, { cause: read.cause });
  return read.bytes;
}
