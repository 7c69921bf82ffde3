import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { identityMachine, type IdentityInput } from '../../../machines/identity.js';
import type { ChipSummary } from '../../../machines/types.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
} from '../../support/machinePaths.js';

// Issue 13: the identity sub-flow. A chip read needs a well-typed MRZ; a card pulled waits for it
// to come back; a wrong MRZ (BAC refused) asks for it again; an unreadable chip can fall back to
// the in-person check; the teller's approval follows (its own machine, settled here by its
// outcomes), then the fee where there is one.

const form = {
  name: '홍길동',
  idnMasked: '900101-1******',
  birthDate: '1990-01-01',
  phone: '010-1234-5678',
};
const chip: ChipSummary = {
  surname: 'HONG',
  givenNames: 'GILDONG',
  birthDate: '900101',
  documentNumber: 'M12345678',
  verified: true,
  failures: [],
  mismatches: [],
  nameNeedsTeller: true,
};
const approved = {
  outcome: 'approved',
  decision: { teller: 'kim', at: '2026-12-04T09:00:00Z' },
  evidence: 'chipVerified',
};
const samples = {
  events: [
    { type: 'visitor.chip' },
    { type: 'visitor.noChip' },
    {
      type: 'visitor.mrz',
      entry: { documentNumber: 'M12345678', birthDate: '900101', expiryDate: '300101' },
    },
    {
      type: 'visitor.mrz',
      entry: { documentNumber: 'm1234', birthDate: '901301', expiryDate: '300101' },
    },
    { type: 'visitor.retry' },
    { type: 'device.cardInserted' },
    { type: 'teller.feePaid', teller: 'kim' },
  ],
  done: {
    readChip: [chip],
    tellerApproval: [
      approved,
      {
        outcome: 'rejected',
        decision: { teller: 'kim', at: '2026-12-04T09:00:00Z' },
        reason: 'not the person',
      },
      { outcome: 'timedOut' },
    ],
  },
  errors: {
    readChip: [
      { kind: 'cardRemoved', detail: 'the card left the reader' },
      { kind: 'wrongMrz', detail: 'EXTERNAL AUTHENTICATE 6300' },
      { kind: 'chipUnreadable', detail: 'secure messaging broken' },
    ],
  },
};
const replay = { promiseActors: ['readChip', 'tellerApproval'], delays: {} };

describe.each([
  ['free', 0],
  ['with a fee', 4400],
] as const)('identity sub-flow, %s', (_name, feeWon) => {
  const input: IdentityInput = { form, feeWon };
  const paths = machinePaths(identityMachine, samples, input);

  it('reaches every state', () => {
    const leaves = leafStates(identityMachine);
    // Free: the fee state is passed through at once (never a resting state).
    expect(reachedStates(paths)).toEqual(
      feeWon === 0 ? leaves.filter((s) => s !== 'identity.fee') : leaves,
    );
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_path, path) => {
      await replayPath(identityMachine, path, { input, ...replay });
    },
  );

  it('a badly typed MRZ is named field by field and never read', () => {
    const actor = createActor(identityMachine, { input }).start();
    actor.send({ type: 'visitor.chip' });
    actor.send({
      type: 'visitor.mrz',
      entry: { documentNumber: 'm1234', birthDate: '901301', expiryDate: '300101' },
    });
    expect(actor.getSnapshot().value).toEqual({ chip: 'mrz' });
    expect(actor.getSnapshot().context.mrzProblems).toEqual(['documentNumber', 'birthDate']);
    actor.stop();
  });

  it('approved output carries the evidence and the chip summary', async () => {
    const toApproved = paths.filter((p) => p.state.value === 'approved');
    expect(toApproved.length).toBeGreaterThan(0);
    for (const path of toApproved) {
      const end = await replayPath(identityMachine, path, { input, ...replay });
      const read = path.steps.some((s) => s.event.type === 'xstate.done.actor.readChip');
      expect(end.output).toEqual({
        outcome: 'approved',
        approval: approved,
        ...(read ? { chip } : {}),
      });
      if (feeWon > 0) expect(path.steps.map((s) => s.event.type)).toContain('teller.feePaid');
    }
  });
});
