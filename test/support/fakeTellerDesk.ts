import { checkIdDocument } from '../../machines/form/idDocument.js';
import type { ChipSummary } from '../../machines/types.js';
import type {
  ApprovalBasis,
  Decision,
  DecisionResult,
  PhotoType,
  QueueEntry,
  TellerDesk,
  VisitView,
} from '../../src/teller/desk.js';

// A TellerDesk with the kiosk service's rules and none of its machinery (STYLE #2: fakes are real
// code): visits are added by the test, wait for an approval (then a fee, if any), and take
// decisions as the visit's identity step would: one approval or rejection per visit, an override
// reason for a chip that did not verify, a valid ID (checked by machines/form/idDocument.ts, the
// kiosk's own check) without a chip. Test controls: addVisit, cancel, holdDecisions, and what it
// received.

export interface FakeVisit {
  readonly id: string;
  readonly basis: ApprovalBasis;
  readonly feeWon?: number;
  readonly photo?: { readonly type: PhotoType; readonly bytes: Buffer };
}

type State = 'waitingApproval' | 'waitingFee' | 'approved' | 'rejected';

interface Held {
  readonly view: VisitView;
  state: State;
  readonly photo: { readonly type: PhotoType; readonly bytes: Buffer } | undefined;
}

const verifiedChip: ChipSummary = {
  surname: 'HONG',
  givenNames: 'GIL DONG',
  birthDate: '900101',
  documentNumber: 'M12345678',
  verified: true,
  failures: [],
  mismatches: [],
  nameNeedsTeller: true,
};

export class FakeTellerDesk implements TellerDesk {
  readonly #visits = new Map<string, Held>();
  /** Every decision the desk was asked for, in order, as received. */
  readonly received: { visitId: string; decision: Decision }[] = [];
  /** The in-person number buffers received, to check they were zeroed after use. */
  readonly numbers: Buffer[] = [];
  #hold: Promise<void> | undefined;
  #now = '2026-03-02T01:00:00.000Z';

  /** Adds a visit waiting for approval; returns its view. */
  addVisit(visit: FakeVisit): VisitView {
    const chip =
      visit.basis === 'noChip'
        ? undefined
        : {
            ...verifiedChip,
            verified: visit.basis === 'chipVerified',
            failures: visit.basis === 'chipVerified' ? [] : ['DG2 hash: mismatch'],
            mismatches:
              visit.basis === 'chipVerified'
                ? []
                : [
                    {
                      field: 'birthDate' as const,
                      ko: '생년월일 불일치: 신청서 1990-01-01, 칩 1990-01-02',
                      en: 'Date of birth mismatch: form 1990-01-01, chip 1990-01-02',
                    },
                  ],
          };
    const view: VisitView = {
      visitId: visit.id,
      since: this.#now,
      purpose: 'issue',
      waitingFor: 'approval',
      name: '홍길동',
      idnMasked: '900101-1******',
      basis: visit.basis,
      ...(chip === undefined
        ? {}
        : {
            chip: { verified: chip.verified, failures: chip.failures, mismatches: chip.mismatches },
          }),
      institution: { ko: '데모은행', en: 'Demo Bank' },
      certificateType: { ko: '은행/보험용', en: 'Banking/insurance' },
      feeWon: visit.feeWon ?? 0,
      form: {
        name: '홍길동',
        idnMasked: '900101-1******',
        birthDate: '1990-01-01',
        phone: '010-1234-5678',
      },
      ...(chip === undefined
        ? {}
        : {
            chipData: {
              ...chip,
              passiveAuthentication: chip.verified
                ? { outcome: 'passed' as const, ko: '진본', en: 'Genuine' }
                : { outcome: 'failed' as const, ko: '확인 실패', en: 'Not verified' },
              activeAuthentication: {
                outcome: 'passed' as const,
                ko: '복제 아님',
                en: 'Not a copy',
              },
              ...(visit.photo === undefined
                ? {}
                : { photo: { type: visit.photo.type, width: 240, height: 320 } }),
            },
          }),
    };
    this.#visits.set(visit.id, { view, state: 'waitingApproval', photo: visit.photo });
    return view;
  }

