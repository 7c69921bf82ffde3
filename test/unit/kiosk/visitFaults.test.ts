import { describe, expect, it } from 'vitest';
import { check } from '../../../src/service/check.js';
import { list } from '../../../src/service/list.js';
import {
  childState,
  chooseMedium,
  idn,
  kiosk,
  mrzOf,
  reader,
  until,
  walkToStorage,
} from '../../support/kioskWorld.js';
import { servicePin } from '../../support/serviceWorld.js';

// Issue 13 faults, on fakes through the kiosk service: each ends with the visitor told what to do
// (a failure state and its kind), the medium consistent, and the reference number usable (a retry
// succeeds) or explicitly spent.

const identityState = (s: Parameters<typeof childState>[0]) =>
  JSON.stringify(childState(s, 'identity'));

describe('the visit through faults', () => {
  it('the card pulled mid-read: waits for it, reads it again when it is back', async () => {
    const { service, profile, pcsc, card, world } = await kiosk('usb');
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    visit.send({ type: 'visitor.chip' });
    pcsc.pullAfter(reader, 6);
    visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    const waiting = await until(visit, (s) => identityState(s) === '{"chip":"waitingForCard"}');
    expect(waiting.matches({ flow: 'identity' })).toBe(true);
    pcsc.insert(reader, card);
    visit.send({ type: 'device.cardInserted' });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    expect(visit.chipReading()?.document.documentNumber).toBe(profile.person.documentNumber);
    service.close();
    world.ca.close();
  }, 60_000);

  it('a wrong MRZ: BAC refused, the MRZ asked again, then read', async () => {
    const { service, profile, world } = await kiosk('usb');
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    visit.send({ type: 'visitor.chip' });
    visit.send({ type: 'visitor.mrz', entry: { ...mrzOf(profile), documentNumber: 'X0000000' } });
    await until(visit, (s) => identityState(s) === '{"chip":"mrz"}' && hasFailure(s, 'wrongMrz'));
    visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    service.close();
    world.ca.close();
  }, 60_000);

  it('the CA refusing: told so, nothing spent, a retry with the same reference issues', async () => {
    const { service, profile, world } = await kiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    world.ca.failNext('rejection');
    chooseMedium(visit, 'usb');
    const failed = await until(visit, (s) => s.matches({ flow: 'effectFailed' }));
    expect(failed.context.failure).toMatchObject({ kind: 'caRefused', spent: 'nothing' });
    expect((await list(world.ctx, { medium: world.medium })).certificates).toEqual([]);
    visit.send({ type: 'visitor.retry' });
    await until(visit, (s) => s.matches({ flow: 'done' }));
    expect(world.ca.bodyTypes).toEqual(['ir', 'ir', 'certConf']);
    service.close();
    world.ca.close();
  }, 60_000);

  it('the token pulled during keygen: put it back, the same reference issues, no half pair', async () => {
    const { service, profile, world } = await kiosk('token');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    world.fakeToken.removeDuringNext('generateRsaKeyPair');
    chooseMedium(visit, 'token');
    const removed = await until(visit, (s) => s.matches({ flow: 'mediumRemoved' }));
    expect(removed.context.failure).toMatchObject({ kind: 'tokenRemoved', spent: 'nothing' });
    world.fakeToken.insertToken('visitor');
    visit.send({ type: 'device.mediumBack' });
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const onToken = (await list(world.ctx, { medium: world.medium })).certificates;
    expect(onToken).toMatchObject([{ ok: true, facts: { serial: done.context.issued?.serial } }]);
    expect(world.ca.bodyTypes).toEqual(['ir', 'certConf']);
    // The half pair the pull left (a private key without its public half) was swept.
    const session = await world.fakeToken.open({ label: 'visitor' });
    await session.login(Buffer.from(servicePin));
    const kinds = (await session.listObjects()).map((o) => o.kind).sort();
    await session.close();
    // One pair with its certificate and its VID's random number (a data object).
    expect(kinds).toEqual(['certificate', 'data', 'privateKey', 'publicKey']);
    service.close();
    world.ca.close();
  }, 60_000);

  it('the drive pulled during the write: refused at the CA, put back, the retry issues', async () => {
    const { service, profile, world } = await kiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    // Pulled once the pair's first file is on its way (the write step, after the CA answered).
    world.fakeDrives.volume('/dev/sdz').pullAfterBytes(100);
    chooseMedium(visit, 'usb');
    const removed = await until(visit, (s) => s.matches({ flow: 'mediumRemoved' }));
    expect(removed.context.failure).toMatchObject({ kind: 'driveRemoved', spent: 'refused' });
    world.fakeDrives.reinsert('/dev/sdz');
    visit.send({ type: 'device.mediumBack' });
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const onDrive = (await list(world.ctx, { medium: world.medium })).certificates;
    expect(onDrive).toMatchObject([{ ok: true, facts: { serial: done.context.issued?.serial } }]);
    // The first certificate was refused (certConf rejection) and revoked by the CA.
    expect(world.ca.bodyTypes).toEqual(['ir', 'certConf', 'ir', 'certConf']);
    expect(world.ca.db.revocations()).toHaveLength(1);
    service.close();
    world.ca.close();
  }, 60_000);
  it('cancelled while issuing: the medium holds nothing, or a pair its password opens', async () => {
    const { service, profile, world } = await kiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    chooseMedium(visit, 'usb');
    // Cancel as soon as the CA has the request: the answer arrives, the write may be under way.
    while (!world.ca.bodyTypes.includes('ir')) await new Promise((r) => setImmediate(r));
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    const stored = (await list(world.ctx, { medium: world.medium })).certificates;
    if (stored.length > 0) {
      const report = await check(world.ctx, { medium: world.medium, secret: world.secret, idn });
      expect(report).toMatchObject({ passwordOk: true, keyMatchesCert: true, vidOk: true });
    } else if (world.ca.bodyTypes.length === 1) {
      // Cut off in flight (unanswered): the CA voids what it issued when the transaction
      // expires (ca.transactionTimeoutMs), and the reference reopens; no certConf was sent.
      expect(world.ca.bodyTypes).toEqual(['ir']);
    } else {
      // Refused: the CA was told (certConf rejection) and revoked what it issued.
      expect(world.ca.bodyTypes).toEqual(['ir', 'certConf']);
      expect(world.ca.db.revocations()).toHaveLength(1);
    }
    service.close();
    world.ca.close();
  }, 60_000);
});

function hasFailure(s: Parameters<typeof childState>[0], kind: string): boolean {
  const identity = (
    s.children as Record<string, { getSnapshot(): { context: unknown } } | undefined>
  ).identity;
  const context = identity?.getSnapshot().context as { failure?: { kind?: string } } | undefined;
  return context?.failure?.kind === kind;
}
