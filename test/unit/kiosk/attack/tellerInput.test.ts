import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { identityMachine, type ReadChipInput } from '../../../../machines/identity.js';
import {
  tellerApprovalMachine,
  type TellerApprovalEvent,
  type TellerApprovalInput,
} from '../../../../machines/tellerApproval.js';
import type { ChipSummary } from '../../../../machines/types.js';
import { visitMachine } from '../../../../machines/visit.js';
import type { RegisterInput } from '../../../../machines/visit/setup.js';
import { attackKiosk, institutions, walkToInPersonApproval } from './attackWorld.js';
import { until } from '../../../support/kioskWorld.js';

// A careless or malicious teller (or whatever speaks for one, issue 14): what the approval takes
// as given is recorded with the registration, persisted in every snapshot and shown to staff.

const at = '2026-12-04T09:00:00Z';
const form = {
  name: '홍길동',
  idnMasked: '900101-1******',
  birthDate: '1990-01-01',
  phone: '010-1234-5678',
};
const unverified: ChipSummary = {
  surname: 'HONG',
  givenNames: 'GILDONG',
  birthDate: '900101',
  documentNumber: 'M12345678',
  verified: false,
  failures: ['Passive Authentication: no CSCA'],
  mismatches: [],
  nameNeedsTeller: true,
};

function approval(basis: TellerApprovalInput['basis']) {
  return createActor(tellerApprovalMachine, { input: { basis } }).start();
}

/** A visit at the in-person check of an issuance (free type), register never answering. */
function visitAtInPersonCheck() {
  const machine = visitMachine.provide({
    actors: {
      register: fromPromise<{ ref: string }, RegisterInput>(() => new Promise(() => undefined)),
    },
  });
  const actor = createActor(machine, { input: { institutions, media: ['usb'] } }).start();
  actor.send({ type: 'visitor.start', purpose: 'issue' });
  actor.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  actor.send({ type: 'form.accepted', form });
  actor.send({ type: 'visitor.noChip' });
  return actor;
}

describe('what an in-person approval records', () => {
  it.each(['9001011234568', '900101-1234568'])(
    'a resident card number typed in full (%s) never reaches the snapshot',
    (number) => {
      const actor = visitAtInPersonCheck();
      actor.send({
        type: 'teller.approve',
        teller: 'kim',
        at,
        inPerson: { type: 'residentCard', numberMasked: number },
      });
      // Refused (still pending) or masked: either way the last six digits are nowhere.
      // Today: the full number is kept as `numberMasked` in the identity output, the visit's
      // context, the persisted snapshot, and is sent on to registering.
      const persisted = JSON.stringify(actor.getPersistedSnapshot());
      expect(persisted).not.toContain('234568');
      actor.stop();
    },
  );

  it.each([
    ['an unknown document type', { type: 'forged', numberMasked: '900101-1******' }],
    ['an empty number', { type: 'residentCard', numberMasked: '' }],
    ['nothing at all', {}],
  ])('an in-person approval with %s is ignored', (_name, inPerson) => {
    const actor = approval('noChip');
    actor.send({
      type: 'teller.approve',
      teller: 'kim',
      at,
      inPerson: inPerson as NonNullable<
        Extract<TellerApprovalEvent, { type: 'teller.approve' }>['inPerson']
      >,
    });
    // Today: any object passes (`inPerson !== undefined`), and the evidence says "inPersonOnly".
    expect(actor.getSnapshot().value).toBe('pending');
  });
});

