import type { KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  maxCheckpointLine,
  parseCheckpointLine,
  signatureHolds,
  type Checkpoint,
} from './checkpoint.js';
import { keyIdOf } from './kioskKey.js';

// Reading checkpoint files: the one beside the log, a copy from another mount, lines extracted
// from syslog. Files grow for the kiosk's life (about 300 bytes per checkpoint), so they are read
// in chunks, never whole, and a line longer than any checkpoint is skipped unread (DESIGN §8).

/** One non-blank line of a checkpoints file: its checkpoint, or undefined if it is not one. */
export interface CheckpointLine {
  /** 1-based. */
  readonly line: number;
  readonly checkpoint: Checkpoint | undefined;
}

const chunkBytes = 64 * 1024;

/** Every non-blank line of `file`, in order. Throws the fs error if it cannot be read. */
export function* checkpointLines(file: string): Generator<CheckpointLine> {
  const fd = openSync(file, 'r');
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
    const buffer = Buffer.alloc(chunkBytes);
    let pending = '';
    let tooLong = false;
    let line = 0;
    for (let position = 0; ;) {
      const n = readSync(fd, buffer, 0, chunkBytes, position);
      position += n;
      // A multi-byte character split by the chunk is rejoined: only complete lines are decoded.
      const parts = (pending + buffer.subarray(0, n).toString('latin1')).split('\n');
      pending = n === 0 ? '' : (parts.pop() ?? '');
      for (const part of parts) {
        line++;
        const text = Buffer.from(part, 'latin1').toString('utf8').trim();
        if (tooLong) tooLong = false;
        else if (text !== '') yield { line, checkpoint: parseCheckpointLine(text) };
      }
      if (pending.length > maxCheckpointLine) {
        // Not a checkpoint, whatever follows: drop it and skip to the next line break.
        pending = '';
        if (!tooLong) yield { line: line + 1, checkpoint: undefined };
        tooLong = true;
      }
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The newest checkpoint in the tail of `file` signed by `publicKey`; undefined if the file is
 * missing or its tail holds none. Read at open, so only the last chunk is read.
 */
export function lastCheckpoint(file: string, publicKey: KeyObject): Checkpoint | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const start = Math.max(0, stat.size - chunkBytes);
    const buffer = Buffer.alloc(Math.min(chunkBytes, stat.size));
    const n = readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, n).toString('utf8').split('\n');
    // The first line of a tail that does not start the file may be cut.
    if (start > 0) lines.shift();
    const keyId = keyIdOf(publicKey);
    for (const text of lines.reverse()) {
      const checkpoint = parseCheckpointLine(text.trim());
      if (checkpoint?.keyId === keyId && signatureHolds(checkpoint, publicKey)) return checkpoint;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
