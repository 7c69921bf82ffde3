import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let base: string | undefined;

/**
 * A fresh temporary folder. All of a test process's folders live under one base folder that is
 * removed, with everything in it, when the process exits: tests write passwords and keys there
 * (STYLE #14: tests own their world and clean it up). Safe to call anywhere, hooks included.
 */
export function tempDir(prefix: string): string {
  if (base === undefined) {
    // The run's mark (test/globalSetup.ts) lets the teardown find what a killed worker left.
    const run = process.env.KIOSK_TEST_RUN ?? 'adhoc';
    const made = mkdtempSync(join(tmpdir(), `kiosk-test-${run}-`));
    base = made;
    process.once('exit', () => {
      rmSync(made, { recursive: true, force: true });
    });
  }
  return mkdtempSync(join(base, prefix));
}

/**
 * A one-line file holding `content` in a fresh temporary folder: how tests hand the `kiosk`
 * command its secrets (passwords, PINs, codes, IDNs are read from files, DESIGN §11).
 */
export function inputFile(content: string): string {
  const path = join(tempDir('in-'), 'f');
  writeFileSync(path, `${content}\n`);
  return path;
}
