import type { ReadProgress } from '../../drivers/emrtd/reader.js';

/**
 * How far the chip reading has gone, for the reading screen's bar (issue 15: "a bar of bytes
 * read"). The reader reports each file as it reads it (drivers/emrtd/reader.ts ReadProgress: the
 * file, the bytes read of it, its length from its TLV header); this sums them over the files of
 * one reading. Counts of bytes only: no file's content, no file id is kept past the sum.
 */

/** Bytes read of the chip so far, and the bytes the files begun so far announce. */
export interface ChipProgress {
  readonly read: number;
  /**
   * The lengths of the files begun so far, summed: it grows as each next file announces its
   * length (the chip says a file's length only as it is read), so it is the bytes expected as
   * far as the chip has told.
   */
  readonly total?: number;
}

/** The per-file progress of one reading, summed. */
export class ChipReadTally {
  readonly #files = new Map<number, { read: number; total: number }>();
  #read = 0;
  #total = 0;

  /** One report of the reader; the reading's progress after it (bytes never counted twice). */
  add(progress: ReadProgress): ChipProgress {
    const total = Math.max(0, progress.total);
    const read = Math.min(Math.max(0, progress.bytesRead), total);
    const before = this.#files.get(progress.fid) ?? { read: 0, total: 0 };
    // A file read again (after a new session) is counted once, as far as it got.
    const now = { read: Math.max(before.read, read), total: Math.max(before.total, total) };
    this.#files.set(progress.fid, now);
    this.#read += now.read - before.read;
    this.#total += now.total - before.total;
    return this.progress();
  }

  progress(): ChipProgress {
    return { read: this.#read, total: this.#total };
  }
}

/**
 * Runs `run` at most once every `intervalMs` however often it is poked, the last poke never lost
 * (it runs when the interval has passed): a screen redrawn for each APDU of a chip reading would
 * flood the terminal. `flush` runs a pending call now; `cancel` drops it.
 */
export class Coalesced {
  readonly #run: () => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(run: () => void, intervalMs = 100, now: () => number = () => performance.now()) {
    this.#run = run;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  poke(): void {
    if (this.#timer !== undefined) return;
    const wait = this.#last + this.#intervalMs - this.#now();
    if (wait <= 0) {
      this.#fire();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
  }

  /** Whether a call waits for its interval. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  flush(): void {
    if (this.#timer === undefined) return;
    this.cancel();
    this.#fire();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#last = this.#now();
    this.#run();
  }
}