describe('who and when', () => {
  it.each([
    ['not a time', 'yesterday-ish'],
    ['empty', ''],
  ])('an approval whose time is %s is ignored', (_name, when) => {
    const actor = approval('chipVerified');
    actor.send({ type: 'teller.approve', teller: 'kim', at: when });
    expect(actor.getSnapshot().value).toBe('pending');
  });

  it('a decision dated in the future is recorded with the kiosk’s time, not the claimed one', async () => {
    const { service, close } = await attackKiosk('usb');
    const visit = service.startVisit();
    await walkToInPersonApproval(visit);
    const future = new Date(Date.now() + 365 * 86_400_000).toISOString();
    visit.send({ type: 'teller.reject', teller: 'kim', at: future, reason: 'not the person' });
    await until(visit, (s) => !s.matches({ flow: 'identity' }));
    const identity = visit.snapshot().context.identity;
    if (identity?.outcome !== 'rejected') throw new Error('not rejected');
    expect(Date.parse(identity.at)).toBeLessThanOrEqual(Date.now());
    close();
  }, 60_000);

  it.each([
    ['a million characters', 'k'.repeat(1_000_000)],
    ['a terminal escape', 'kim\u001b[2J\u001b[31mADMIN'],
    ['a line break', 'kim\napproved by: director'],
    ['a right-to-left override', 'kim\u202Enimda'],
  ])('a teller name with %s is refused', (_name, teller) => {
    const actor = approval('chipVerified');
    actor.send({ type: 'teller.approve', teller, at });
    // Today: approved; the name is persisted with every snapshot and sent to the RA as approvedBy.
    expect(actor.getSnapshot().value).toBe('pending');
  });

  it('an override reason of a million characters is refused (bounded like every other text)', () => {
    const actor = approval('chipNotVerified');
    actor.send({
      type: 'teller.approve',
      teller: 'kim',
      at,
      overrideReason: 'x'.repeat(1_000_000),
    });
    expect(actor.getSnapshot().value).toBe('pending');
  });

  it('whitespace-only names and reasons are refused (withstood)', () => {
    const actor = approval('chipNotVerified');
    actor.send({ type: 'teller.approve', teller: ' \t', at, overrideReason: 'photo matches' });
    actor.send({ type: 'teller.approve', teller: 'kim', at, overrideReason: '\u3000 ' });
    actor.send({ type: 'teller.reject', teller: '', at, reason: 'not the person' });
    expect(actor.getSnapshot().value).toBe('pending');
  });
});

describe('the order of the teller’s decisions', () => {
  function identity(feeWon: number, chip?: ChipSummary) {
    const clock = new SimulatedClock();
    const machine = identityMachine.provide({
      actors: {
        readChip: fromPromise<ChipSummary, ReadChipInput>(() =>
          Promise.resolve(chip ?? unverified),
        ),
      },
    });
    const actor = createActor(machine, { input: { form, feeWon }, clock }).start();
    return { actor, clock };
  }
  const value = (a: ReturnType<typeof identity>['actor']) => a.getSnapshot().value;

  it('the fee is confirmed by a named teller only', () => {
    const { actor } = identity(4400);
    actor.send({ type: 'visitor.noChip' });
    actor.send({
      type: 'teller.approve',
      teller: 'kim',
      at,
      inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
    });
    expect(value(actor)).toBe('fee');
    actor.send({ type: 'teller.feePaid', teller: '' });
    // Today: an anonymous "fee paid" approves the identity step (and nobody is recorded).
    expect(value(actor)).toBe('fee');
  });

  it('an approval before the chip read, twice, or after a rejection changes nothing (withstood)', () => {
    const { actor } = identity(0);
    actor.send({ type: 'teller.approve', teller: 'kim', at });
    expect(value(actor)).toBe('choosing');
    actor.send({ type: 'visitor.noChip' });
    actor.send({ type: 'teller.reject', teller: 'kim', at, reason: 'not the person' });
    actor.send({
      type: 'teller.approve',
      teller: 'lee',
      at,
      inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
    });
    expect(value(actor)).toBe('rejected');
    expect(actor.getSnapshot().output).toMatchObject({ outcome: 'rejected', teller: 'kim' });
  });

  it('a chip that did not verify needs the override even after the approval timed out (withstood)', async () => {
    const { actor, clock } = identity(0);
    actor.send({ type: 'visitor.chip' });
    actor.send({
      type: 'visitor.mrz',
      entry: { documentNumber: 'M12345678', birthDate: '900101', expiryDate: '300101' },
    });
    await new Promise((r) => setImmediate(r));
    expect(value(actor)).toBe('approval');
    clock.increment(10 * 60_000);
    expect(value(actor)).toBe('approvalTimedOut');
    actor.send({ type: 'visitor.noChip' });
    actor.send({ type: 'visitor.retry' });
    actor.send({
      type: 'teller.approve',
      teller: 'kim',
      at,
      inPerson: { type: 'passport', numberMasked: 'M1234****' },
    });
    expect(value(actor)).toBe('approval');
    actor.send({ type: 'teller.approve', teller: 'kim', at, overrideReason: 'photo matches' });
    expect(actor.getSnapshot().output).toMatchObject({
      outcome: 'approved',
      approval: { evidence: 'chipNotVerifiedOverride', overrideReason: 'photo matches' },
    });
  });
});
