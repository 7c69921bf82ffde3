import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tempDir.js';

/** Where Debian's softhsm2 package puts the module. */
export const softhsmModule = '/usr/lib/softhsm/libsofthsm2.so';

/** The SO PIN of every token a softhsmWorld makes. */
export const softhsmSoPin = '87654321';

/**
 * A private SoftHSM2 world for one test file (STYLE #14, DESIGN §3.3): its own softhsm2.conf and
 * token folder, exported as SOFTHSM2_CONF before any module is loaded. SoftHSM reads the folder
 * at C_Initialize only, so tokens made later are seen by the next driver (each test's driver is
 * closed, which finalises the module).
 */
export function softhsmWorld(): { newToken(pin: string): { label: string } } {
  const dir = tempDir('softhsm-');
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  return {
    newToken(pin) {
      const label = `kiosk-${randomBytes(4).toString('hex')}`;
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--so-pin', softhsmSoPin, '--pin', pin],
        {
          env: { ...process.env, SOFTHSM2_CONF: conf },
          stdio: 'pipe',
        },
      );
      return { label };
    },
  };
}

/** OpenSC's pkcs11-tool on a SoftHSM token, logged in: the independent reader of a token. */
export function pkcs11Tool(
  label: string,
  pin: string,
  args: readonly string[],
): { status: number | null; out: string } {
  const run = spawnSync(
    'pkcs11-tool',
    ['--module', softhsmModule, '--token-label', label, '--login', '--pin', pin, ...args],
    { encoding: 'utf8' },
  );
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}
