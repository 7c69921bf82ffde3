import { createSocket } from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openAuditLog, type AuditTimers } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { entryHash, genesisHash } from '../../../src/audit/entryHash.js';
import { fileSink, syslogSink } from '../../../src/audit/checkpointSink.js';
import { parseCheckpointLine } from '../../../src/audit/checkpoint.js';
import { readKioskKey } from '../../../src/audit/kioskKey.js';
import { verifyAuditLog, type VerifyReport } from '../../../src/audit/verify.js';
import { AuditTamperedError, AuditUnavailableError } from '../../../src/errors/audit.js';
import {
  auditOptions,
  fullVisitEntries,
  fullVisitLog,
  visitId,
  writeVisit,
} from '../../support/auditVisit.js';
import { tempDir } from '../../support/tempDir.js';
import type { AuditLogOptions } from '../../../src/audit/auditLog.js';

// The audit log written through the module (issue 14 item 2): the chain, the triggers, the
// checkpoints (when, where, by which key), one writer at a time.

function verify(
  options: AuditLogOptions,
  checkpointFiles = [options.checkpointsFile],
): VerifyReport {
  const store = AuditStore.openForReading(options.file);
  try {
    return verifyAuditLog({
      store,
      checkpointFiles,
      publicKey: readKioskKey(options.keyFile).publicKey,
    });
  } finally {
    store.close();
  }
}

function checkpointsIn(file: string): { seq: number; head: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => parseCheckpointLine(l) ?? { seq: -1, head: '' });
}

