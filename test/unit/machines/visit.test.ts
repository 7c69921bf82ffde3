import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, transition } from 'xstate';
import { visitMachine, type VisitInput } from '../../../machines/visit.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import {
  describePath,
  leafStates,
  machinePaths,
  reachedStates,
  replayPath,
  type MachinePath,
} from '../../support/machinePaths.js';

// Issue 13 acceptance (path tests): the issuance visit walked by xstate/graph over its events and
// its effects' outcomes; every state is reached, and every path replays on a live actor with a
// SimulatedClock. The sub-flows (identity, storage) and the service's operations are settled by
// their outcomes here; they have path tests of their own.

const input: VisitInput = { media: ['token', 'usb'], institutions: defaultInstitutions };
const at = '2026-12-04T09:00:00Z';
const approval = {
  outcome: 'approved',
  approval: { outcome: 'approved', decision: { teller: 'kim', at }, evidence: 'inPersonOnly' },
};
const issued = {
  serial: '1a2b',
  subject: 'cn=홍길동()0012345678,ou=personal4IB,o=yessign,c=kr',
  notAfter: '2027-12-04',
  renewalFrom: '2027-11-04',
};
const held = { serial: '1a2b', subject: 'cn=홍길동', notAfter: '2027-01-01', renewable: true };
const failures = [
  { kind: 'driveRemoved', spent: 'refused', detail: 'pulled during the write' },
  { kind: 'tokenLocked', spent: 'nothing', detail: 'CKR_PIN_LOCKED' },
  { kind: 'caUnreachable', spent: 'unanswered', detail: 'timeout' },
  { kind: 'caRefused', spent: 'nothing', detail: 'the reference number has expired' },
  { kind: 'internal', spent: 'unconfirmed', detail: 'certConf lost' },
];
const samples = {
  events: [
    ...(['issue', 'reissue', 'revoke', 'renew', 'copy', 'view'] as const).map((purpose) => ({
      type: 'visitor.start',
      purpose,
    })),
    { type: 'visitor.select', institution: 'demo-bank', certificateType: 'general' },
    { type: 'visitor.select', institution: 'demo-bank', certificateType: 'none' },
    {
      type: 'form.accepted',
      form: {
        name: '홍길동',
        idnMasked: '900101-1******',
        birthDate: '1990-01-01',
        phone: '010-1234-5678',
      },
    },
    { type: 'form.refused', problems: ['idn'] },
    { type: 'visitor.pickRevocation', serial: '1a2b', reason: 'keyCompromise' },
    { type: 'visitor.pickRevocation', serial: 'ffff', reason: 'keyCompromise' },
    { type: 'visitor.retry' },
    { type: 'visitor.back' },
    { type: 'visitor.finish' },
    { type: 'visit.cancel' },
    { type: 'device.mediumBack' },
  ],
  done: {
    identity: [approval, { outcome: 'rejected', reason: 'not the person', teller: 'kim' }],
    register: [{ ref: '40000001' }],
    findAtCa: [[held], []],
    revoke: [undefined],
    storage: [{ medium: { kind: 'usb', device: '/dev/sdb' } }],
    held: [{ medium: { kind: 'token', label: 'visitor' }, certificates: [held], serial: '1a2b' }],
    issue: [issued],
    renew: [issued],
    copy: [undefined],
    wipe: [undefined],
  },
  errors: {
    register: [failures[2]],
    findAtCa: [failures[2]],
    revoke: [failures[2], failures[3]],
    issue: failures,
    renew: failures,
    copy: failures,
    wipe: [{ kind: 'internal', detail: 'the drive was gone' }],
  },
  // The sub-flows' own events are theirs (forwarded, tested in their own path tests).
  skip: (snapshot: { matches(v: unknown): boolean }, event: { type: string }) =>
    ['identity', 'storage', 'holding'].some((flow) => snapshot.matches({ flow })) &&
    /^(visitor|teller|device|secret)\./.test(event.type),
  // The purpose and the failed effect choose where a state leads.
  distinguish: (snapshot: { context: unknown }) => {
    const { purpose, failed } = snapshot.context as { purpose?: string; failed?: string };
    return [purpose, failed];
  },
};
const delays = { inactivityWarning: 60_000, inactivityWipe: 30_000 };
const replay = {
  input,
  promiseActors: [
    'identity',
    'held',
    'storage',
    'register',
    'findAtCa',
    'revoke',
    'issue',
    'renew',
    'copy',
    'wipe',
  ],
  delays,
};
const paths = machinePaths(visitMachine, samples, input);

