import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditFiles, auditLogOptions } from '../../src/audit/auditFiles.js';
import { openAuditLog } from '../../src/audit/auditLog.js';
import { fileSink } from '../../src/audit/checkpointSink.js';
import { defaultConfig } from '../../src/config/index.js';
import { fullVisitEntries, steppingClock, visitId, writeVisit } from '../support/auditVisit.js';
import { expectError, json, runKiosk } from '../support/kiosk.js';
import { tempDir } from '../support/tempDir.js';

// Issue 14 item 2, end to end through the built CLI: `kiosk audit verify` and `kiosk audit show`
// on a log written through the module where the kiosk writes it (the state folder under the
// kiosk home), then tampered with as someone holding the file would.

interface Report {
  ok: boolean;
  entries: number;
  keyId: string;
  faults: { problem: string; seq?: number }[];
}

interface Shown {
  entries: { seq: number; visit: string | null; kind: string; payload: Record<string, unknown> }[];
}

/** A kiosk home whose audit log holds one full visit, written through the module. */
async function homeWithVisit(remote?: string): Promise<string> {
  const home = tempDir('audit-home-');
  const log = openAuditLog({
    ...auditLogOptions(defaultConfig(), home),
    ...(remote === undefined ? {} : { sink: fileSink(remote) }),
    now: steppingClock(),
  });
  writeVisit(log);
  writeVisit(log, '7d0b5a1c-2e3f-4a5b-8c9d-0e1f2a3b4c5d');
  await log.close();
  return home;
}

/** Runs SQL on the home's log with the triggers dropped. */
function attack(home: string, sql: string): void {
  const db = new Database(auditFiles(defaultConfig(), home).file);
  db.exec('drop trigger audit_entries_no_update; drop trigger audit_entries_no_delete;');
  db.exec(sql);
  db.close();
}

const entries = fullVisitEntries + 11;

