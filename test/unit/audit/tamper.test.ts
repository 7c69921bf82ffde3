import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogOptions } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { checkpointLine, signCheckpoint } from '../../../src/audit/checkpoint.js';
import { fileSink } from '../../../src/audit/checkpointSink.js';
import { entryHash } from '../../../src/audit/entryHash.js';
import { keyIdOf, readKioskKey } from '../../../src/audit/kioskKey.js';
import { verifyAuditLog, type VerifyReport } from '../../../src/audit/verify.js';
import { fullVisitEntries, fullVisitLog } from '../../support/auditVisit.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 14 item 2's acceptance: verification fails naming the entry after any single byte of
// any past row changed, a row deleted in the middle, the last rows deleted (against the signed
// checkpoint), a checkpoint signed by another key. The attacker has the file: a second
// connection drops the triggers and edits rows.

type Column = 'seq' | 'at' | 'visit' | 'kind' | 'payload' | 'prev' | 'hash';

interface Copy {
  readonly file: string;
  readonly checkpointsFile: string;
  readonly keyFile: string;
}

let original: AuditLogOptions;

beforeAll(async () => {
  original = await fullVisitLog();
});

/** A copy of the full-visit log and its checkpoints to tamper with. */
function copy(): Copy {
  const dir = tempDir('tampered-');
  const file = join(dir, 'audit.sqlite');
  const checkpointsFile = join(dir, 'audit.checkpoints.jsonl');
  copyFileSync(original.file, file);
  copyFileSync(original.checkpointsFile, checkpointsFile);
  return { file, checkpointsFile, keyFile: original.keyFile };
}

/** Runs `edit` on a writable connection without the triggers, as an attacker would. */
function attack(log: Copy, edit: (db: Database.Database) => void): void {
  const db = new Database(log.file);
  try {
    db.exec('drop trigger audit_entries_no_update; drop trigger audit_entries_no_delete;');
    edit(db);
  } finally {
    db.close();
  }
}

function verify(
  log: Copy,
  checkpointFiles = [log.checkpointsFile],
  publicKey = kioskPublic(),
): VerifyReport {
  const store = AuditStore.openForReading(log.file);
  try {
    return verifyAuditLog({ store, checkpointFiles, publicKey });
  } finally {
    store.close();
  }
}

function kioskPublic() {
  return readKioskKey(original.keyFile).publicKey;
}

function cell(log: Copy, seq: number, column: Column): unknown {
  const db = new Database(log.file, { readonly: true });
  try {
    return (
      db.prepare(`select ${column} from audit_entries where seq = ?`).get(seq) as Record<
        string,
        unknown
      >
    )[column];
  } finally {
    db.close();
  }
}

/** Rewrites rows `from`… with their hashes recomputed: a forger who knows the encoding. */
function rechain(db: Database.Database, from: number): void {
  const rows = db.prepare('select * from audit_entries where seq >= ? order by seq').all(from) as {
    seq: number;
    at: string;
    visit: string | null;
    kind: string;
    payload: string;
    prev: string;
    hash: string;
  }[];
  let prev = (
    db.prepare('select hash from audit_entries where seq = ?').get(from - 1) as { hash: string }
  ).hash;
  for (const row of rows) {
    const hash = entryHash({ ...row, prev });
    db.prepare('update audit_entries set prev = ?, hash = ? where seq = ?').run(
      prev,
      hash,
      row.seq,
    );
    prev = hash;
  }
}

