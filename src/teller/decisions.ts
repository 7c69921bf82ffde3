import type { Logger } from '../log/logger.js';
import type { Words } from '../../machines/types.js';
import type {
  Decision,
  DecisionKind,
  DecisionRecord,
  DecisionRefusal,
  DecisionResult,
  TellerDesk,
} from './desk.js';
import { approveSchema, emptySchema, issuesOf, rejectSchema } from './requests.js';

// A teller's decision through the API (issue 14 item 1): the body checked, the teller taken from
// the session, the desk asked (one decision at a time per visit, so two tellers racing for a
// visit reach the desk in turn and the second hears `alreadyDecided`), the outcome reported to
// onDecision for the audit log and mapped to HTTP: 409 when the visit's state refuses it, 422
// when the decision lacks what its case needs.

export interface Answer {
  readonly status: number;
  readonly value: unknown;
}

const refusalStatus: Record<DecisionRefusal, number> = {
  alreadyDecided: 409,
  visitGone: 409,
  notWaiting: 409,
  needsOverrideReason: 422,
  needsDocument: 422,
  invalid: 422,
};

const refusalWords: Record<DecisionRefusal, Words> = {
  alreadyDecided: {
    ko: '이 방문은 이미 결정되었습니다.',
    en: 'This visit has been decided already.',
  },
  visitGone: {
    ko: '방문이 끝났습니다 (취소되었거나 시간이 지났습니다).',
    en: 'The visit has ended (cancelled or timed out).',
  },
  notWaiting: {
    ko: '이 방문은 지금 이 결정을 기다리지 않습니다.',
    en: 'This visit is not waiting for this decision now.',
  },
  needsOverrideReason: {
    ko: '칩이 확인되지 않았습니다: 승인하려면 사유를 적어 주세요.',
    en: 'The chip did not verify: approving needs a reason.',
  },
  needsDocument: {
    ko: '칩이 없습니다: 실물 신분증의 종류와 올바른 번호를 입력해 주세요.',
    en: 'No chip: enter the physical ID’s type and a valid number.',
  },
  invalid: {
    ko: '이 결정을 받을 수 없습니다.',
    en: 'This decision cannot be taken.',
  },
};

export class DecisionDesk {
  /** The decision in flight per visit; the next waits for it. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly desk: TellerDesk,
    private readonly now: () => Date,
    private readonly onDecision: ((record: DecisionRecord) => void) | undefined,
    private readonly log: Logger | undefined,
  ) {}

  /** One decision by `teller` (from the session) on `visitId`, with the request's body. */
  async decide(
    kind: DecisionKind,
    visitId: string,
    teller: string,
    body: unknown,
  ): Promise<Answer> {
    const built = buildDecision(kind, teller, body);
    if (!built.ok) return { status: 400, value: { error: built.error } };
    const decision = built.decision;
    let result: DecisionResult;
    try {
      result = await this.#oneAtATime(visitId, () => this.desk.decide(visitId, decision));
    } finally {
      // The ID number as typed: the desk zeroes it; so does the API, whatever the desk did.
      if (decision.kind === 'approve') decision.inPerson?.number.fill(0);
    }
    const override = result.accepted && result.evidence === 'chipNotVerifiedOverride';
    const reason =
      decision.kind === 'reject'
        ? decision.reason
        : decision.kind === 'approve'
          ? decision.overrideReason
          : undefined;
    this.#record({
      at: this.now().toISOString(),
      teller,
      visitId,
      kind,
      outcome: result.accepted ? 'accepted' : result.refusal,
      override,
      ...(reason === undefined ? {} : { reason }),
      ...(result.accepted && result.evidence !== undefined ? { evidence: result.evidence } : {}),
      ...(result.accepted && result.inPerson !== undefined ? { inPerson: result.inPerson } : {}),
    });
    if (result.accepted)
      return {
        status: 200,
        value: {
          visitId,
          decided: kind,
          teller,
          override,
          ...(result.evidence === undefined ? {} : { evidence: result.evidence }),
          ...(result.inPerson === undefined ? {} : { inPerson: result.inPerson }),
        },
      };
    const words = refusalWords[result.refusal];
    return {
      status: refusalStatus[result.refusal],
      value: {
        error: words.en,
        refusal: result.refusal,
        message: words,
        ...(result.problem === undefined ? {} : { problem: result.problem }),
      },
    };
  }

  /** Runs `work` after the visit's decision in flight, if any, has settled. */
  #oneAtATime<T>(visitId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#inFlight.get(visitId) ?? Promise.resolve();
    const run = previous.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.set(visitId, settled);
    void settled.then(() => {
      if (this.#inFlight.get(visitId) === settled) this.#inFlight.delete(visitId);
    });
    return run;
  }

  /** The audit hook must not undo a decision the visit has taken: its failure is logged. */
  #record(record: DecisionRecord): void {
    const { teller, visitId, kind, outcome, override } = record;
    this.log?.info({ teller, visit: visitId, kind, outcome, override }, 'teller decision');
    try {
      this.onDecision?.(record);
    } catch (error) {
      this.log?.error({ err: error, teller, visit: visitId, kind }, 'decision hook failed');
    }
  }
}

type Built = { ok: true; decision: Decision } | { ok: false; error: string };

function buildDecision(kind: DecisionKind, teller: string, body: unknown): Built {
  switch (kind) {
    case 'approve': {
      const parsed = approveSchema.safeParse(body);
      if (!parsed.success) return { ok: false, error: issuesOf(parsed.error) };
      const { overrideReason, inPerson } = parsed.data;
      return {
        ok: true,
        decision: {
          kind,
          teller,
          ...(overrideReason === undefined ? {} : { overrideReason }),
          ...(inPerson === undefined
            ? {}
            : {
                inPerson: {
                  type: inPerson.type,
                  number: Buffer.from(inPerson.number, 'utf8'),
                  ...(inPerson.issueDate === undefined ? {} : { issueDate: inPerson.issueDate }),
                },
              }),
        },
      };
    }
    case 'reject': {
      const parsed = rejectSchema.safeParse(body);
      if (!parsed.success) return { ok: false, error: issuesOf(parsed.error) };
      return { ok: true, decision: { kind, teller, reason: parsed.data.reason } };
    }
    case 'feePaid': {
      const parsed = emptySchema.safeParse(body);
      if (!parsed.success) return { ok: false, error: issuesOf(parsed.error) };
      return { ok: true, decision: { kind, teller } };
    }
  }
}
