import {
  generateTestProfile,
  writeTestProfile,
  type TestProfile,
  type TestProfileManifest,
  type TestProfileOptions,
} from '../../src/virtualDocument/testProfile.js';
import { tempDir } from './tempDir.js';

/** A test eMRTD profile, in memory and written to a fresh temporary folder. */
export interface EmrtdProfileFixture {
  readonly profile: TestProfile;
  readonly manifest: TestProfileManifest;
  /** The profile folder (profile.json, the LDS files, csca/, face.jpg, aa-key.pem). */
  readonly dir: string;
  /** The folder of trusted CSCA certificates: `<dir>/csca`. */
  readonly cscaDir: string;
}

/**
 * Generates a profile with the same code as scripts/emrtd-profile.mjs (src/virtualDocument/testProfile.ts)
 * and writes it to a temporary folder that the test run removes (STYLE #14).
 */
export async function emrtdProfile(options: TestProfileOptions = {}): Promise<EmrtdProfileFixture> {
  const profile = await generateTestProfile(options);
  const dir = tempDir('emrtd-');
  const manifest = await writeTestProfile(profile, dir);
  return { profile, manifest, dir, cscaDir: `${dir}/csca` };
}
