import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `path` exist as a file only its owner can read and write, its folder too (0700), before a
 * database opens it: SQLite creates its -wal and -shm files with the database's mode, so the
 * kiosk's stores (the audit log, the visit store) hold nothing another local user can read.
 */
export function createOwnerOnlyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
