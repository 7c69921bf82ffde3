import Database from 'better-sqlite3';
import { createOwnerOnlyFile } from '../shared/ownerOnlyFile.js';
import { z } from 'zod';
import { refuseSecrets, type ScanRules } from '../audit/secretScan.js';
import type { IssueFact } from '../certificates/steps.js';
import { VisitStoreError } from '../errors/visitStore.js';

// The kiosk's record of its open visits (issue 14 item 3), its own SQLite file beside the audit
// log: each visit's persisted statechart snapshot, written on every transition and before each
// step's effect starts, and the journal of what an issuance made true (steps.ts IssueFact), written
// before the next thing is done. A kiosk that dies mid-visit finds here, at start, every visit it
// must finish or cancel (src/kiosk/recovery.ts). No secret is ever written: the snapshots hold
// none by construction (the vault keeps them, src/kiosk/vault.ts), and every write is scanned
// anyway (src/audit/secretScan.ts). A closed visit keeps its outcome; its snapshot (names, the
// chip's document number) is dropped.

/** One write, as an observer sees it (the kill test stops the kiosk at each of them). */
export interface VisitRecord {
  readonly seq: number;
  readonly visit: string;
  /** `state`: a snapshot; `fact`: an issuance journal entry. */
  readonly kind: 'state' | 'fact';
  /** The state (`flow.issuing`) or the fact's step (`requestSent`). */
  readonly name: string;
}

/** A visit that was open when the kiosk stopped. */
export interface OpenVisit {
  readonly id: string;
  readonly startedAt: string;
  /** The last state written. */
  readonly state: string;
  /** When it would have timed out had nobody acted (ISO 8601). */
  readonly deadline: string | undefined;
  /** The last persisted snapshot (xstate getPersistedSnapshot, as JSON). */
  readonly snapshot: unknown;
  /** The issuance journal, oldest first: the entries that are issuance facts. */
  readonly facts: readonly IssueFact[];
  /**
   * What of its record could not be used (a damaged file, or one this kiosk did not write: a
   * snapshot that is no JSON or holds a secret, a journal entry that is no IssueFact), in words;
   * absent when all of it was read. Recovery trusts nothing it could not read.
   */
  readonly damaged?: readonly string[];
}

export interface VisitStoreOptions {
  readonly now?: () => Date;
  /** Told after each write is on disk. */
  readonly onRecord?: (record: VisitRecord) => void;
}

/**
 * What a snapshot may not hold: exactly a secret's name (the machines' flags `newPassword` and
 * `secretProblems` hold none), within bounds a snapshot of the visit machine stays far below.
 */
const snapshotRules: ScanRules = {
  secretName: /^(idn|password|pin|authCode|secret|newSecret|heldSecret|passphrase)$/i,
  maxDepth: 40,
  maxNodes: 50_000,
};

/** What a journal entry may be (steps.ts IssueFact, as issue.ts and issueToToken.ts write it). */
const factSchema = z.discriminatedUnion('step', [
  z.strictObject({
    step: z.literal('keyMade'),
    keyId: z
      .string()
      .regex(/^[0-9a-f]{1,256}$/)
      .optional(),
  }),
  z.strictObject({
    step: z.literal('requestSent'),
    transactionId: z.string().regex(/^[0-9a-f]{0,256}$/),
  }),
  z.strictObject({
    step: z.literal('received'),
    // As the CA keys it (recordKeys.ts hexSerial) and a close names it: lower-case hex.
    serial: z.string().regex(/^[0-9a-f]{1,42}$/),
    certHash: z.string().regex(/^[0-9a-f]{64}$/),
    subject: z.string().max(4096),
    notAfter: z.iso.datetime(),
  }),
  z.strictObject({ step: z.literal('stored'), where: z.string().max(4096) }),
  z.strictObject({ step: z.literal('confirmed') }),
]);

const schema = `
  create table if not exists visits (
    id text primary key,
    started_at text not null,
    state text not null,
    deadline text,
    snapshot text,
    closed_at text,
    outcome text
  ) strict;
  create table if not exists records (
    seq integer primary key autoincrement,
    visit text not null references visits (id),
    at text not null,
    kind text not null,
    name text not null,
    body text
  ) strict;
  create index if not exists records_visit on records (visit, seq);
`;

export class VisitStore {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #onRecord: ((record: VisitRecord) => void) | undefined;
  /** The last snapshot text written per visit: an unchanged one is not written again. */
  readonly #last = new Map<string, string>();

