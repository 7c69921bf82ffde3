import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDg2 } from '../../drivers/emrtd/lds.js';
import { readLdsFile } from '../../drivers/emrtd/ldsTlv.js';
import { loadCscaTrust, passiveAuthentication } from '../../drivers/emrtd/sod.js';
import { tempDir } from '../support/tempDir.js';

// DESIGN §3.2: a profile's EF.SOD is passed once through `openssl cms -verify` against the
// profile's CSCA, so the fixtures are known valid CMS to an independent implementation, not only
// to our own verifier. The profile is made by the script itself (from dist/, which the global
// setup builds), so the script is exercised too.

const root = fileURLToPath(new URL('../..', import.meta.url));

function makeProfile(signature: string): string {
  const dir = tempDir('emrtd-profile-');
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'scripts/emrtd-profile.mjs'),
      '--out',
      dir,
      '--seed',
      '11',
      '--signature',
      signature,
    ],
    { encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return dir;
}

/** `openssl cms -verify` on the SOD's ContentInfo (the 77 wrapper removed). */
function opensslVerify(dir: string, sod: Uint8Array): { status: number | null; stderr: string } {
  const contentInfo = join(dir, 'sod-content.der');
  writeFileSync(contentInfo, readLdsFile(sod, 0x77, 'EF.SOD').content);
  const run = spawnSync(
    'openssl',
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      contentInfo,
      '-CAfile',
      join(dir, 'csca', 'csca.pem'),
      '-purpose',
      'any',
      '-out',
      join(dir, 'so.der'),
    ],
    { encoding: 'utf8' },
  );
  return { status: run.status, stderr: run.stderr };
}

describe('test eMRTD profiles against OpenSSL', () => {
  it.each(['rsa-pkcs1', 'rsa-pss', 'ecdsa'])(
    'openssl cms -verify accepts the EF.SOD of a %s profile made by scripts/emrtd-profile.mjs',
    async (signature) => {
      const dir = makeProfile(signature);
      const manifest = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as {
        files: Record<string, string>;
        face: string;
      };
      const sod = readFileSync(join(dir, manifest.files['011D'] ?? ''));
      const result = opensslVerify(dir, sod);
      expect(result.stderr).toContain('Verification successful');
      expect(result.status).toBe(0);
      // What OpenSSL output is the signed LDSSecurityObject.
      expect(readFileSync(join(dir, 'so.der'))[0]).toBe(0x30);

      // And our own PA agrees, on the files as written.
      const groups = new Map(
        Object.entries(manifest.files)
          .map(([fid, name]) => [Number.parseInt(fid, 16) - 0x100, name] as const)
          .filter(([n]) => n >= 1 && n <= 16)
          .map(([n, name]) => [n, readFileSync(join(dir, name))] as const),
      );
      const trust = await loadCscaTrust(join(dir, 'csca'));
      expect(passiveAuthentication(sod, groups, trust, new Date()).ok).toBe(true);
      const face = parseDg2(groups.get(2) ?? Buffer.alloc(0)).records[0]?.images[0]?.image;
      expect(Buffer.from(face ?? []).equals(readFileSync(join(dir, manifest.face)))).toBe(true);
    },
  );

  it('openssl cms -verify refuses the SOD once its signature is changed', () => {
    const dir = makeProfile('rsa-pkcs1');
    const sod = readFileSync(join(dir, 'EF.SOD.bin'));
    sod[sod.length - 1] = (sod[sod.length - 1] ?? 0) ^ 0x01;
    const result = opensslVerify(dir, sod);
    expect(result.status).not.toBe(0);
    expect(result.stderr).not.toContain('Verification successful');
  });

  it('the script refuses bad arguments with exit 2', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts/emrtd-profile.mjs')], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage');
  });
});
