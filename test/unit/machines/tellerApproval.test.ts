import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  tellerApprovalMachine,
  type TellerApprovalInput,
} from '../../../machines/tellerApproval.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
} from '../../support/machinePaths.js';

// Issue 13: the teller's approval, for each evidence basis: approved only with what that basis
// needs (an override reason for a chip that did not verify, the ID checked in person without a
// chip), rejected only with a reason, or timed out.

const at = '2026-12-04T09:00:00Z';
const samples = {
  events: [
    { type: 'teller.approve', teller: 'kim', at },
    { type: 'teller.approve', teller: 'kim', at, overrideReason: 'photo matches; old chip' },
    {
      type: 'teller.approve',
      teller: 'kim',
      at,
      inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
    },
    { type: 'teller.reject', teller: 'kim', at, reason: 'the photo is not the visitor' },
    { type: 'teller.reject', teller: 'kim', at, reason: '  ' },
  ],
};
const delays = { tellerApproval: 1000 };
const bases: TellerApprovalInput['basis'][] = ['chipVerified', 'chipNotVerified', 'noChip'];

describe.each(bases)('tellerApproval, basis %s', (basis) => {
  const input = { basis };
  const paths = machinePaths(tellerApprovalMachine, samples, input);

  it('reaches every state', () => {
    expect(reachedStates(paths)).toEqual(leafStates(tellerApprovalMachine));
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_name, path) => {
      await replayPath(tellerApprovalMachine, path, { input, promiseActors: [], delays });
    },
  );

  it('approves with the evidence the basis needs, and only then', async () => {
    const approvals = paths.filter((p) => p.state.value === 'approved');
    for (const path of approvals) {
      const end = await replayPath(tellerApprovalMachine, path, {
        input,
        promiseActors: [],
        delays,
      });
      const approve = path.steps.at(-1)?.event as { overrideReason?: string; inPerson?: unknown };
      if (basis === 'chipNotVerified') expect(approve.overrideReason).toBeTruthy();
      if (basis === 'noChip') expect(approve.inPerson).toBeDefined();
      expect(end.output).toMatchObject({
        outcome: 'approved',
        decision: { teller: 'kim', at },
        evidence: {
          chipVerified: 'chipVerified',
          chipNotVerified: 'chipNotVerifiedOverride',
          noChip: 'inPersonOnly',
        }[basis],
      });
    }
  });

  it('ignores an approval without what the basis needs, and a rejection without a reason', () => {
    const actor = createActor(tellerApprovalMachine, { input }).start();
    actor.send({ type: 'teller.reject', teller: 'kim', at, reason: ' ' });
    expect(actor.getSnapshot().value).toBe('pending');
    actor.send({ type: 'teller.approve', teller: 'kim', at });
    expect(actor.getSnapshot().value).toBe(basis === 'chipVerified' ? 'approved' : 'pending');
    actor.stop();
  });
});