  private constructor(
    db: Database.Database,
    readonly path: string,
    options: VisitStoreOptions,
  ) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#onRecord = options.onRecord;
  }

  /** Opens (creating it owner-only, its folder too) the store. */
  static open(path: string, options: VisitStoreOptions = {}): VisitStore {
    try {
      createOwnerOnlyFile(path);
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      // FULL: a snapshot reported written is on disk before the step's effect starts.
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(schema);
      return new VisitStore(db, path, options);
    } catch (cause) {
      throw new VisitStoreError(path, 'cannot open the visit store', { cause });
    }
  }

  /** A visit begins; VisitStoreError if the id was used before (its records would mix). */
  begin(visit: string, state: string): void {
    const at = this.#now().toISOString();
    try {
      this.#db
        .prepare('insert into visits (id, started_at, state) values (?, ?, ?)')
        .run(visit, at, state);
    } catch (cause) {
      throw new VisitStoreError(this.path, 'cannot begin the visit (its id is taken?)', { cause });
    }
  }

  /**
   * The visit's snapshot (getPersistedSnapshot) in `state`: written with a record unless it is
   * the one written last. Throws, writing nothing, if it holds a secret or is not plain data.
   */
  persist(visit: string, state: string, snapshot: unknown, deadline: Date | undefined): void {
    const text = plainJson(snapshot);
    refuseSecrets('visit.snapshot', JSON.parse(text), snapshotRules);
    if (this.#last.get(visit) === text) return;
    const at = this.#now().toISOString();
    this.#write(
      visit,
      'state',
      state,
      undefined,
      () => {
        // Never into a closed visit: its snapshot (names, the document number) was dropped.
        this.#db
          .prepare(
            'update visits set state = ?, deadline = ?, snapshot = ? where id = ? and closed_at is null',
          )
          .run(state, deadline?.toISOString() ?? null, text, visit);
      },
      at,
    );
    this.#last.set(visit, text);
  }

  /** An issuance journal entry of the visit. */
  fact(visit: string, fact: IssueFact): void {
    const body = plainJson(fact);
    refuseSecrets('visit.fact', JSON.parse(body), snapshotRules);
    this.#write(visit, 'fact', fact.step, body, () => undefined, this.#now().toISOString());
  }

  /** The visit ended (`outcome`: how); its snapshot is dropped. */
  end(visit: string, outcome: string): void {
    this.#db
      .prepare(
        'update visits set closed_at = ?, outcome = ?, snapshot = null where id = ? and closed_at is null',
      )
      .run(this.#now().toISOString(), outcome, visit);
    this.#last.delete(visit);
  }

  /** The visits not closed, oldest first, with their journals. */
  openVisits(): OpenVisit[] {
    const rows = this.#db
      .prepare(
        'select id, started_at, state, deadline, snapshot from visits where closed_at is null order by started_at, rowid',
      )
      .all() as {
      id: string;
      started_at: string;
      state: string;
      deadline: string | null;
      snapshot: string | null;
    }[];
    const facts = this.#db.prepare(
      "select body from records where visit = ? and kind = 'fact' order by seq",
    );
    // Read as the outside bytes they may be (a damaged or crafted file): what fails the checks
    // the writer made is left out and said, never thrown (one bad row would stop every start).
    return rows.map((row) => {
      const damaged: string[] = [];
      const snapshot = readSnapshot(row.snapshot, damaged);
      const journal = (facts.all(row.id) as { body: string | null }[]).flatMap((f, i) => {
        const fact = readFact(f.body);
        if (fact === undefined) damaged.push(`journal entry ${String(i + 1)} is no issuance fact`);
        return fact === undefined ? [] : [fact];
      });
      return {
        id: row.id,
        startedAt: row.started_at,
        state: row.state,
        deadline: row.deadline ?? undefined,
        snapshot,
        facts: journal,
        ...(damaged.length === 0 ? {} : { damaged }),
      };
    });
  }

  /** Every record of a visit, in order (the kill test lists the points to stop at from these). */
  records(visit: string): VisitRecord[] {
    return this.#db
      .prepare('select seq, visit, kind, name from records where visit = ? order by seq')
      .all(visit) as VisitRecord[];
  }

  /** How a closed visit ended; undefined while it is open. */
  outcome(visit: string): string | undefined {
    const row = this.#db.prepare('select outcome from visits where id = ?').get(visit) as
      { outcome: string | null } | undefined;
    return row?.outcome ?? undefined;
  }

  close(): void {
    this.#db.close();
  }

  #write(
    visit: string,
    kind: VisitRecord['kind'],
    name: string,
    body: string | undefined,
    also: () => void,
    at: string,
  ): void {
    let seq: number;
    try {
      seq = this.#db.transaction(() => {
        also();
        return Number(
          this.#db
            .prepare('insert into records (visit, at, kind, name, body) values (?, ?, ?, ?, ?)')
            .run(visit, at, kind, name, body ?? null).lastInsertRowid,
        );
      })();
    } catch (cause) {
      // A full disk, a file taken away: the step this record was for must not start.
      throw new VisitStoreError(this.path, `cannot record the visit's ${kind}`, { cause });
    }
    this.#onRecord?.({ seq, visit, kind, name });
  }
}

/**
 * The value as JSON, refusing bytes: a Buffer or typed array in a snapshot would be written as a
 * list of numbers no name or pattern scan recognises as a secret.
 */
function plainJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (
      ArrayBuffer.isView(item) ||
      item instanceof ArrayBuffer ||
      (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'Buffer')
    )
      throw new VisitStoreError('visit store', 'refused: bytes in a snapshot');
    return item;
  });
}

/** A stored snapshot, if it is JSON a persist would have written (no secret, within bounds). */
function readSnapshot(text: string | null, damaged: string[]): unknown {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    refuseSecrets('visit.snapshot', value, snapshotRules);
    return value;
  } catch {
    damaged.push('its snapshot is unreadable or holds what a snapshot may not');
    return undefined;
  }
}

/** A stored journal entry, if it is an IssueFact holding no secret. */
function readFact(body: string | null): IssueFact | undefined {
  if (body === null) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    refuseSecrets('visit.fact', value, snapshotRules);
    const parsed = factSchema.safeParse(value);
    return parsed.success ? (parsed.data as IssueFact) : undefined;
  } catch {
    return undefined;
  }
}
