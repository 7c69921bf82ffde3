import type { IssueFact } from '../../certificates/steps.js';
import type { VisitRecord } from '../visitStore.js';

/**
 * How far an issuance has gone, for the issuing screen's bar (issue 15 item 2). The visit's
 * snapshot says only that it is issuing; what the issuance has made true is its journal
 * (src/certificates/steps.ts IssueFact), which the visit store records as it happens. This hears
 * those records (the store's `onRecord`: the visit's id, the record's kind and step name, never a
 * value) and keeps the last step of the visit's current issuance.
 */

export type IssueStep = IssueFact['step'];

const issueSteps: ReadonlySet<string> = new Set<IssueStep>([
  'keyMade',
  'requestSent',
  'received',
  'stored',
  'confirmed',
]);

/** The state name (service.ts visitStateName) of a visit while it issues. */
const issuingState = 'flow.issuing';

/** The last issuance fact of each visit, as its records arrive; forgotten when it stops issuing. */
export class IssueProgress {
  readonly #last = new Map<string, IssueStep>();
  readonly #listeners = new Set<() => void>();

  /**
   * A record the visit store wrote. A fact moves its visit's issuance on; a state other than
   * issuing ends it (failed, done, cancelled), so a retry starts its bar from the beginning.
   */
  hear(record: Pick<VisitRecord, 'visit' | 'kind' | 'name'>): void {
    if (record.kind === 'fact' && issueSteps.has(record.name)) {
      this.#last.set(record.visit, record.name as IssueStep);
      for (const listener of this.#listeners) listener();
    } else if (record.kind === 'state' && record.name !== issuingState) {
      this.#last.delete(record.visit);
    }
  }

  /** The last fact of `visit`'s issuance in progress, if it has told one. */
  of(visit: string): IssueStep | undefined {
    return this.#last.get(visit);
  }

  /** Forgets a visit that has ended. */
  forget(visit: string): void {
    this.#last.delete(visit);
  }

  /** Called after each fact heard, until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/**
 * The issuing screen's stages done (0 to 4: key, CA, write, read back) after `step`. `stored` is
 * told once the pair is written and read back (a drive's folder renamed into place and read
 * again, a token's pair relabelled), so it completes the last two at once; `confirmed` (the CA
 * told) adds no stage of its own.
 */
export function stagesDone(step: IssueStep | undefined): number {
  switch (step) {
    case undefined:
      return 0;
    case 'keyMade':
    case 'requestSent':
      return 1;
    case 'received':
      return 2;
    case 'stored':
    case 'confirmed':
      return 4;
  }
}
