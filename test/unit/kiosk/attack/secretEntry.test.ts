import { describe, expect, it } from 'vitest';
import {
  childState,
  chooseMedium,
  idn,
  password,
  until,
  walkToStorage,
} from '../../../support/kioskWorld.js';
import { attackKiosk, approveInPerson, walkToInPersonApproval } from './attackWorld.js';

// Attacks on the service's secret doors (submitForm, enterNewSecret, enterHeldSecret): each
// puts a secret in the visit's vault and tells the machine it was accepted, whatever step the
// visit is at. The machine ignores an event its state does not take, but the vault has already
// changed, and `secret.accepted` is the same event for a new secret and a held one.

/** Another person's resident number: a real date, a valid gender digit (check digit: a warning). */
const otherIdn = '8505052234560';

describe('the form only in the form step', () => {
  it('a second form during the teller check cannot change the IDN the RA registers', async () => {
    const { service, seen, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToInPersonApproval(visit);
    // The teller sees 900101-1******; the visitor submits another person's number meanwhile.
    expect(() =>
      visit.submitForm({ name: '홍길동', idn: Buffer.from(otherIdn), phone: '010-1234-5678' }),
    ).toThrow(/not asked for at this step/);
    expect(visit.snapshot().context.form?.idnMasked).toBe('900101-1******');
    await approveInPerson(visit);
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    // The RA registers the number the teller approved, never the late one.
    expect(seen.map((r) => r.idn)).toEqual([idn]);
    close();
  }, 60_000);

  it('a form submitted after the approval is refused (the visit is past its form)', async () => {
    const { service, profile, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    expect(() =>
      visit.submitForm({ name: '김철수', idn: Buffer.from(otherIdn), phone: '010-9999-8888' }),
    ).toThrow(/not asked for at this step/);
    close();
  }, 60_000);
});

describe('secrets only in the step that asks for them', () => {
  it('the held certificate’s secret does not pass as the new password in the storage step', async () => {
    const { service, profile, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    expect(() => {
      visit.enterHeldSecret(Buffer.from('x'));
    }).toThrow(/not asked for at this step/);
    expect(visit.snapshot().matches({ flow: 'storage' })).toBe(true);
    expect(childState(visit.snapshot(), 'storage')).toBe('password');
    close();
  }, 60_000);

  it('a PIN typed after backing out of the token step is refused, and so is a held secret', async () => {
    const { service, profile, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseToken', label: 'visitor' });
    visit.send({ type: 'visitor.back' });
    expect(() => visit.enterNewSecret(Buffer.from('1234'))).toThrow(/not asked for at this step/);
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    expect(() => {
      visit.enterHeldSecret(Buffer.from('anything'));
    }).toThrow(/not asked for at this step/);
    expect(childState(visit.snapshot(), 'storage')).toBe('password');
    close();
  }, 60_000);

  it('a new secret typed before the storage step is not kept (nothing to check it against)', async () => {
    const { service, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    // At home no medium is chosen: a refusal of the step, not an acceptance nobody asked for.
    expect(() => visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toThrow(
      /not asked for at this step/,
    );
    close();
  }, 60_000);

  it('the whole issuance still works after a refused password (withstood)', async () => {
    const { service, profile, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(`${password}x`))).toContain(
      'mismatch',
    );
    chooseMedium(visit, 'usb');
    await until(visit, (s) => s.matches({ flow: 'done' }));
    close();
  }, 60_000);
});

describe('hostile form input', () => {
  it('huge, NUL, lone surrogates, RTL marks are refused; NFD Hangul is kept as NFC (withstood)', async () => {
    const { service, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    const phone = '010-1234-5678';
    const names = [
      '홍'.repeat(1_000_000),
      '홍길\u0000동',
      'Hong\uD800Gil',
      '\u200F홍길동',
      '홍길동\u202E',
    ];
    for (const name of names) {
      const typed = Buffer.from(idn);
      expect(visit.submitForm({ name, idn: typed, phone }).ok).toBe(false);
      expect(typed.every((b) => b === 0)).toBe(true);
    }
    for (const bad of [
      `${idn}\u0000`,
      '900101<1234568',
      '9'.repeat(1_000_000),
      '９００１０１１２３４５６８',
    ]) {
      const typed = Buffer.from(bad);
      expect(visit.submitForm({ name: '홍길동', idn: typed, phone }).ok).toBe(false);
      expect(typed.every((b) => b === 0)).toBe(true);
    }
    expect(visit.snapshot().matches({ flow: 'form' })).toBe(true);
    expect(JSON.stringify(visit.snapshot().context)).not.toContain('234568');
    const nfd = '홍길동'.normalize('NFD');
    expect(visit.submitForm({ name: nfd, idn: Buffer.from(idn), phone }).ok).toBe(true);
    expect(visit.snapshot().context.form).toMatchObject({
      name: '홍길동',
      idnMasked: '900101-1******',
    });
    close();
  }, 60_000);
});
