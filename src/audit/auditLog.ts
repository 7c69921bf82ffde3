import { AuditPayloadError, AuditTamperedError, AuditUnavailableError } from '../errors/audit.js';
import type { Logger } from '../log/logger.js';
import { AuditStore, type Head } from './auditStore.js';
import { checkpointLine, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { appendLineSync, type CheckpointSink } from './checkpointSink.js';
import { lastCheckpoint } from './checkpointFile.js';
import { entryHash, genesisHash, hashHolds, hashPattern } from './entryHash.js';
import { loadOrCreateKioskKey, type KioskKey } from './kioskKey.js';
import { encodePayload, type AuditKind, type AuditPayload } from './payloads.js';

/**
 * The tamper-evident audit log (issue 14 item 2, DESIGN §6): one writer appends one row per
 * visit step, teller decision and CA exchange outcome, each chained to the one before by its
 * hash (entryHash.ts), each append one SQLite transaction. Checkpoints of the head, signed with
 * the kiosk's Ed25519 key, go to a file beside the log and to the configured sink: when opened,
 * every `checkpointEvery` entries, every `checkpointIntervalMs` if the log grew, and on close.
 * Payloads are checked against their kind's schema, which cannot hold a secret (payloads.ts).
 *
 * Appends are synchronous (better-sqlite3): the entry is on disk when `append` returns, before
 * the visit goes on. Sending a checkpoint to the sink is not awaited by appends; `close` waits for
 * it. A checkpoint that cannot be written is logged, never thrown at the appender: the entry it
 * follows is already written.
 */

/** The kiosk's timers (tests pass their own). */
export interface AuditTimers {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface AuditLogOptions {
  /** The SQLite file. */
  readonly file: string;
  /** The signed checkpoints beside it, one JSON line each. */
  readonly checkpointsFile: string;
  /** The kiosk's Ed25519 key (PKCS#8 PEM, made on first use). */
  readonly keyFile: string;
  /** Where checkpoints are also sent (another mount, syslog); none if absent. */
  readonly sink?: CheckpointSink | undefined;
  /** A checkpoint after this many entries. */
  readonly checkpointEvery: number;
  /** A checkpoint this often while entries are appended, in milliseconds. */
  readonly checkpointIntervalMs: number;
  readonly now?: () => Date;
  /** Where checkpoint failures are reported. */
  readonly log?: Pick<Logger, 'warn'>;
  readonly timers?: AuditTimers;
  /** Recorded in the `kiosk.start` entry. */
  readonly version?: string;
}

/** An entry as written. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly visit: string | null;
  readonly kind: AuditKind;
  /** The payload as stored: JSON text. */
  readonly payload: string;
  readonly prev: string;
  readonly hash: string;
}

/** A visit id as the kiosk service makes them (a UUID) or any short ASCII id. */
const visitIdPattern = /^[A-Za-z0-9-]{1,64}$/;

const defaultTimers: AuditTimers = {
  setInterval: (run, ms) => {
    const handle = setInterval(run, ms);
    // The log must not keep the process alive; its owner closes it.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => {
    clearInterval(handle as NodeJS.Timeout);
  },
};

/**
 * Opens the log for appending: makes the file and the kiosk key on first use, refuses a log whose
 * newest entry does not hash as stored or that no longer reaches its last local checkpoint
 * (AuditTamperedError: run `kiosk audit verify`), then writes `kiosk.start` and a checkpoint.
 */
export function openAuditLog(options: AuditLogOptions): AuditLog {
  return AuditLog.open(options);
}

export class AuditLog {
  readonly #store: AuditStore;
  readonly #key: KioskKey;
  readonly #options: AuditLogOptions;
  readonly #now: () => Date;
  readonly #timers: AuditTimers;
  #timer: unknown;
  readonly #sending = new Set<Promise<void>>();
  #checkpointed = -1;
  #closed: Promise<void> | undefined;

  /** See openAuditLog. */
  static open(options: AuditLogOptions): AuditLog {
    const key = loadOrCreateKioskKey(options.keyFile);
    const store = AuditStore.openForWriting(options.file);
    try {
      const last = checkTail(store, options.checkpointsFile, key);
      const log = new AuditLog(store, key, options);
      log.append('kiosk.start', null, {
        ...(options.version === undefined ? {} : { version: options.version }),
        ...(last === undefined ? {} : { checkpointed: last.seq }),
      });
      log.checkpoint();
      // Started last: a log that failed to open leaves no timer behind.
      log.#timer = log.#timers.setInterval(() => {
        if ((log.head?.seq ?? 0) !== log.#checkpointed) log.#safeCheckpoint();
      }, options.checkpointIntervalMs);
      return log;
    } catch (error) {
      store.close();
      throw error;
    }
  }

  private constructor(store: AuditStore, key: KioskKey, options: AuditLogOptions) {
    this.#store = store;
    this.#key = key;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#timers = options.timers ?? defaultTimers;
  }

  /** The kiosk key's id, which checkpoints name (an inspector compares it with the one on record). */
  get keyId(): string {
    return this.#key.keyId;
  }

  /** The newest entry. */
  get head(): Head | undefined {
    return this.#store.head();
  }

  /**
   * Appends one entry of `kind` for `visit` (null: the kiosk's own), stamped with the kiosk's
   * clock. Throws AuditSecretError or AuditPayloadError, and writes nothing, for a payload its
   * kind does not allow; AuditUnavailableError if the file cannot be written or the log is closed.
   */
  append<K extends AuditKind>(kind: K, visit: string | null, payload: AuditPayload<K>): AuditEntry {
    if (this.#closed !== undefined)
      throw new AuditUnavailableError(this.#options.file, 'the audit log is closed');
    if (visit !== null && !visitIdPattern.test(visit))
      throw new AuditPayloadError(kind, ['visit: an id of letters, digits and -']);
    const json = encodePayload(kind, payload);
    const row = this.#store.append((head) => {
      const fields = {
        seq: (head?.seq ?? 0) + 1,
        at: this.#now().toISOString(),
        visit,
        kind,
        payload: json,
        // A head whose hash column is not a hash is chained onto as zeros: verification names it.
        prev: head !== undefined && hashPattern.test(head.hash) ? head.hash : genesisHash,
      };
      return { ...fields, hash: entryHash(fields) };
    });
    if (row.seq - Math.max(this.#checkpointed, 0) >= this.#options.checkpointEvery)
      this.#safeCheckpoint();
    return { ...row, kind };
  }

  /** The visit moved to another state. */
  visitStep(visit: string, payload: AuditPayload<'visit.step'>): AuditEntry {
    return this.append('visit.step', visit, payload);
  }

  /** A teller approved, rejected, took the fee, or the time to decide ran out. */
  tellerDecision(visit: string, payload: AuditPayload<'teller.decision'>): AuditEntry {
    return this.append('teller.decision', visit, payload);
  }

  /** An exchange with the CA or the RA ended (null visit: the kiosk's own, a CA check). */
  caOutcome(visit: string | null, payload: AuditPayload<'ca.outcome'>): AuditEntry {
    return this.append('ca.outcome', visit, payload);
  }

  /**
   * Signs the head now, appends the checkpoint to the file beside the log (flushed before this
   * returns) and starts sending it to the sink. Throws AuditUnavailableError if the local file
   * cannot be written.
   */
  checkpoint(): Checkpoint {
    const head = this.#store.head();
    const checkpoint = signCheckpoint(
      this.#key,
      head?.seq ?? 0,
      head !== undefined && hashPattern.test(head.hash) ? head.hash : genesisHash,
      this.#now(),
    );
    const line = checkpointLine(checkpoint);
    try {
      appendLineSync(this.#options.checkpointsFile, line);
    } catch (cause) {
      throw new AuditUnavailableError(this.#options.checkpointsFile, 'cannot write a checkpoint', {
        cause,
      });
    }
    this.#checkpointed = checkpoint.seq;
    const sink = this.#options.sink;
    if (sink !== undefined) {
      const sending = sink.send(line).catch((err: unknown) => {
        this.#options.log?.warn(
          { err, sink: sink.name, seq: checkpoint.seq },
          'audit checkpoint not sent',
        );
      });
      this.#sending.add(sending);
      void sending.finally(() => this.#sending.delete(sending));
    }
    return checkpoint;
  }

  /** Waits until the checkpoints being sent have been sent or have failed. */
  async flush(): Promise<void> {
    await Promise.all([...this.#sending]);
  }

  /**
   * Writes `kiosk.stop`, a last checkpoint, waits for the sink and closes the file. Idempotent;
   * appends after it throw.
   */
  close(reason: 'shutdown' | 'failure' = 'shutdown'): Promise<void> {
    if (this.#closed === undefined) {
      this.#timers.clearInterval(this.#timer);
      let stopped = false;
      try {
        this.append('kiosk.stop', null, { reason });
        stopped = true;
      } catch (err) {
        this.#options.log?.warn({ err }, 'audit log: kiosk.stop not written');
      }
      if (stopped) this.#safeCheckpoint();
      this.#closed = this.flush().finally(() => {
        this.#store.close();
      });
    }
    return this.#closed;
  }

  /** A checkpoint whose failure is logged rather than thrown (after an append, on a timer). */
  #safeCheckpoint(): void {
    try {
      this.checkpoint();
    } catch (err) {
      this.#options.log?.warn({ err }, 'audit checkpoint not written');
    }
  }
}

/**
 * Refuses to chain onto a broken log: the newest entry must hash as stored, and the log must
 * still hold the entry the last local checkpoint signed, with that hash. The last checkpoint
 * found, if any.
 */
function checkTail(
  store: AuditStore,
  checkpointsFile: string,
  key: KioskKey,
): Checkpoint | undefined {
  const head = store.head();
  if (head !== undefined) {
    const row = store.row(head.seq);
    const ok = row !== undefined && hashHolds(row);
    if (!ok)
      throw new AuditTamperedError({
        problem: 'hash',
        seq: head.seq,
        detail: 'its hash does not match its contents (kiosk audit verify names every fault)',
      });
  }
  const last = lastCheckpoint(checkpointsFile, key.publicKey);
  if (last === undefined) return undefined;
  const seq = head?.seq ?? 0;
  if (last.seq > seq)
    throw new AuditTamperedError({
      problem: 'truncated',
      seq: seq + 1,
      detail: `missing: the log ends at entry ${seq}, the checkpoint signed at ${last.at} records entry ${last.seq}`,
    });
  const hashThere = last.seq === 0 ? genesisHash : store.row(last.seq)?.hash;
  if (hashThere !== last.head)
    throw new AuditTamperedError({
      problem: 'checkpointHead',
      seq: last.seq,
      detail: `differs from the entry the checkpoint signed at ${last.at} records`,
    });
  return last;
}
