import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
let registered = false;

/**
 * A fresh temporary folder, removed with everything in it when the test file ends: tests write
 * passwords and keys there (STYLE #14: tests own their world and clean it up).
 */
export function tempDir(prefix: string): string {
  if (!registered) {
    registered = true;
    afterAll(() => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), `kiosk-test-${prefix}`));
  made.push(dir);
  return dir;
}
