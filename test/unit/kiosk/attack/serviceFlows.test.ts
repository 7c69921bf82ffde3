import { describe, expect, it } from 'vitest';
import { check } from '../../../../src/service/check.js';
import { createLogger } from '../../../../src/log/logger.js';
import { holdingIn, servicePin } from '../../../support/serviceWorld.js';
import {
  childState,
  chooseMedium,
  idn,
  password,
  until,
  walkToStorage,
} from '../../../support/kioskWorld.js';
import {
  attackKiosk,
  capture,
  approveInPerson,
  settle,
  walkToInPersonApproval,
} from './attackWorld.js';

// Purposes and failures through the kiosk service on fakes (the virtual eMRTD, the fake CA, a
// fake drive or token): what the home screen offers must work end to end, the password the
// visitor sets must be the one that opens the result, and what a failure says must hold no secret.

describe('the copy onto another drive', () => {
  it('asks for no new password: the copy opens with the key’s own', async () => {
    const { service, world, close } = await attackKiosk('usb');
    const { serial } = await holdingIn(world);
    world.fakeDrives.plug({ device: '/dev/sdy' });
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'copy' });
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    await until(visit, (s) => childState(s, 'held') === 'picking');
    visit.send({ type: 'visitor.pick', serial });
    visit.enterHeldSecret(Buffer.from(password));
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdy', needsFormat: false });
    expect(() =>
      visit.enterNewSecret(Buffer.from('Copied!6789'), Buffer.from('Copied!6789')),
    ).toThrow(/not asked for at this step/);
    await until(visit, (s) => s.matches({ flow: 'done' }));
    const report = await check(world.ctx, {
      medium: { kind: 'usb', device: '/dev/sdy' },
      secret: { kind: 'password', bytes: Buffer.from(password) },
    });
    expect(report).toMatchObject({ passwordOk: true, keyMatchesCert: true });
    close();
  }, 60_000);
});

describe('what a failure and the log may say', () => {
  it('a failure whose message carries the resident number keeps it masked in the snapshot', async () => {
    const raFails = new Error(`RA 409: a registration for ${idn} (900101-1234568) is open`);
    const { service, close } = await attackKiosk('usb', { raFails });
    const visit = service.startVisit();
    await walkToInPersonApproval(visit);
    await approveInPerson(visit);
    const failed = await until(visit, (s) => s.matches({ flow: 'effectFailed' }));
    const detail = failed.context.failure?.detail ?? '';
    expect(detail).toContain('900101-1');
    // Today: VisitFailure.detail is the error's message as it came, into the persisted snapshot.
    expect(detail).not.toContain('234568');
    close();
  }, 60_000);

  it.each(['usb', 'token'] as const)(
    'a whole %s issuance and a cancelled one log no secret (withstood)',
    async (kind) => {
      const { stream, lines } = capture();
      const log = createLogger({ level: 'trace', destination: stream });
      const { service, profile, codes, close } = await attackKiosk(kind, { log });
      const visit = service.startVisit();
      await walkToStorage(visit, profile);
      chooseMedium(visit, kind);
      await until(visit, (s) => s.matches({ flow: 'done' }));
      visit.send({ type: 'visitor.finish' });
      await visit.ended;
      const second = service.startVisit();
      await walkToInPersonApproval(second);
      second.send({ type: 'visit.cancel' });
      await second.ended;
      await settle();
      const all = lines.join('');
      expect(all).toContain('visit step');
      for (const secret of [idn, '900101-1234568', password, servicePin, ...codes])
        expect(all).not.toContain(secret);
      close();
    },
    60_000,
  );
});
