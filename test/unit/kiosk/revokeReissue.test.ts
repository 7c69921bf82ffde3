import { describe, expect, it } from 'vitest';
import { list } from '../../../src/service/list.js';
import type { RunningVisit } from '../../../src/kiosk/service.js';
import {
  chooseMedium,
  kiosk,
  until,
  walkThroughIdentity,
  walkToStorage,
} from '../../support/kioskWorld.js';

// Issue 13: revocation after a loss and reissue after a forgotten password, walked through the
// kiosk service on fakes, with the RA in process and over its endpoint (mutual TLS). The RA finds
// the approved holder's certificates at the CA by the registration, never by a name: a second
// 홍길동 with another resident number sees none of the first one's.

/** A visit issuing one certificate to the form's holder (홍길동, the default IDN). */
async function issueOne(world: Awaited<ReturnType<typeof kiosk>>): Promise<string> {
  const visit = world.service.startVisit();
  await walkToStorage(visit, world.profile);
  chooseMedium(visit, 'usb');
  const done = await until(visit, (s) => s.matches({ flow: 'done' }));
  visit.send({ type: 'visitor.finish' });
  await visit.ended;
  return done.context.issued?.serial ?? '';
}

const atCaOf = (visit: RunningVisit) =>
  until(visit, (s) => s.matches({ flow: 'pickingRevocation' })).then((s) => s.context.atCa);

describe.each(['inProcess', 'network'] as const)('through the RA %s', (ra) => {
  it('a revocation: the holder’s certificate listed, revoked with the reason, recorded', async () => {
    const world = await kiosk('usb', { ra });
    const serial = await issueOne(world);
    const visit = world.service.startVisit();
    await walkThroughIdentity(visit, world.profile, 'revoke');
    const atCa = await atCaOf(visit);
    expect(atCa.map((c) => c.serial)).toEqual([serial]);
    expect(atCa[0]?.subject).toContain('홍길동');
    // A serial that is not in the list is not revoked (the pick list is the CA's answer).
    visit.send({ type: 'visitor.pickRevocation', serial: 'ab12', reason: 'keyCompromise' });
    expect(visit.snapshot().matches({ flow: 'pickingRevocation' })).toBe(true);
    visit.send({ type: 'visitor.pickRevocation', serial, reason: 'keyCompromise' });
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const db = world.world.ca.db;
    expect(db.certificate(serial)?.status).toBe('revoked');
    expect(db.revocation(serial)?.reason).toBe(1);
    const ref = done.context.ref ?? '';
    expect(db.raRevocation(serial)).toMatchObject({ ref, approvedBy: 'kim' });
    expect(db.raRevocation(serial)?.raSerial !== undefined).toBe(ra === 'network');
    // Nothing follows a revocation: the registration is spent and its resident number forgotten.
    expect(db.registration(ref)?.usedAt).toBeDefined();
    expect(db.registration(ref)?.idn).toBeUndefined();
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');
    world.close();
  }, 90_000);

  it('a second 홍길동 with another resident number finds nothing to revoke', async () => {
    const world = await kiosk('usb', { ra });
    const serial = await issueOne(world);
    const visit = world.service.startVisit();
    await walkThroughIdentity(visit, world.profile, 'revoke', {
      name: '홍길동',
      idn: '8501011234566',
    });
    await until(visit, (s) => s.matches({ flow: 'nothingAtCa' }));
    expect(visit.snapshot().context.atCa).toEqual([]);
    const ref = visit.snapshot().context.ref ?? '';
    visit.send({ type: 'visitor.finish' });
    await visit.ended;
    expect(world.world.ca.db.certificate(serial)?.status).toBe('issued');
    // The visit is over: its registration is closed at the CA (spent, the IDN forgotten).
    expect(world.world.ca.db.registration(ref)).toMatchObject({ idn: undefined });
    expect(world.world.ca.db.registration(ref)?.usedAt).toBeDefined();
    world.close();
  }, 90_000);

  it('a reissue: the old certificate revoked, a new one on the medium, one registration', async () => {
    const world = await kiosk('usb', { ra });
    const old = await issueOne(world);
    const visit = world.service.startVisit();
    await walkThroughIdentity(visit, world.profile, 'reissue');
    expect((await atCaOf(visit)).map((c) => c.serial)).toEqual([old]);
    visit.send({ type: 'visitor.pickRevocation', serial: old, reason: 'superseded' });
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    const db = world.world.ca.db;
    expect(db.revocation(old)?.reason).toBe(4);
    const ref = visit.snapshot().context.ref ?? '';
    // Kept open for the issuance that follows.
    expect(db.registration(ref)?.usedAt).toBeUndefined();
    chooseMedium(visit, 'usb');
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const fresh = done.context.issued?.serial ?? '';
    expect(fresh).not.toBe(old);
    expect(db.certificate(fresh)?.ref).toBe(ref);
    expect(db.registration(ref)?.usedAt).toBeDefined();
    const onMedium = await list(world.world.ctx, { medium: world.world.medium });
    expect(onMedium.certificates.flatMap((c) => (c.ok ? [c.facts.serial] : []))).toContain(fresh);
    world.close();
  }, 90_000);
});
