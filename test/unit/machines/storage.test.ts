import { describe, expect, it } from 'vitest';
import { storageMachine } from '../../../machines/storage.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
} from '../../support/machinePaths.js';

// Issue 13: the storage sub-flow. A token goes to its PIN, a FAT drive to the password, a blank or
// foreign drive to the format confirmation first; a drive pulled before the format can be put back
// and the format tried again; the secret is taken by the service, the machine hears only whether
// it was accepted.

const samples = {
  events: [
    { type: 'visitor.chooseToken', label: 'visitor' },
    { type: 'visitor.chooseDrive', device: '/dev/sdb', needsFormat: false },
    { type: 'visitor.chooseDrive', device: '/dev/sdc', needsFormat: true },
    { type: 'visitor.confirmFormat' },
    { type: 'visitor.back' },
    { type: 'visitor.retry' },
    { type: 'secret.accepted' },
    { type: 'secret.refused', problems: ['minLength'] },
  ],
  errors: {
    formatDrive: [
      { kind: 'driveRemoved', spent: 'nothing', detail: 'pulled' },
      { kind: 'mediumUnusable', spent: 'nothing', detail: 'larger than usb.maxBytes' },
    ],
  },
};
const driveStates = [
  'storage.confirmFormat',
  'storage.driveRemoved',
  'storage.formatFailed',
  'storage.formatting',
  'storage.password',
];

describe.each([
  [['token', 'usb'], []],
  [['usb'], ['storage.pin']],
  [['token'], driveStates],
] as const)('storage sub-flow offering %j', (media, unreachable: readonly string[]) => {
  const input = { media };
  const paths = machinePaths(storageMachine, samples, input);

  it('reaches every state of the media offered, and no other', () => {
    expect(reachedStates(paths)).toEqual(
      leafStates(storageMachine).filter((s) => !unreachable.includes(s)),
    );
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_name, path) => {
      await replayPath(storageMachine, path, {
        input,
        promiseActors: ['formatDrive'],
        delays: {},
      });
    },
  );

  it('a drive that needs formatting reaches the password only through the confirmation', () => {
    for (const path of paths) {
      const types = path.steps.map((s) => s.event.type);
      const chose = path.steps.findLastIndex(
        (s) =>
          s.event.type === 'visitor.chooseDrive' &&
          (s.event as { needsFormat?: boolean }).needsFormat === true,
      );
      if (chose < 0 || path.state.value !== 'password') continue;
      expect(types.slice(chose)).toContain('xstate.done.actor.formatDrive');
    }
  });

  it('the output is the medium chosen, with no secret in the snapshot', async () => {
    const toChosen = paths.filter((p) => p.state.value === 'chosen');
    expect(toChosen.length).toBeGreaterThan(0);
    for (const path of toChosen) {
      const end = await replayPath(storageMachine, path, {
        input,
        promiseActors: ['formatDrive'],
        delays: {},
      });
      expect(['token', 'usb']).toContain((end.output as { medium: { kind: string } }).medium.kind);
      // What the machine holds: no field that could carry the secret itself.
      expect(Object.keys(end.context as object).sort()).toEqual([
        'failure',
        'media',
        'medium',
        'newPassword',
        'secretProblems',
      ]);
    }
  });
});
