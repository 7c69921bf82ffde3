import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors/index.js';
import { FakeIdAuthenticity } from '../../../src/kiosk/idAuthenticity/fake.js';
import type { RunningVisit } from '../../../src/kiosk/service.js';
import { childState, idn, kiosk, until } from '../../support/kioskWorld.js';

// Issue 13: a visitor without a chip document is approved on the teller's in-person check. The
// teller types the physical ID's number; the service checks it, asks the ID authenticity service
// where one is configured, and the approval carries only the masked number. A masked number sent
// as an event from outside is no record anyone checked, and is refused.

async function atInPersonCheck(visit: RunningVisit): Promise<void> {
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
  visit.send({ type: 'visitor.noChip' });
  await until(visit, (s) => childState(s, 'identity') === 'approval');
}

describe('the in-person approval', () => {
  it('a number that does not check is refused, named, and nothing is approved', async () => {
    const { service, close } = await kiosk('usb');
    const visit = service.startVisit();
    await atInPersonCheck(visit);
    const typed = Buffer.from('901301-1234568'); // month 13
    const answer = await visit.approveInPerson({
      teller: 'kim',
      document: { type: 'residentCard', number: typed },
    });
    expect(answer.ok).toBe(false);
    expect(typed.every((b) => b === 0)).toBe(true);
    expect(childState(visit.snapshot(), 'identity')).toBe('approval');
    expect(JSON.stringify(answer)).not.toContain('1234568');
    close();
  }, 60_000);

  it('a driver’s licence approves with the masked number; the CA records in person only', async () => {
    const { service, world, close } = await kiosk('usb');
    const visit = service.startVisit();
    await atInPersonCheck(visit);
    const answer = await visit.approveInPerson({
      teller: 'kim',
      document: { type: 'driverLicence', number: Buffer.from('11-91-123456-01') },
    });
    expect(answer).toMatchObject({
      ok: true,
      document: { type: 'driverLicence', numberMasked: '11-91-********' },
      authenticity: 'notChecked',
    });
    const storage = await until(visit, (s) => s.matches({ flow: 'storage' }));
    expect(storage.context.identity).toMatchObject({
      outcome: 'approved',
      approval: { evidence: 'inPersonOnly', inPerson: { numberMasked: '11-91-********' } },
    });
    expect(JSON.stringify(storage.context)).not.toContain('123456');
    const ref = storage.context.ref ?? '';
    expect(world.ca.db.registration(ref)?.approval).toMatchObject({
      approvedBy: 'kim',
      evidence: 'inPersonOnly',
    });
    close();
  }, 60_000);

  it('the authenticity service: not authentic is refused; unavailable leaves it to the teller', async () => {
    const authenticity = new FakeIdAuthenticity();
    authenticity.answer('residentCard', idn, { result: 'notAuthentic' });
    const { service, close } = await kiosk('usb', { idAuthenticity: authenticity });
    const visit = service.startVisit();
    await atInPersonCheck(visit);
    const refused = await visit.approveInPerson({
      teller: 'kim',
      document: { type: 'residentCard', number: Buffer.from(idn) },
    });
    expect(refused).toMatchObject({ ok: false, code: 'notAuthentic' });
    expect(childState(visit.snapshot(), 'identity')).toBe('approval');
    authenticity.goDown('unavailable');
    const approved = await visit.approveInPerson({
      teller: 'kim',
      document: { type: 'residentCard', number: Buffer.from(idn) },
    });
    expect(approved).toMatchObject({ ok: true, authenticity: 'unavailable' });
    // The service was asked with the whole number; the visit holds only the masked one.
    expect(authenticity.calls.length).toBe(2);
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    close();
  }, 60_000);

  it('a masked number sent as an event is refused; nor is there an in-person check after a chip', async () => {
    const { service, profile, close } = await kiosk('usb');
    const visit = service.startVisit();
    await atInPersonCheck(visit);
    expect(() => {
      visit.send({
        type: 'teller.approve',
        teller: 'kim',
        inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
      });
    }).toThrow(UsageError);
    expect(childState(visit.snapshot(), 'identity')).toBe('approval');
    visit.send({ type: 'visit.cancel' });
    await visit.ended;

    const chipVisit = service.startVisit();
    chipVisit.send({ type: 'visitor.start', purpose: 'issue' });
    chipVisit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    chipVisit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    chipVisit.send({ type: 'visitor.chip' });
    chipVisit.send({
      type: 'visitor.mrz',
      entry: {
        documentNumber: profile.person.documentNumber,
        birthDate: profile.person.birthDate,
        expiryDate: profile.person.expiryDate,
      },
    });
    await until(chipVisit, (s) => childState(s, 'identity') === 'approval');
    const typed = Buffer.from(idn);
    await expect(
      chipVisit.approveInPerson({
        teller: 'kim',
        document: { type: 'residentCard', number: typed },
      }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(typed.every((b) => b === 0)).toBe(true);
    close();
  }, 60_000);
});
