import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { cscaTrustFrom } from '../../../drivers/emrtd/sod.js';
import { openAuditLog, type AuditLogOptions } from '../../../src/audit/auditLog.js';
import { AuditStore } from '../../../src/audit/auditStore.js';
import { readKioskKey } from '../../../src/audit/kioskKey.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { attachAuditTrail, auditDeskDecision } from '../../../src/kiosk/auditTrail.js';
import type { RaClient } from '../../../src/kiosk/ra.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { startKiosk } from '../../../src/kiosk/run/kiosk.js';
import { KioskService, type RunningVisit } from '../../../src/kiosk/service.js';
import { auditOptions } from '../../support/auditVisit.js';
import { answering, closeServer, setupOver, untilView } from '../../support/runningKiosk.js';
import {
  childState,
  chooseMedium,
  idn,
  kiosk,
  mrzOf,
  password,
  until,
  walkThroughIdentity,
  walkToStorage,
} from '../../support/kioskWorld.js';
import { servicePin } from '../../support/serviceWorld.js';

// Issue 14 item 2: the running kiosk writes each visit to the audit log (src/kiosk/auditTrail.ts),
// on fakes: the virtual eMRTD in a fake reader, the fake CA behind the in-process RA, a fake drive
// or token. The rows come from the visit's snapshots; the file verifies; it holds none of the
// visit's secrets in any encoding; and a log that cannot be written never stops a visit.

interface Row {
  readonly kind: string;
  readonly visit: string | null;
  readonly payload: Record<string, unknown>;
}

function rowsOf(options: AuditLogOptions): Row[] {
  const store = AuditStore.openForReading(options.file);
  try {
    return [...store.rows()].map((row) => ({
      kind: String(row.kind),
      visit: typeof row.visit === 'string' ? row.visit : null,
      payload: JSON.parse(String(row.payload)) as Record<string, unknown>,
    }));
  } finally {
    store.close();
  }
}

/** A row as a short line: `visit.step flow`, `teller.decision approved`, `ca.outcome issue ok`. */
function line(row: Row): string {
  const p = row.payload;
  if (row.kind === 'visit.step') return `step ${String(p.state)}`;
  if (row.kind === 'teller.decision') return `teller ${String(p.decision)}`;
  if (row.kind === 'ca.outcome') return `ca ${String(p.operation)} ${String(p.outcome)}`;
  return row.kind;
}

/** The log's bytes and every file beside it (checkpoints, a journal left behind). */
function filesBeside(options: AuditLogOptions): Buffer {
  const dir = dirname(options.file);
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}

const noLog = { error: () => undefined };

/**
 * A service whose chip verifies (the test document's CSCA trusted); the RA's codes noted; the
 * visit's delays on `clock` if given.
 */
async function verifyingKiosk(kind: 'usb' | 'token', clock?: SimulatedClock) {
  const made = await kiosk(kind);
  const codes: string[] = [];
  const ra = raInProcess(made.world.ca.db);
  const noting: RaClient = {
    ...ra,
    register: async (request, signal) => {
      const registration = await ra.register(request, signal);
      codes.push(registration.authCode.toString('ascii'));
      return registration;
    },
  };
  const raEncryption = made.world.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('no RA certificate');
  const service = new KioskService({
    ctx: made.world.ctx,
    institutions: defaultInstitutions,
    ra: noting,
    ca: { url: 'http://ca.invalid/', trust: made.world.ca.trust, raEncryption },
    cscaTrust: cscaTrustFrom([made.profile.csca.certificate]),
    delays: { inactivityWarning: 600_000, inactivityWipe: 60_000, tellerApproval: 600_000 },
    ...(clock === undefined ? {} : { clock }),
  });
  return { ...made, service, codes };
}

/** Home → issue → the form → the chip read; resolves when the teller is asked. */
async function toApproval(
  visit: RunningVisit,
  profile: Parameters<typeof mrzOf>[0],
  certificateType = 'bank',
) {
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType });
  visit.submitForm({
    name: '홍길동',
    idn: Buffer.from(idn),
    phone: '010-1234-5678',
    ...(certificateType === 'bank' ? {} : { account: '123-456-789012' }),
  });
  visit.send({ type: 'visitor.chip' });
  visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
  await until(visit, (s) => childState(s, 'identity') === 'approval');
}