describe('kiosk audit', () => {
  it('verify passes on a log written by full visits, in words and as JSON', async () => {
    const home = await homeWithVisit();
    const words = runKiosk(['audit', 'verify'], home);
    expect(words.status).toBe(0);
    expect(words.stdout).toMatch(
      new RegExp(`: ${entries} entries, head entry ${entries} [0-9a-f]{64}\\n`),
    );
    expect(words.stdout).toMatch(
      /checkpoints: 2 signed by key [0-9a-f]{64}, the newest for entry 24 at /,
    );
    expect(words.stdout).toMatch(/\nok\n$/);
    const report = json<Report>(runKiosk(['audit', 'verify', '--json'], home));
    expect(report).toMatchObject({ ok: true, entries, faults: [] });
  });

  it('verify names the changed entry: exit 1, kiosk: AUDIT_TAMPERED: entry N', async () => {
    const home = await homeWithVisit();
    attack(
      home,
      `update audit_entries set payload = replace(payload, 'teller-07', 'teller-08') where seq = 6`,
    );
    const run = runKiosk(['audit', 'verify'], home);
    expectError(run, 'AUDIT_TAMPERED', /: entry 6: its hash does not match its contents\n$/);
    expect(run.stdout).toMatch(/FAILED: entry 6: its hash does not match/);
    const asJson = runKiosk(['audit', 'verify', '--json'], home);
    expect(asJson.status).toBe(1);
    expect((JSON.parse(asJson.stdout) as Report).faults[0]).toMatchObject({
      seq: 6,
      problem: 'hash',
    });
  });

  it('verify names the entry after a deleted one, and after a cut tail', async () => {
    const home = await homeWithVisit();
    attack(home, 'delete from audit_entries where seq = 9');
    expectError(
      runKiosk(['audit', 'verify'], home),
      'AUDIT_TAMPERED',
      /entry 10: follows entry 8: entry 9 is missing/,
    );
    const cut = await homeWithVisit();
    attack(cut, 'delete from audit_entries where seq > 20');
    expectError(
      runKiosk(['audit', 'verify'], cut),
      'AUDIT_TAMPERED',
      /entry 21: missing: .*entries after 20 are missing/,
    );
  });

  it('verify --checkpoint: the copy on another mount shows a tail cut with its local checkpoints', async () => {
    const remote = join(tempDir('mnt-'), 'kiosk.checkpoints.jsonl');
    const home = await homeWithVisit(remote);
    attack(home, 'delete from audit_entries where seq > 20');
    const local = auditFiles(defaultConfig(), home).checkpointsFile;
    writeFileSync(local, `${readFileSync(local, 'utf8').split('\n')[0] ?? ''}\n`);
    expect(runKiosk(['audit', 'verify'], home).status).toBe(0);
    expectError(
      runKiosk(['audit', 'verify', '--checkpoint', remote], home),
      'AUDIT_TAMPERED',
      /entry 21: missing/,
    );
  });

  it('verify --public-key: checkpoints signed by another key are named', async () => {
    const home = await homeWithVisit();
    const other = join(tempDir('key-'), 'other.pub.pem');
    const { publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(other, publicKey.export({ type: 'spki', format: 'pem' }));
    const run = runKiosk(['audit', 'verify', '--public-key', other], home);
    expectError(
      run,
      'AUDIT_TAMPERED',
      /: checkpoint .*audit\.checkpoints\.jsonl:1: signed by another key/,
    );
    expectError(
      runKiosk(['audit', 'verify', '--public-key', '/dev/null'], home),
      'AUDIT_UNAVAILABLE',
      /\/dev\/null: cannot read a public key/,
    );
    // The kiosk's own public key, as an inspector keeps it, verifies.
    const own = auditFiles(defaultConfig(), home).publicKeyFile;
    expect(runKiosk(['audit', 'verify', '--public-key', own], home).status).toBe(0);
  });

  it('verify --log: a copy of the log, with the checkpoints beside it', async () => {
    const home = await homeWithVisit();
    const files = auditFiles(defaultConfig(), home);
    const dir = tempDir('copy-');
    copyFileSync(files.file, join(dir, 'audit.sqlite'));
    copyFileSync(files.checkpointsFile, join(dir, 'audit.checkpoints.jsonl'));
    const run = runKiosk([
      'audit',
      'verify',
      '--log',
      join(dir, 'audit.sqlite'),
      '--public-key',
      files.publicKeyFile,
    ]);
    expect(run.status).toBe(0);
  });

  it('verify or show without a log says so', () => {
    const home = tempDir('empty-home-');
    expectError(
      runKiosk(['audit', 'verify'], home),
      'AUDIT_UNAVAILABLE',
      /audit\.sqlite: cannot read the audit log/,
    );
    expectError(
      runKiosk(['audit', 'show'], home),
      'AUDIT_UNAVAILABLE',
      /cannot read the audit log/,
    );
  });

  it('show lists every entry, or one visit’s, as JSON or a table, with no secret', async () => {
    const home = await homeWithVisit();
    const all = json<Shown>(runKiosk(['audit', 'show', '--json'], home));
    expect(all.entries).toHaveLength(entries);
    expect(all.entries[0]).toMatchObject({ seq: 1, kind: 'kiosk.start', visit: null });
    const one = json<Shown>(runKiosk(['audit', 'show', '--visit', visitId, '--json'], home));
    expect(one.entries.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 2));
    expect(one.entries.find((e) => e.kind === 'teller.decision')?.payload).toMatchObject({
      teller: 'teller-07 김하나',
      holderName: '홍길동',
      idnMasked: '900101-1******',
    });
    const table = runKiosk(['audit', 'show', '--visit', visitId], home);
    expect(table.status).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+seq\s+at\s+visit\s+kind\s+payload$/);
    expect(lines).toHaveLength(12);
    expect(lines[5]).toMatch(
      new RegExp(
        `^\\s+6  2026-03-02T01:00:\\d\\d\\.000Z  ${visitId}  teller.decision  \\{"decision":"approved"`,
      ),
    );
    expect(table.stdout).not.toMatch(/(?<!\d)\d{6}-?\d{7}(?!\d)/);
  });
});