const flowOf = (p: MachinePath): string =>
  JSON.stringify((p.state.value as { flow: unknown }).flow);

describe('issuance visit', () => {
  it('reaches every state', () => {
    expect(reachedStates(paths)).toEqual(leafStates(visitMachine));
  });

  it.each(paths.map((p) => [describePath(p) || '(start)', p] as const))(
    'replays %s live',
    async (_name, path) => {
      await replayPath(visitMachine, path, replay);
    },
  );

  it('issues or revokes only after the teller approved and the RA registered', () => {
    const purposeOf = (p: MachinePath) => (p.state.context as { purpose?: string }).purpose;
    const ended = paths.filter((p) => flowOf(p) === '"done"');
    expect(new Set(ended.map(purposeOf))).toEqual(
      new Set(['issue', 'reissue', 'revoke', 'renew', 'copy']),
    );
    for (const path of ended) {
      const types = path.steps.map((s) => s.event.type);
      const effect = {
        issue: 'issue',
        reissue: 'issue',
        revoke: 'revoke',
        renew: 'renew',
        copy: 'copy',
      }[purposeOf(path) ?? ''];
      expect(types.filter((t) => t.startsWith('xstate.done.actor.')).at(-1)).toBe(
        `xstate.done.actor.${String(effect)}`,
      );
      // Renewal and copy rest on the certificate the visitor holds, not on a teller's check.
      if (purposeOf(path) === 'renew' || purposeOf(path) === 'copy') continue;
      const approvedAt = path.steps.findIndex(
        (s) =>
          s.event.type === 'xstate.done.actor.identity' &&
          (s.event as { output?: { outcome?: string } }).output?.outcome === 'approved',
      );
      expect(approvedAt).toBeGreaterThan(0);
      expect(types.indexOf('xstate.done.actor.register')).toBeGreaterThan(approvedAt);
      // A reissue looks up the old certificate at the CA (and revokes it, if there is one).
      if (purposeOf(path) === 'reissue')
        expect(types.indexOf('xstate.done.actor.findAtCa')).toBeGreaterThan(
          types.indexOf('xstate.done.actor.register'),
        );
    }
  });

  it('every failure says what happened, and a retry runs again the effect that failed', async () => {
    const retryable = ['mediumRemoved', 'caUnreachable', 'effectFailed'];
    const failed = paths.filter((p) => retryable.includes(JSON.parse(flowOf(p)) as string));
    // Every effect's failure is reached, on each failure state where it can land.
    expect(new Set(failed.map((p) => (p.state.context as { failed?: string }).failed))).toEqual(
      new Set(['registering', 'finding', 'revoking', 'issuing', 'renewing', 'copying']),
    );
    for (const path of failed) {
      const end = await replayPath(visitMachine, path, replay);
      const { failure, failed: effect } = end.context as { failure?: unknown; failed?: string };
      expect(failure).toMatchObject({ kind: expect.any(String) as string });
      const [next] = transition(visitMachine, path.state, { type: 'visitor.retry' });
      expect((next.value as { flow: string }).flow, describePath(path)).toBe(effect);
    }
  });

  it('another medium after an unusable one: back to where the medium was chosen', () => {
    const unusable = paths.filter((p) => flowOf(p) === '"mediumUnusable"');
    expect(unusable.length).toBeGreaterThan(0);
    for (const path of unusable) {
      const [next] = transition(visitMachine, path.state, { type: 'visitor.back' });
      const effect = (path.state.context as { failed?: string }).failed;
      expect((next.value as { flow: string }).flow).toBe(
        effect === 'renewing' ? 'holding' : 'storage',
      );
    }
  });

  it('cancel wipes from every step of the flow, keeping an ending already known', () => {
    const steps = new Map<string, MachinePath>();
    for (const path of paths) if (!steps.has(flowOf(path))) steps.set(flowOf(path), path);
    const from = [...steps].filter(([flow]) => !['"wiping"', '"finished"'].includes(flow));
    // Every step a visitor can stand at, the sub-flows and the failure states among them.
    expect(from.length).toBeGreaterThan(20);
    for (const [flow, path] of from) {
      const before = (path.state.context as { ending?: string }).ending;
      const [next, actions] = transition(visitMachine, path.state, { type: 'visit.cancel' });
      expect((next.value as { flow: unknown }).flow, flow).toBe('wiping');
      expect((next.context as { ending?: string }).ending, flow).toBe(before ?? 'cancelled');
      // The wipe runs on entry: the vault and whatever the visit created are let go.
      const started = actions.map((a) => (a as { params?: { src?: unknown } }).params?.src);
      expect(started, flow).toContain('wipe');
    }
  });

  it('inactivity: a warning, any key continues, then the wipe; never while the kiosk works', async () => {
    const clock = new SimulatedClock();
    let release: (() => void) | undefined;
    const wipes: string[] = [];
    const live = createActor(
      visitMachine.provide({
        delays,
        actors: {
          identity: fromPromise(
            () =>
              new Promise((resolve) => {
                release = () => {
                  resolve(approval);
                };
              }),
          ) as never,
          register: fromPromise(() => new Promise(() => undefined)) as never,
          wipe: fromPromise(({ input }: { input: { reason: string } }) => {
            wipes.push(input.reason);
            return Promise.resolve(undefined);
          }) as never,
        },
      }),
      { input, clock },
    ).start();
    const settle = () => new Promise((r) => setImmediate(r));
    clock.increment(delays.inactivityWarning);
    expect(live.getSnapshot().value).toEqual({ flow: 'home', attention: 'warning' });
    live.send({ type: 'visitor.start', purpose: 'issue' });
    live.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    expect(live.getSnapshot().value).toEqual({ flow: 'form', attention: 'watching' });
    live.send({
      type: 'form.accepted',
      form: {
        name: '홍길동',
        idnMasked: '900101-1******',
        birthDate: '1990-01-01',
        phone: '010-1234-5678',
      },
    });
    release?.();
    await settle();
    // Registering: the kiosk works, no countdown however long it takes.
    expect(live.getSnapshot().value).toEqual({ flow: 'registering', attention: 'paused' });
    clock.increment(10 * (delays.inactivityWarning + delays.inactivityWipe));
    expect(live.getSnapshot().value).toEqual({ flow: 'registering', attention: 'paused' });
    live.send({ type: 'visit.cancel' });
    await settle();
    expect(wipes).toEqual(['cancelled']);
    expect(live.getSnapshot().status).toBe('done');

    // A visitor who walks away: warned, then wiped as timed out.
    const left = createActor(
      visitMachine.provide({
        delays,
        actors: {
          wipe: fromPromise(({ input }: { input: { reason: string } }) => {
            wipes.push(input.reason);
            return Promise.resolve(undefined);
          }) as never,
        },
      }),
      { input, clock },
    ).start();
    left.send({ type: 'visitor.start', purpose: 'issue' });
    left.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    clock.increment(delays.inactivityWarning);
    expect(left.getSnapshot().value).toEqual({ flow: 'form', attention: 'warning' });
    clock.increment(delays.inactivityWipe);
    await settle();
    expect(wipes).toEqual(['cancelled', 'timedOut']);
    expect(left.getSnapshot().context.ending).toBe('timedOut');
    expect(left.getSnapshot().status).toBe('done');
  });

  it('a lost confirmation ends with staff, not a retry that would issue twice', () => {
    const staff = paths.find((p) => flowOf(p) === '"staffNeeded"');
    expect(staff).toBeDefined();
    expect(Object.keys(visitMachine.getStateNodeById('visit.flow.staffNeeded').on)).toEqual([
      'visitor.finish',
    ]);
  });

  it('holds no secret: the snapshot of a whole visit has no authorization code, PIN or full IDN', async () => {
    const path = paths.find(
      (p) =>
        flowOf(p) === '"done"' && (p.state.context as { purpose?: string }).purpose === 'issue',
    );
    if (path === undefined) throw new Error('no path to an issuance');
    const end = await replayPath(visitMachine, path, replay);
    const text = JSON.stringify(end.context);
    expect(text).not.toMatch(/authCode|password|pin"|9001011234568/i);
    expect(text).toContain('900101-1******');
  });
});
