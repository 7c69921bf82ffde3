import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { destination, type DestinationStream } from 'pino';

/** When a log file is set aside and how many old ones are kept (`log.maxBytes`, `log.keep`). */
export interface Rotation {
  readonly maxBytes: number;
  readonly keep: number;
}

/**
 * A JSON-lines log file readable by its owner only (0600, its folder 0700: the log names
 * reference numbers and devices, issue 11 item 17), set aside as FILE.1 … FILE.keep when it
 * passes maxBytes, at start and while a long-running service writes.
 *
 * Written by hand: pino-roll rotates in a worker thread, whose last lines a process exiting on
 * an error loses; the kiosk's log is synchronous, so its rotation is too (a stat at start, a byte
 * count after, a rename chain and sonic-boom's reopen()).
 */
export function rotatingFile(path: string, rotation: Rotation): DestinationStream {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let written = existsSync(path) ? statSync(path).size : 0;
  if (written >= rotation.maxBytes) {
    rotate(path, rotation.keep);
    written = 0;
  }
  const stream = destination({ dest: path, append: true, sync: true, mode: 0o600 });
  // A file made before (or by another tool) keeps its mode on open: set it.
  chmodSync(path, 0o600);
  return {
    write(line: string): void {
      stream.write(line);
      written += Buffer.byteLength(line);
      if (written < rotation.maxBytes) return;
      rotate(path, rotation.keep);
      stream.reopen();
      chmodSync(path, 0o600);
      written = 0;
    },
  };
}

/** FILE → FILE.1 → FILE.2 …; what would pass FILE.keep is removed. */
function rotate(path: string, keep: number): void {
  rmSync(`${path}.${String(keep)}`, { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    const from = `${path}.${String(n)}`;
    if (existsSync(from)) renameSync(from, `${path}.${String(n + 1)}`);
  }
  if (keep >= 1) renameSync(path, `${path}.1`);
  else rmSync(path, { force: true });
}