describe('kiosk audit verify on a tampered log', () => {
  it('passes on the untouched log written by a full visit', () => {
    expect(verify(copy())).toMatchObject({ ok: true, entries: fullVisitEntries, faults: [] });
  });

  // Rows: the start (no visit), a step, the teller's decision, a CA outcome, the stop (last, no
  // visit); bytes: the first, one in the middle, the last of the column's UTF-8.
  const rows = [1, 2, 6, 10, 13];
  const textColumns: Column[] = ['at', 'visit', 'kind', 'payload', 'prev', 'hash'];
  const withoutVisit = new Set([1, 13]); // the kiosk's own entries: no visit byte to flip
  const cases = rows.flatMap((seq) =>
    textColumns
      .filter((column) => column !== 'visit' || !withoutVisit.has(seq))
      .flatMap((column) =>
        (['first', 'middle', 'last'] as const).map((where) => ({ seq, column, where })),
      ),
  );

  it.each(cases)(
    'one byte of entry $seq’s $column ($where byte) flipped: entry $seq named',
    ({ seq, column, where }) => {
      const log = copy();
      const value = cell(log, seq, column);
      const bytes = Buffer.from(String(value), 'utf8');
      const at = where === 'first' ? 0 : where === 'last' ? bytes.length - 1 : bytes.length >> 1;
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      attack(log, (db) => {
        // The raw bytes, valid UTF-8 or not, as an editor of the file could leave them.
        db.prepare(`update audit_entries set ${column} = cast(? as text) where seq = ?`).run(
          bytes,
          seq,
        );
      });
      const report = verify(log);
      expect(report.ok).toBe(false);
      expect(report.faults[0]).toMatchObject({
        seq,
        problem: column === 'prev' ? 'prev' : 'hash',
      });
    },
  );

  it.each([2, 6, 10])(
    'entry %i’s seq with a bit flipped: the entry after it names it missing',
    (seq) => {
      const log = copy();
      attack(log, (db) =>
        db.prepare('update audit_entries set seq = ? where seq = ?').run(seq ^ 1024, seq),
      );
      const report = verify(log);
      expect(report.faults[0]).toMatchObject({
        seq: seq + 1,
        problem: 'gap',
        detail: `follows entry ${seq - 1}: entry ${seq} is missing`,
      });
    },
  );

  it('the first entry’s seq changed: the log is named as starting late', () => {
    const log = copy();
    attack(log, (db) => db.prepare('update audit_entries set seq = 1025 where seq = 1').run());
    expect(verify(log).faults[0]).toMatchObject({
      seq: 2,
      problem: 'gap',
      detail: 'the log starts here: entry 1 is missing',
    });
  });

  it('a row deleted in the middle: the entry after it is named', () => {
    const log = copy();
    attack(log, (db) => db.prepare('delete from audit_entries where seq = 7').run());
    const report = verify(log);
    expect(report.faults[0]).toMatchObject({
      seq: 8,
      problem: 'gap',
      detail: 'follows entry 6: entry 7 is missing',
    });
  });

  it('several rows deleted in the middle, or the first: the entry after them is named', () => {
    const middle = copy();
    attack(middle, (db) => db.prepare('delete from audit_entries where seq between 4 and 6').run());
    expect(verify(middle).faults[0]).toMatchObject({
      seq: 7,
      detail: 'follows entry 3: entries 4 to 6 are missing',
    });
    const first = copy();
    attack(first, (db) => db.prepare('delete from audit_entries where seq = 1').run());
    expect(verify(first).faults[0]).toMatchObject({ seq: 2, problem: 'gap' });
  });

  it('the last rows deleted: the signed checkpoint names the entry after the new end', () => {
    const log = copy();
    attack(log, (db) => db.prepare('delete from audit_entries where seq > 10').run());
    const report = verify(log);
    expect(report.faults).toHaveLength(1);
    expect(report.faults[0]).toMatchObject({ seq: 11, problem: 'truncated' });
    expect(report.faults[0]?.detail).toMatch(/entries after 10 are missing/);
  });

  it('the last rows and the local checkpoints trimmed alike: the copy on another mount still shows it', async () => {
    const remote = join(tempDir('mnt-'), 'kiosk.checkpoints.jsonl');
    original = await fullVisitLog({ sink: fileSink(remote) });
    const log = copy();
    attack(log, (db) => db.prepare('delete from audit_entries where seq > 10').run());
    // The attacker drops the local checkpoint of entry 13, leaving the one of entry 1.
    const lines = readFileSync(log.checkpointsFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    writeFileSync(log.checkpointsFile, `${lines[0] ?? ''}\n`);
    expect(verify(log).ok).toBe(true); // what a hash chain alone cannot see
    expect(verify(log, [remote]).faults[0]).toMatchObject({ seq: 11, problem: 'truncated' });
  });

  it('no checkpoint at all: a cut tail cannot be ruled out, and verification says so', () => {
    const log = copy();
    expect(verify(log, []).faults).toEqual([expect.objectContaining({ problem: 'noCheckpoint' })]);
  });

  it('a rewritten tail with recomputed hashes: the signed checkpoint names the entry', () => {
    const log = copy();
    attack(log, (db) => {
      db.prepare(
        `update audit_entries set payload = '{"operation":"issue","outcome":"refused"}' where seq = 10`,
      ).run();
      rechain(db, 10);
    });
    const report = verify(log);
    expect(report.faults).toEqual([
      expect.objectContaining({ seq: 13, problem: 'checkpointHead' }),
    ]);
  });

  it('a forged row holding a secret, hashes recomputed: named for its payload', () => {
    const log = copy();
    attack(log, (db) => {
      db.prepare(
        `update audit_entries set payload = '{"state":"x 900101-1234568"}' where seq = 12`,
      ).run();
      rechain(db, 12);
    });
    expect(verify(log).faults[0]).toMatchObject({ seq: 12, problem: 'payload' });
    const bad = copy();
    attack(bad, (db) => {
      db.prepare(`update audit_entries set payload = '{"state":' where seq = 12`).run();
      rechain(db, 12);
    });
    expect(verify(bad).faults[0]).toMatchObject({ seq: 12, problem: 'payload' });
    expect(verify(bad).faults[0]?.detail).toMatch(/not JSON/);
  });

  it('a checkpoint signed by another key is named by file and line', () => {
    const log = copy();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = { privateKey, publicKey, keyId: keyIdOf(publicKey) };
    const head = String(cell(log, 13, 'hash'));
    appendFileSync(
      log.checkpointsFile,
      `${checkpointLine(signCheckpoint(other, 13, head, new Date()))}\n`,
    );
    const { faults } = verify(log);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({
      problem: 'checkpointKey',
      checkpoint: `${log.checkpointsFile}:3`,
    });
    expect(faults[0]?.detail).toContain(`key id ${other.keyId}`);
  });

  it('a checkpoint claiming the kiosk’s key id but signed by another key: its signature fails', () => {
    const log = copy();
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = { privateKey, publicKey: kioskPublic(), keyId: keyIdOf(kioskPublic()) };
    appendFileSync(
      log.checkpointsFile,
      `${checkpointLine(signCheckpoint(forged, 20, 'ab'.repeat(32), new Date()))}\n`,
    );
    expect(verify(log).faults).toEqual([
      expect.objectContaining({
        problem: 'checkpointSignature',
        checkpoint: `${log.checkpointsFile}:3`,
      }),
    ]);
  });

  it('the tail cut and re-anchored with the attacker’s own checkpoint: both are named', () => {
    const log = copy();
    attack(log, (db) => db.prepare('delete from audit_entries where seq > 10').run());
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const head = String(cell(log, 10, 'hash'));
    const other = { privateKey, publicKey, keyId: keyIdOf(publicKey) };
    appendFileSync(
      log.checkpointsFile,
      `${checkpointLine(signCheckpoint(other, 10, head, new Date()))}\n`,
    );
    const problems = verify(log).faults.map((f) => [f.problem, f.seq]);
    expect(problems).toEqual([
      ['truncated', 11],
      ['checkpointKey', undefined],
    ]);
  });

  it('verified against another kiosk’s public key: every checkpoint is named', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const report = verify(copy(), undefined, publicKey);
    expect(report.faults.map((f) => f.problem)).toEqual([
      'checkpointKey',
      'checkpointKey',
      'noCheckpoint',
    ]);
  });

  it('a line that is not a checkpoint is named', () => {
    const log = copy();
    appendFileSync(log.checkpointsFile, '{"checkpoint":1,"seq":"13"}\n');
    expect(verify(log).faults).toEqual([
      expect.objectContaining({
        problem: 'checkpointMalformed',
        checkpoint: `${log.checkpointsFile}:3`,
      }),
    ]);
  });
});
