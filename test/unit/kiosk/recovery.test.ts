import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/service/medium.js';
import type { RaClient } from '../../../src/kiosk/ra.js';
import { pendingLabel } from '../../../src/certificates/tokenPairs.js';
import { openAuditLog } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { readKioskKey } from '../../../src/audit/kioskKey.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { auditRecovered } from '../../../src/kiosk/auditRecovered.js';
import { recoverVisits, type RecoveredVisit } from '../../../src/kiosk/recovery.js';
import { VisitStore, type VisitRecord } from '../../../src/kiosk/visitStore.js';
import { CmpTransportError } from '../../../src/errors/index.js';
import { auditOptions } from '../../support/auditVisit.js';
import { tempDir } from '../../support/tempDir.js';
import { chooseMedium, kiosk, walkToStorage } from '../../support/kioskWorld.js';

// Issue 14 item 3 on fakes: a visit cut off mid-issuance is settled at the next start by asking
// the world (the medium, the CA through the RA) what is true. The cut is made where a crash would
// leave the CA: the kiosk stops right after a journal entry and the CA never hears the certConf
// (the fake CA's `silence`), so its transaction stays open as after a real kill. The real kill
// test, with SIGKILL at every record, is test/e2e/killResume.test.ts.

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

type Kind = 'usb' | 'token';

/**
 * A visit issuing onto `kind` that stops at the journal entry `at`: after it, the CA hears
 * nothing more, and with `fail` the issuance stops there too (as the process would).
 */
async function cutAt(kind: Kind, at: string, fail: boolean) {
  const file = join(tempDir('visits-'), 'visits.sqlite');
  let onRecord: (record: VisitRecord) => void = () => undefined;
  const store = VisitStore.open(file, {
    onRecord: (r) => {
      onRecord(r);
    },
  });
  const k = await kiosk(kind, { store });
  closers.push(() => {
    k.close();
    store.close();
  });
  const visit = k.service.startVisit();
  const reached = new Promise<void>((resolve) => {
    onRecord = (record) => {
      if (record.kind !== 'fact' || record.name !== at) return;
      k.world.ca.failNext('silence');
      resolve();
      if (fail) throw new Error('the kiosk died here');
    };
  });
  await walkToStorage(visit, k.profile);
  chooseMedium(visit, kind);
  await reached;
  const ref = visit.snapshot().context.ref ?? '';
  // The kiosk stops: the visit stays open in the store.
  k.service.close();
  await visit.ended;
  return { k, store, file, ref, visit };
}

/** What auditRecovered writes for `recovered`, as lines, after the log verifies. */
async function auditedLines(recovered: readonly RecoveredVisit[]): Promise<string[]> {
  const options = auditOptions();
  const log = openAuditLog(options);
  auditRecovered(log, recovered, { error: () => undefined });
  await log.close();
  const audit = AuditStore.openForReading(options.file);
  try {
    const report = verifyAuditLog({
      store: audit,
      checkpointFiles: [options.checkpointsFile],
      publicKey: readKioskKey(options.keyFile).publicKey,
    });
    expect(report.faults).toEqual([]);
    return [...audit.rows()]
      .filter((row) => row.visit !== null)
      .map((row) => {
        const p = JSON.parse(String(row.payload)) as Record<string, string | undefined>;
        const what = [p.state, p.operation, p.outcome, p.serial].filter((x) => x !== undefined);
        return [String(row.visit), String(row.kind), ...what].join(' ');
      });
  } finally {
    audit.close();
  }
}

function received(store: VisitStore) {
  const fact = store.openVisits()[0]?.facts.find((f) => f.step === 'received');
  if (fact?.step !== 'received') throw new Error('no certificate was received');
  return fact;
}

