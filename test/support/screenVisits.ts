import type { VisitContext } from '../../machines/visit.js';
import { defaultInstitutions } from '../../src/kiosk/institutions.js';
import type { KioskView } from '../../src/kiosk/run/kiosk.js';
import type { KioskPort } from '../../src/kiosk/screens/driver.js';
import type { KioskService, VisitSnapshot } from '../../src/kiosk/service.js';

// Visit snapshots made by hand for screen tests (issue 15): a flow state, its context and the
// sub-flows' snapshots, where reaching the state through a real visit (test/support/kioskWorld.ts)
// would need a fault or a hostile chip. The screen model reads only value, context, children and
// status, which these have.

const baseContext: VisitContext = {
  institutions: defaultInstitutions,
  purposes: ['issue', 'reissue', 'revoke', 'renew', 'copy', 'view'],
  media: ['usb', 'token'],
  purpose: 'issue',
  institution: undefined,
  certificateType: undefined,
  form: undefined,
  formProblems: undefined,
  identity: undefined,
  ref: undefined,
  atCa: [],
  revocation: undefined,
  held: undefined,
  medium: undefined,
  issued: undefined,
  failure: undefined,
  failed: undefined,
  ending: undefined,
};

export interface HandMadeVisit {
  readonly flow: string;
  readonly context?: Partial<VisitContext>;
  /** Sub-flows by id (identity, storage, held): their state and context. */
  readonly children?: Readonly<Record<string, { value: unknown; context: object }>>;
  readonly attention?: 'watching' | 'warning' | 'paused';
}

export function handMadeVisit(made: HandMadeVisit): VisitSnapshot {
  const children = Object.fromEntries(
    Object.entries(made.children ?? {}).map(([id, snapshot]) => [
      id,
      { getSnapshot: () => snapshot },
    ]),
  );
  return {
    status: 'active',
    value: { flow: made.flow, attention: made.attention ?? 'watching' },
    context: { ...baseContext, ...made.context },
    children,
  } as unknown as VisitSnapshot;
}

/** A kiosk in a visit, its devices as a demo kiosk has them. */
export function viewWith(
  visit: VisitSnapshot | undefined,
  more: Partial<KioskView> = {},
): KioskView {
  return {
    state: 'inVisit',
    problems: [],
    ca: 'answering',
    readers: ['Fake Reader 00 00'],
    tokens: ['visitor'],
    drives: ['/dev/sdz'],
    visit,
    ...more,
  };
}

/** A name as a hostile chip or CA could send it: an SGR escape, RLO, ambiguous-width glyphs. */
export const hostile = 'HONG\x1b[31mRED\u202eEVIL\u00b7GIL\u203bDONG\u2460';

/** The kiosk service as a KioskPort (RunningKiosk's shape): `send` starts a visit. */
export function portOf(service: KioskService): KioskPort {
  const listeners = new Set<(view: KioskView) => void>();
  const snapshot = () => viewWith(service.visit?.snapshot());
  const notify = () => {
    for (const listener of listeners) listener(snapshot());
  };
  return {
    snapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    send: () => {
      service.startVisit().subscribe(notify);
      notify();
    },
    visit: () => service.visit,
  };
}