describe('the audit log', () => {
  it('round trip: a full visit verifies, each entry chained and hashed as documented', async () => {
    const options = await fullVisitLog();
    const report = verify(options);
    expect(report).toMatchObject({ ok: true, entries: fullVisitEntries, faults: [] });
    expect(report.checkpoints.newest?.seq).toBe(fullVisitEntries);
    const db = new Database(options.file, { readonly: true });
    const rows = db.prepare('select * from audit_entries order by seq').all() as {
      seq: number;
      at: string;
      visit: string | null;
      kind: string;
      payload: string;
      prev: string;
      hash: string;
    }[];
    db.close();
    expect(rows.map((r) => r.seq)).toEqual(
      Array.from({ length: fullVisitEntries }, (_, i) => i + 1),
    );
    let prev = genesisHash;
    for (const row of rows) {
      expect(row.prev).toBe(prev);
      expect(entryHash(row)).toBe(row.hash);
      prev = row.hash;
    }
    expect(rows.map((r) => r.kind)).toEqual([
      'kiosk.start',
      ...Array<string>(4).fill('visit.step'),
      'teller.decision',
      'ca.outcome',
      'visit.step',
      'visit.step',
      'ca.outcome',
      'ca.outcome',
      'visit.step',
      'kiosk.stop',
    ]);
    expect(rows[5]?.visit).toBe(visitId);
    expect(JSON.parse(rows[5]?.payload ?? '')).toMatchObject({
      decision: 'approved',
      idnMasked: '900101-1******',
    });
  });

  it('is owner-only: the log, its checkpoints and the kiosk key', async () => {
    const options = await fullVisitLog();
    for (const file of [options.file, options.checkpointsFile, options.keyFile])
      expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('triggers refuse UPDATE and DELETE', async () => {
    const options = await fullVisitLog();
    const db = new Database(options.file);
    try {
      expect(() => db.prepare("update audit_entries set kind = 'x' where seq = 2").run()).toThrow(
        /append-only: UPDATE refused/,
      );
      expect(() => db.prepare('delete from audit_entries where seq = 13').run()).toThrow(
        /append-only: DELETE refused/,
      );
      expect(() => db.prepare('delete from audit_entries').run()).toThrow(/DELETE refused/);
    } finally {
      db.close();
    }
    expect(verify(options).ok).toBe(true);
  });

  it('continues the chain across restarts; kiosk.start records the last checkpoint', async () => {
    const options = await fullVisitLog();
    const again = openAuditLog(options);
    writeVisit(again, '7d0b5a1c-2e3f-4a5b-8c9d-0e1f2a3b4c5d');
    await again.close();
    const report = verify(options);
    expect(report).toMatchObject({ ok: true, entries: 2 * fullVisitEntries });
    const store = AuditStore.openForReading(options.file);
    expect(JSON.parse(String(store.row(fullVisitEntries + 1)?.payload))).toEqual({
      checkpointed: fullVisitEntries,
    });
    store.close();
  });

  it('serialises two writers on one file: one chain, no seq used twice', async () => {
    const options = auditOptions();
    const first = openAuditLog(options);
    const second = openAuditLog({ ...options, now: () => new Date() });
    for (let i = 0; i < 20; i++) {
      (i % 2 === 0 ? first : second).visitStep(visitId, { state: `step${i}` });
    }
    await first.close();
    await second.close();
    expect(verify(options)).toMatchObject({ ok: true, entries: 2 + 20 + 2 });
  });

  it('checkpoints at open, every N entries, on the timer when the log grew, and at close', async () => {
    let tick: () => void = () => undefined;
    const timers: AuditTimers = {
      setInterval: (run) => {
        tick = run;
        return 1;
      },
      clearInterval: () => undefined,
    };
    const options = auditOptions({ checkpointEvery: 5, timers });
    const log = openAuditLog(options);
    expect(checkpointsIn(options.checkpointsFile).map((c) => c.seq)).toEqual([1]);
    // Five entries after the checkpoint of entry 1: entry 6 is checkpointed.
    for (let i = 0; i < 4; i++) log.visitStep(visitId, { state: `s${i}` });
    expect(checkpointsIn(options.checkpointsFile).map((c) => c.seq)).toEqual([1]);
    log.visitStep(visitId, { state: 's4' });
    expect(checkpointsIn(options.checkpointsFile).map((c) => c.seq)).toEqual([1, 6]);
    log.visitStep(visitId, { state: 'later' });
    tick();
    tick(); // nothing new since: no second checkpoint
    expect(checkpointsIn(options.checkpointsFile).map((c) => c.seq)).toEqual([1, 6, 7]);
    await log.close();
    const seqs = checkpointsIn(options.checkpointsFile).map((c) => c.seq);
    expect(seqs).toEqual([1, 6, 7, 8]);
    const head = checkpointsIn(options.checkpointsFile).at(-1)?.head;
    expect(verify(options).head).toEqual({ seq: 8, hash: head });
  });

  it('sends every checkpoint to a file sink too', async () => {
    const remote = `${tempDir('mnt-')}/kiosk-7.checkpoints.jsonl`;
    const options = await fullVisitLog({ sink: fileSink(remote) });
    expect(readFileSync(remote, 'utf8')).toBe(readFileSync(options.checkpointsFile, 'utf8'));
    expect(verify(options, [remote]).ok).toBe(true);
  });

  it('sends checkpoints as syslog lines through logger (here to a UDP server)', async () => {
    const server = createSocket('udp4');
    const received: string[] = [];
    server.on('message', (message) => received.push(message.toString('utf8')));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const { port } = server.address();
    try {
      const options = await fullVisitLog({ sink: syslogSink({ server: `127.0.0.1:${port}` }) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(2);
      expect(received.every((line) => line.includes('kiosk-audit'))).toBe(true);
      // What syslog received reads back as checkpoints (verify takes lines with a prefix).
      const file = `${tempDir('syslog-')}/messages`;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, received.join('\n'));
      expect(verify(options, [file])).toMatchObject({ ok: true, checkpoints: { valid: 2 } });
    } finally {
      server.close();
    }
  });

  it('a sink that fails is logged; the appends and the local checkpoints go on', async () => {
    const warnings: string[] = [];
    const options = await fullVisitLog({
      sink: syslogSink({ command: '/bin/false' }),
      log: {
        warn: (_fields: unknown, message?: string) => warnings.push(String(message)),
      } as never,
    });
    expect(warnings).toEqual(['audit checkpoint not sent', 'audit checkpoint not sent']);
    expect(verify(options).ok).toBe(true);
  });

  it('refuses appends after close', async () => {
    const options = auditOptions();
    const log = openAuditLog(options);
    await log.close();
    await log.close();
    expect(() => log.visitStep(visitId, { state: 'late' })).toThrow(AuditUnavailableError);
  });

  it('refuses to open for writing a log whose tail was cut or whose head was altered', async () => {
    const options = await fullVisitLog();
    const db = new Database(options.file);
    db.exec('drop trigger audit_entries_no_delete');
    db.prepare('delete from audit_entries where seq > 10').run();
    db.close();
    expect(() => openAuditLog(options)).toThrow(AuditTamperedError);
    expect(() => openAuditLog(options)).toThrow(/entry 11: missing/);

    const other = await fullVisitLog();
    const edit = new Database(other.file);
    edit.exec('drop trigger audit_entries_no_update');
    edit.prepare("update audit_entries set payload = '{}' where seq = 13").run();
    edit.close();
    expect(() => openAuditLog(other)).toThrow(/entry 13: its hash does not match/);
  });
});