describe('recovery at start', { timeout: 30_000 }, () => {
  it('confirms through the RA a pair stored completely whose certConf never arrived: finished', async () => {
    const { k, store, ref } = await cutAt('usb', 'stored', false);
    const { serial } = received(store);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('pending');

    const recovered = await recoverVisits(k.world.ctx, store, k.ra);
    const [result] = recovered;
    expect(result).toMatchObject({ outcome: 'finished', ref, certificate: { serial } });
    expect(await auditedLines(recovered)).toEqual([
      `${result?.visit} visit.step recovered.finished`,
      `${result?.visit} ca.outcome confirm ok ${serial}`,
    ]);
    expect(result?.problems).toEqual([]);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('issued');
    expect(await k.world.serials()).toEqual([serial]);
    expect(store.openVisits()).toEqual([]);
    // The reference is spent: nothing is issued on it again.
    expect(k.world.ca.db.registration(ref)?.usedAt).toBeDefined();
  });

  it('finishes a visit that had confirmed its certificate itself, without a second confirmation', async () => {
    const { k, store } = await cutAt('usb', 'confirmed', false);
    const { serial } = received(store);
    const recovered = await recoverVisits(k.world.ctx, store, k.ra);
    expect(recovered[0]).toMatchObject({ outcome: 'finished', confirmedBefore: true });
    expect(await auditedLines(recovered)).toEqual([
      `${recovered[0]?.visit} visit.step recovered.finished`,
    ]);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('issued');
  });

  it('asks the drive when the journal lacks `stored`: the pair found there is confirmed', async () => {
    const { k, store, file } = await cutAt('usb', 'stored', false);
    const { serial } = received(store);
    // As if the kiosk died between the folder's rename and the journal entry.
    const db = new Database(file);
    db.prepare("delete from records where kind = 'fact' and name = 'stored'").run();
    db.close();
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'finished', certificate: { serial } });
    expect(k.world.ca.db.certificate(serial)?.status).toBe('issued');
  });

  it('voids at the CA a certificate received and never stored, and leaves nothing on the drive', async () => {
    const { k, store } = await cutAt('usb', 'received', true);
    const { serial } = received(store);
    const recovered = await recoverVisits(k.world.ctx, store, k.ra);
    const [result] = recovered;
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial] });
    expect(await auditedLines(recovered)).toEqual([
      `${result?.visit} visit.step recovered.cancelled`,
      `${result?.visit} ca.outcome confirm refused ${serial}`,
    ]);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('rejected');
    expect(k.world.ca.db.revocation(serial)).toBeDefined();
    expect(await k.world.serials()).toEqual([]);
    expect(store.openVisits()).toEqual([]);
  });

  it('removes from the drive a complete pair the CA voided before the kiosk came back', async () => {
    const { k, store, ref } = await cutAt('usb', 'stored', false);
    const { serial } = received(store);
    expect(await k.world.serials()).toEqual([serial]);
    // The CA's transaction expired meanwhile (as expireTransactions does): voided, unconfirmable.
    await k.ra.close(ref);
    expect(k.world.ca.db.certificate(serial)?.status).toBe('rejected');
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result).toMatchObject({ outcome: 'cancelled', voided: [serial], problems: [] });
    expect(await k.world.serials()).toEqual([]);
  });

  it('reports a token’s unfinished key pair, which only its PIN can remove', async () => {
    const { k, store } = await cutAt('token', 'keyMade', true);
    // The failure cleaned up after itself while the session was open; a crash would not have.
    // Put the pending pair back as a crash leaves it: generated, never finished.
    const token = k.world.fakeToken;
    const session = await token.open({ label: 'visitor' });
    await session.login(Buffer.from('135790'));
    const pair = await session.generateRsaKeyPair(pendingLabel(k.world.ctx.config));
    await session.close();
    const [result] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(result?.outcome).toBe('cancelled');
    expect(result?.problems.join('\n')).toContain(Buffer.from(pair.id).toString('hex'));
  });

  it('cancels a visit that issued nothing, closes its registration, and says timed out past its deadline', async () => {
    const file = join(tempDir('visits-'), 'visits.sqlite');
    const store = VisitStore.open(file);
    const k = await kiosk('usb', { store });
    closers.push(() => {
      k.close();
      store.close();
    });
    const visit = k.service.startVisit();
    await walkToStorage(visit, k.profile);
    const ref = visit.snapshot().context.ref ?? '';
    k.service.close();
    await visit.ended;
    // The kiosk comes back after the visit would have timed out.
    const later: ServiceContext = { ...k.world.ctx, now: () => new Date(Date.now() + 86_400_000) };
    const [result] = await recoverVisits(later, store, k.ra);
    expect(result).toMatchObject({ outcome: 'timedOut', ref, state: 'flow.storage/choosing' });
    expect(k.world.ca.db.registration(ref)?.usedAt).toBeDefined();
    expect(store.outcome(visit.id)).toBe('recovered:timedOut');
  });

  it('leaves a visit open while the CA does not answer, and settles it once it does', async () => {
    const { k, store } = await cutAt('usb', 'stored', false);
    const quiet: RaClient = {
      ...k.ra,
      close: () => Promise.reject(new CmpTransportError('no answer')),
    };
    const [first] = await recoverVisits(k.world.ctx, store, quiet);
    expect(first?.outcome).toBe('unsettled');
    expect(first?.problems.join('\n')).toMatch(/stays open/);
    expect(store.openVisits()).toHaveLength(1);
    const [second] = await recoverVisits(k.world.ctx, store, k.ra);
    expect(second?.outcome).toBe('finished');
    expect(store.openVisits()).toEqual([]);
  });
});