describe('the audit trail of a visit', () => {
  it.each(['usb', 'token'] as const)(
    'a whole issuance onto a %s writes its steps, the approval and the CA outcomes; it verifies and holds no secret',
    async (kind) => {
      const { service, profile, codes, world } = await verifyingKiosk(kind);
      const options = auditOptions();
      const log = openAuditLog(options);
      const visit = service.startVisit();
      const detach = attachAuditTrail(log, visit, noLog);
      await toApproval(visit, profile);
      visit.send({ type: 'teller.approve', teller: 'kim', at: new Date().toISOString() });
      await until(visit, (s) => s.matches({ flow: 'storage' }));
      chooseMedium(visit, kind);
      await until(visit, (s) => s.matches({ flow: 'done' }));
      visit.send({ type: 'visitor.finish' });
      expect(await visit.ended).toBe('done');
      detach();
      await log.close();

      const rows = rowsOf(options);
      const lines = rows.map(line);
      // One row per step the visit moved to, the decision and each exchange where they happen.
      expect(lines).toEqual([
        'kiosk.start',
        'step home',
        'step choosing',
        'step form',
        'step identity.choosing',
        'step identity.chip.mrz',
        'step identity.chip.reading',
        'step identity.approval',
        'teller approved',
        'step identity.approved',
        'step registering',
        'ca register ok',
        'step storage.choosing',
        kind === 'usb' ? 'step storage.password' : 'step storage.pin',
        'step storage.chosen',
        'step issuing',
        'ca issue ok',
        'step done',
        'step finished',
        'kiosk.stop',
      ]);
      expect(rows.slice(1, -1).every((r) => r.visit === visit.id)).toBe(true);

      const payload = (l: string) => rows[lines.indexOf(l)]?.payload;
      expect(payload('step form')).toEqual({
        state: 'form',
        purpose: 'issue',
        institution: 'demo-bank',
        certificateType: 'bank',
      });
      expect(payload('step issuing')).toMatchObject({ medium: kind });
      expect(payload('teller approved')).toMatchObject({
        decision: 'approved',
        teller: 'kim',
        evidence: 'chipVerified',
        holderName: '홍길동',
        idnMasked: '900101-1******',
        chip: { verified: true, documentNumber: profile.person.documentNumber },
      });
      expect(payload('teller approved')).not.toHaveProperty('overrideReason');
      const registered = payload('ca register ok');
      expect(registered?.ref).toMatch(/^[0-9]{8}$/);
      const [serial] = await world.serials();
      expect(payload('ca issue ok')).toMatchObject({
        operation: 'issue',
        outcome: 'ok',
        ref: registered?.ref,
        serial: serial?.toLowerCase(),
        medium: kind,
      });
      expect(payload('ca issue ok')?.notAfter).toMatch(/^\d{4}-\d{2}-\d{2}T/);

      const store = AuditStore.openForReading(options.file);
      try {
        const report = verifyAuditLog({
          store,
          checkpointFiles: [options.checkpointsFile],
          publicKey: readKioskKey(options.keyFile).publicKey,
        });
        expect(report).toMatchObject({ ok: true, entries: rows.length, faults: [] });
      } finally {
        store.close();
      }

      // DESIGN §8: no full IDN, new password or PIN, or authorization code, in any encoding.
      expect(codes).toHaveLength(1);
      const secrets = [
        idn,
        `${idn.slice(0, 6)}-${idn.slice(6)}`,
        kind === 'usb' ? password : servicePin,
        ...codes,
      ];
      const bytes = filesBeside(options);
      for (const secret of secrets)
        for (const encoded of [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')])
          expect(bytes.includes(encoded), `${secret} as ${String(encoded.length)} bytes`).toBe(
            false,
          );
      service.close();
      world.ca.close();
    },
    60_000,
  );

  it('an override is recorded with its reason and the chip’s findings', async () => {
    const { service, profile, world } = await kiosk('usb');
    const options = auditOptions();
    const log = openAuditLog(options);
    const visit = service.startVisit();
    attachAuditTrail(log, visit, noLog);
    await walkThroughIdentity(visit, profile);
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    service.close();
    await log.close();
    const decisions = rowsOf(options).filter((r) => r.kind === 'teller.decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.payload).toMatchObject({
      decision: 'approved',
      teller: 'kim',
      evidence: 'chipNotVerifiedOverride',
      overrideReason: 'test chip without a CSCA; photo matches the visitor',
      chip: { verified: false },
    });
    // No CSCA trusted here: Passive Authentication did not run, named without its particulars.
    const chip = decisions[0]?.payload.chip as { findings?: string[] };
    expect(chip.findings?.length).toBeGreaterThan(0);
    for (const finding of chip.findings ?? []) expect(finding).toMatch(/^[A-Za-z0-9_.,:-]+$/);
    world.ca.close();
  }, 60_000);

  it('an in-person approval records the masked document and no chip', async () => {
    const { service, world } = await kiosk('usb');
    const options = auditOptions();
    const log = openAuditLog(options);
    const visit = service.startVisit();
    attachAuditTrail(log, visit, noLog);
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    visit.send({ type: 'visitor.noChip' });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    const answer = await visit.approveInPerson({
      teller: 'lee',
      document: { type: 'residentCard', number: Buffer.from(`${idn.slice(0, 6)}-${idn.slice(6)}`) },
    });
    expect(answer.ok).toBe(true);
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    service.close();
    await log.close();
    const decisions = rowsOf(options).filter((r) => r.kind === 'teller.decision');
    expect(decisions.map((r) => r.payload)).toEqual([
      {
        decision: 'approved',
        teller: 'lee',
        decidedAt: expect.stringMatching(/Z$/) as unknown,
        evidence: 'inPersonOnly',
        holderName: '홍길동',
        idnMasked: '900101-1******',
        document: { type: 'residentCard', numberMasked: '900101-1******' },
      },
    ]);
    expect(filesBeside(options).includes(Buffer.from(idn.slice(6)))).toBe(false);
    world.ca.close();
  }, 60_000);

  it('a rejection is recorded with its reason, and a fee taken after an approval', async () => {
    const rejected = await kiosk('usb');
    const options = auditOptions();
    const log = openAuditLog(options);
    const first = rejected.service.startVisit();
    attachAuditTrail(log, first, noLog);
    await toApproval(first, rejected.profile);
    first.send({ type: 'teller.reject', teller: 'kim', reason: 'the photo is not the visitor' });
    await until(first, (s) => s.matches({ flow: 'rejected' }));
    rejected.service.close();

    const paying = await kiosk('usb');
    const second = paying.service.startVisit();
    attachAuditTrail(log, second, noLog, { now: () => new Date('2026-03-02T02:00:00.000Z') });
    await toApproval(second, paying.profile, 'general');
    second.send({
      type: 'teller.approve',
      teller: 'kim',
      at: new Date().toISOString(),
      overrideReason: 'test chip without a CSCA',
    });
    await until(second, (s) => childState(s, 'identity') === 'fee');
    second.send({ type: 'teller.feePaid', teller: 'park' });
    await until(second, (s) => s.matches({ flow: 'storage' }));
    paying.service.close();
    await log.close();

    const decisions = rowsOf(options).filter((r) => r.kind === 'teller.decision');
    expect(decisions.map((r) => [r.visit, r.payload.decision])).toEqual([
      [first.id, 'rejected'],
      [second.id, 'approved'],
      [second.id, 'feePaid'],
    ]);
    expect(decisions[0]?.payload).toMatchObject({
      teller: 'kim',
      reason: 'the photo is not the visitor',
      holderName: '홍길동',
      chip: { verified: false },
    });
    // The visit does not record who took the fee: the teller API does (auditDeskDecision).
    expect(decisions[2]?.payload).toEqual({
      decision: 'feePaid',
      decidedAt: '2026-03-02T02:00:00.000Z',
    });
    rejected.world.ca.close();
    paying.world.ca.close();
  }, 60_000);

  it('the teller’s time running out is recorded, then the approval asked again', async () => {
    const clock = new SimulatedClock();
    const { service, profile, world } = await verifyingKiosk('usb', clock);
    const options = auditOptions();
    const log = openAuditLog(options);
    const visit = service.startVisit();
    attachAuditTrail(log, visit, noLog);
    await toApproval(visit, profile);
    clock.increment(600_000);
    await until(visit, (s) => childState(s, 'identity') === 'approvalTimedOut');
    visit.send({ type: 'visitor.retry' });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    visit.send({ type: 'teller.approve', teller: 'kim', at: new Date().toISOString() });
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    service.close();
    await log.close();
    const rows = rowsOf(options).map(line);
    expect(rows.filter((l) => l.startsWith('teller '))).toEqual([
      'teller timedOut',
      'teller approved',
    ]);
    expect(rows.indexOf('step identity.approvalTimedOut')).toBeGreaterThan(
      rows.indexOf('teller timedOut'),
    );
    world.ca.close();
  }, 60_000);

  it('the teller API’s fee decision is written with its teller; approvals and refusals are not', () => {
    const options = auditOptions();
    const log = openAuditLog(options);
    const base = {
      at: '2026-03-02T01:05:00.000Z',
      teller: 'park',
      visitId: '3f1c2a4e-8b7d-4c21-9a55-0e6b1d2f7a90',
      override: false,
    } as const;
    auditDeskDecision(log, { ...base, kind: 'feePaid', outcome: 'accepted' }, noLog);
    auditDeskDecision(log, { ...base, kind: 'feePaid', outcome: 'notWaiting' }, noLog);
    auditDeskDecision(
      log,
      { ...base, kind: 'approve', outcome: 'accepted', evidence: 'chipVerified' },
      noLog,
    );
    void log.close();
    expect(rowsOf(options).map((r) => [r.kind, r.payload])).toEqual([
      ['kiosk.start', {}],
      ['teller.decision', { decision: 'feePaid', teller: 'park', decidedAt: base.at }],
      ['kiosk.stop', { reason: 'shutdown' }],
    ]);
  });

  it('a CA refusal is recorded with its code and what was spent; the retry that issues too', async () => {
    const { service, profile, world } = await kiosk('usb');
    const options = auditOptions();
    const log = openAuditLog(options);
    const visit = service.startVisit();
    attachAuditTrail(log, visit, noLog);
    await walkToStorage(visit, profile);
    world.ca.failNext('rejection');
    chooseMedium(visit, 'usb');
    await until(visit, (s) => s.matches({ flow: 'effectFailed' }));
    visit.send({ type: 'visitor.retry' });
    await until(visit, (s) => s.matches({ flow: 'done' }));
    service.close();
    await log.close();
    const outcomes = rowsOf(options)
      .filter((r) => r.kind === 'ca.outcome')
      .map((r) => r.payload);
    expect(outcomes.map((p) => [p.operation, p.outcome])).toEqual([
      ['register', 'ok'],
      ['issue', 'refused'],
      ['issue', 'ok'],
    ]);
    expect(outcomes[1]).toMatchObject({ spent: 'nothing', ref: outcomes[0]?.ref });
    expect(outcomes[1]?.code).toBe('CMP_REJECTED');
    expect(outcomes[1]?.detail).toMatch(/^CMP_REJECTED: .*badRequest/);
    world.ca.close();
  }, 60_000);

  it('a log that cannot be written is logged by kind, and the visit goes on to the end', async () => {
    const { service, profile, world } = await kiosk('usb');
    const options = auditOptions();
    const log = openAuditLog(options);
    await log.close();
    const errors: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      error: (fields: Record<string, unknown>, message: string) => {
        errors.push({ fields, message });
      },
    };
    const visit = service.startVisit();
    attachAuditTrail(log, visit, logger as never);
    await walkToStorage(visit, profile);
    chooseMedium(visit, 'usb');
    await until(visit, (s) => s.matches({ flow: 'done' }));
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');
    const kinds = new Set(errors.map((e) => e.fields.kind));
    expect(kinds).toEqual(new Set(['visit.step', 'teller.decision', 'ca.outcome']));
    expect(errors.every((e) => e.fields.visit === visit.id)).toBe(true);
    // The kind, the visit and the error: never the row's values.
    for (const { fields } of errors)
      expect(Object.keys(fields).sort()).toEqual(['err', 'kind', 'visit']);
    expect(rowsOf(options).map((r) => r.kind)).toEqual(['kiosk.start', 'kiosk.stop']);
    service.close();
    world.ca.close();
  }, 60_000);
});

describe('the running kiosk and its audit log', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
  });

  it('writes each visit it starts, and closes the log with itself', async () => {
    // Any answer is "up" for the kiosk's CA check.
    const server = await answering();
    servers.push(server);
    // Its fake reader (with the document) keeps the kiosk in service.
    const { world } = await kiosk('usb');
    const options = auditOptions();
    const running = await startKiosk(world.ctx, {
      setup: setupOver(world, server),
      audit: openAuditLog(options),
    });
    await untilView(running, (v) => v.state === 'ready');
    running.send({ type: 'kiosk.visitor' });
    const visit = running.visit();
    if (visit === undefined) throw new Error('no visit');
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    await running.close();
    expect(
      rowsOf(options).map((r) => (r.kind === 'visit.step' ? r.payload.state : r.kind)),
    ).toEqual(['kiosk.start', 'home', 'choosing', 'wiping', 'finished', 'kiosk.stop']);
    world.ca.close();
  }, 60_000);
});