  /** The visitor cancelled: the visit is gone for every later call. */
  cancel(visitId: string): void {
    this.#visits.delete(visitId);
  }

  /** Where a visit stands (undefined: gone). */
  state(visitId: string): State | undefined {
    return this.#visits.get(visitId)?.state;
  }

  /** Decisions wait until the returned function is called (races between tellers). */
  holdDecisions(): () => void {
    let release = (): void => undefined;
    this.#hold = new Promise((resolve) => {
      release = () => {
        this.#hold = undefined;
        resolve();
      };
    });
    return release;
  }

  queue(): readonly QueueEntry[] {
    return [...this.#visits.values()].flatMap((held) => {
      const waitingFor = waiting(held.state);
      if (waitingFor === undefined) return [];
      const { visitId, since, purpose, name, idnMasked, basis, chip } = held.view;
      return [
        { visitId, since, purpose, waitingFor, name, idnMasked, basis, ...(chip ? { chip } : {}) },
      ];
    });
  }

  view(visitId: string): VisitView | undefined {
    const held = this.#visits.get(visitId);
    const waitingFor = held === undefined ? undefined : waiting(held.state);
    return held === undefined || waitingFor === undefined
      ? undefined
      : { ...held.view, waitingFor };
  }

  photo(visitId: string): { type: PhotoType; bytes: Buffer } | undefined {
    return this.#visits.get(visitId)?.photo;
  }

  async decide(visitId: string, decision: Decision): Promise<DecisionResult> {
    this.received.push({ visitId, decision });
    if (decision.kind === 'approve' && decision.inPerson !== undefined)
      this.numbers.push(decision.inPerson.number);
    if (this.#hold !== undefined) await this.#hold;
    const held = this.#visits.get(visitId);
    if (held === undefined) return refused('visitGone');
    switch (decision.kind) {
      case 'approve': {
        if (held.state !== 'waitingApproval') return refused('alreadyDecided');
        const basis = held.view.basis;
        if (basis === 'chipNotVerified' && decision.overrideReason === undefined)
          return refused('needsOverrideReason');
        let inPerson:
          { type: 'residentCard' | 'driverLicence' | 'passport'; numberMasked: string } | undefined;
        if (basis === 'noChip') {
          const entry = decision.inPerson;
          if (entry === undefined) return refused('needsDocument');
          const checked = checkIdDocument(
            entry.type,
            entry.number.toString('utf8'),
            new Date(this.#now),
          );
          entry.number.fill(0);
          if (!checked.ok)
            return { accepted: false, refusal: 'needsDocument', problem: checked.problem };
          inPerson = checked.document;
        }
        held.state = held.view.feeWon > 0 ? 'waitingFee' : 'approved';
        const evidence =
          basis === 'chipVerified'
            ? 'chipVerified'
            : basis === 'chipNotVerified'
              ? 'chipNotVerifiedOverride'
              : 'inPersonOnly';
        return { accepted: true, evidence, ...(inPerson === undefined ? {} : { inPerson }) };
      }
      case 'reject':
        if (held.state !== 'waitingApproval') return refused('alreadyDecided');
        held.state = 'rejected';
        return { accepted: true };
      case 'feePaid':
        if (held.state === 'waitingApproval' || held.state === 'rejected')
          return refused('notWaiting');
        if (held.state !== 'waitingFee') return refused('alreadyDecided');
        held.state = 'approved';
        return { accepted: true };
    }
  }
}

function waiting(state: State): 'approval' | 'fee' | undefined {
  return state === 'waitingApproval' ? 'approval' : state === 'waitingFee' ? 'fee' : undefined;
}

function refused(refusal: Extract<DecisionResult, { accepted: false }>['refusal']): DecisionResult {
  return { accepted: false, refusal };
}
