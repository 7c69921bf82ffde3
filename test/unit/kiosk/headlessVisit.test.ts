import { describe, expect, it } from 'vitest';
import type { ChipSummary } from '../../../machines/types.js';
import { check } from '../../../src/service/check.js';
import { list } from '../../../src/service/list.js';
import {
  childState,
  chooseMedium,
  idn,
  kiosk,
  mrzOf,
  password,
  until,
  walkToStorage,
} from '../../support/kioskWorld.js';
import { servicePin } from '../../support/serviceWorld.js';

// Issue 13: a whole issuance walked through the kiosk service headless, on fakes: the virtual
// eMRTD in a fake reader, the fake CA behind the RA, a fake drive or token. The visitor's keys and
// the teller's decision are events; the form and the password go through the service. The
// certificate on the medium carries the VID of the resident number typed in the form, and no
// snapshot of the visit ever held that number, the password or the authorization code.

describe.each(['usb', 'token'] as const)('a whole issuance onto a %s, headless', (kind) => {
  it('walks from home to done; the medium holds the certificate with the form’s VID', async () => {
    const { world, service, profile, codes } = await kiosk(kind);
    const visit = service.startVisit();
    const seen: string[] = [];
    visit.subscribe((s) => seen.push(JSON.stringify(s.context)));

    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    // A wrong field: refused, named, the visit stays on the form and holds nothing of it.
    const refused = visit.submitForm({
      name: '홍길동',
      idn: Buffer.from(idn),
      phone: '02-123-4567',
    });
    expect(refused.ok).toBe(false);
    expect(refused.problems.phone).toHaveLength(1);
    expect(visit.snapshot().matches({ flow: 'form' })).toBe(true);
    expect(visit.snapshot().context.formProblems?.phone).toHaveLength(1);
    const typed = Buffer.from(idn);
    expect(visit.submitForm({ name: '홍길동', idn: typed, phone: '010-1234-5678' }).ok).toBe(true);
    expect(typed.every((b) => b === 0)).toBe(true);
    visit.send({ type: 'visitor.chip' });
    visit.send({
      type: 'visitor.mrz',
      entry: mrzOf(profile),
    });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    // No CSCA trust here: the chip is read but not verified; the teller overrides with a reason.
    expect(visit.chipReading()?.verified).toBe(false);
    // The chip beside the form, for the teller: a Hangul name is theirs to compare; the test
    // document's birth date is not the form's, and is named.
    const chip = (
      visit.snapshot().children as Record<string, { getSnapshot(): { context: unknown } }>
    ).identity?.getSnapshot().context as { chip?: ChipSummary };
    expect(chip.chip?.nameNeedsTeller).toBe(true);
    expect(chip.chip?.mismatches.map((m) => m.field)).toEqual(
      profile.person.birthDate === idn.slice(0, 6) ? [] : ['birthDate'],
    );
    visit.send({ type: 'teller.approve', teller: 'kim', at: new Date().toISOString() });
    expect(childState(visit.snapshot(), 'identity')).toBe('approval');
    visit.send({
      type: 'teller.approve',
      teller: 'kim',
      at: new Date().toISOString(),
      overrideReason: 'test chip without a CSCA; photo matches the visitor',
    });
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    if (kind === 'usb') {
      visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
      expect(visit.enterNewSecret(Buffer.from('short'), Buffer.from('short'))).toContain(
        'minLength',
      );
      expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
    } else {
      visit.send({ type: 'visitor.chooseToken', label: 'visitor' });
      expect(visit.enterNewSecret(Buffer.from(servicePin))).toEqual([]);
    }
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const issued = done.context.issued;
    expect(issued?.serial).toMatch(/^[0-9a-f]+$/i);

    // On the medium, and its VID is the IDN typed in the form (DESIGN §4.3).
    expect((await list(world.ctx, { medium: world.medium })).certificates).toMatchObject([
      { ok: true, facts: { serial: issued?.serial } },
    ]);
    const report = await check(world.ctx, { medium: world.medium, secret: world.secret, idn });
    expect(report.vidOk).toBe(true);
    expect(world.ca.bodyTypes).toEqual(['ir', 'certConf']);

    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');
    // No snapshot held a secret: not the resident number, the password, the PIN, the code.
    const everything = seen.join('\n');
    for (const secret of [idn, '900101-1234568', password, servicePin, ...codes])
      expect(everything).not.toContain(secret);
    expect(everything).toContain('900101-1******');
    service.close();
    world.ca.close();
  }, 60_000);
});

describe('a whole issuance registered through the RA endpoint (mutual TLS)', () => {
  it('the registration at the CA names the branch, the teller and the evidence', async () => {
    const { world, service, profile, close } = await kiosk('usb', { ra: 'network' });
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    chooseMedium(visit, 'usb');
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const ref = done.context.ref ?? '';
    expect(world.ca.db.registration(ref)?.approval).toEqual({
      approvedBy: 'kim',
      evidence: 'chipNotVerifiedOverride',
      ra: { name: 'Gangnam', serial: expect.stringMatching(/^[0-9a-f]+$/) as string },
    });
    const report = await check(world.ctx, { medium: world.medium, secret: world.secret, idn });
    expect(report.vidOk).toBe(true);
    close();
  }, 60_000);
});
