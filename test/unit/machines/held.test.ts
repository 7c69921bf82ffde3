import { describe, expect, it } from 'vitest';
import { heldMachine, type HeldInput } from '../../../machines/held.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
} from '../../support/machinePaths.js';

// Issue 13: the certificate the visitor brings (renewal, copy, view): the medium, its list, the
// pick (a renewal only inside the renewal window), the secret taken by the service.

const inWindow = { serial: '01', subject: 'cn=a', notAfter: '2027-01-01', renewable: true };
const fresh = { serial: '02', subject: 'cn=b', notAfter: '2027-11-01', renewable: false };
const samples = {
  events: [
    { type: 'visitor.chooseToken', label: 'visitor' },
    { type: 'visitor.chooseDrive', device: '/dev/sdb' },
    { type: 'visitor.pick', serial: '01' },
    { type: 'visitor.pick', serial: '02' },
    { type: 'visitor.pick', serial: 'not-there' },
    { type: 'visitor.back' },
    { type: 'visitor.retry' },
    { type: 'visitor.finish' },
    { type: 'secret.accepted' },
    { type: 'secret.refused', problems: ['wrong password'] },
  ],
  done: { listHeld: [[inWindow, fresh], []] },
  errors: {
    listHeld: [
      { kind: 'driveRemoved', detail: 'pulled' },
      { kind: 'mediumUnusable', detail: 'not FAT' },
    ],
  },
};
const replay = { promiseActors: ['listHeld'], delays: {} };

describe.each(['renew', 'copy', 'view'] as const)('held sub-flow for %s', (purpose) => {
  const input: HeldInput = { purpose, media: ['token', 'usb'] };
  const paths = machinePaths(heldMachine, samples, input);

  it('reaches every state its purpose has', () => {
    const leaves = leafStates(heldMachine);
    // View stops at the list; renew and copy go through a pick and the secret.
    const unreachable = purpose === 'view' ? ['held.picking', 'held.secret'] : ['held.shown'];
    expect(reachedStates(paths)).toEqual(leaves.filter((s) => !unreachable.includes(s)));
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_name, path) => {
      await replayPath(heldMachine, path, { input, ...replay });
    },
  );

  it('the pick is one on the medium, and a renewal one in its window', async () => {
    for (const path of paths.filter((p) => p.state.value === 'picked')) {
      const end = await replayPath(heldMachine, path, { input, ...replay });
      const output = end.output as { serial?: string };
      if (purpose === 'view') expect(output.serial).toBeUndefined();
      else expect(output.serial).toMatch(purpose === 'renew' ? /^01$/ : /^0[12]$/);
    }
  });
});
