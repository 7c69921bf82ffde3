import type { VisitFailure, Words } from '../../../machines/types.js';
import { revocationReasons, type RevocationReason } from '../../../machines/types.js';
import type { Field, Lang } from '../../../ui/contract.js';
import {
  fee,
  field,
  keysLine,
  outside,
  working,
  type ScreenBody,
  type ScreenInput,
} from './parts.js';
import { stagesDone } from './issueProgress.js';
import { failures, purposes, say, t } from './strings.js';
import { heldScreen, identityScreen, storageScreen } from './subflowScreens.js';

/**
 * The visit's flow state (machines/visit.ts) to a screen; the sub-flows' screens are in
 * subflowScreens.ts.
 */

const reasonWords: Record<RevocationReason, Words> = {
  keyCompromise: { ko: '분실 또는 유출', en: 'Lost or exposed' },
  affiliationChanged: { ko: '소속 변경', en: 'Affiliation changed' },
  superseded: { ko: '새 인증서로 대체', en: 'Replaced by a new one' },
  cessationOfOperation: { ko: '더 이상 사용하지 않음', en: 'No longer used' },
};

/** The step (1 to 7) a failed effect belongs to. */
const stepOfEffect = {
  registering: 3,
  finding: 3,
  revoking: 3,
  issuing: 6,
  renewing: 6,
  copying: 6,
};

export function flowScreen(input: ScreenInput): ScreenBody {
  const { visit, lang, local } = input;
  const flow = (visit.value as { flow?: unknown }).flow;
  const context = visit.context;
  const cursor = local.cursor ?? 0;
  switch (flow) {
    case 'home':
      return {
        screen: 'home',
        step: 0,
        title: say(t.home, lang),
        lines: [],
        pick: {
          cursor,
          items: context.purposes.map((p) => ({
            id: p,
            label: say(purposes[p].label, lang),
            detail: say(purposes[p].detail, lang),
            enabled: true,
          })),
        },
        keys: keysLine(lang, [t.keysPick], { back: false }),
      };
    case 'choosing':
      return {
        screen: 'choosing',
        step: 1,
        title: say(t.choosing, lang),
        lines: [],
        pick: {
          cursor,
          items: context.institutions.flatMap((i) =>
            i.certificateTypes.map((type) => ({
              id: `${i.id}/${type.id}`,
              label: `${outside(i.name[lang], 40)} - ${outside(type.name[lang], 60)}`,
              detail: fee(type.feeWon, lang),
              enabled: true,
            })),
          ),
        },
        keys: keysLine(lang, [t.keysPick]),
      };
    case 'form':
      return formScreen(input);
    case 'identity':
      return identityScreen(input);
    case 'registering':
    case 'finding':
    case 'revoking':
    case 'renewing':
    case 'copying':
      return working(lang, flow === 'renewing' || flow === 'copying' ? 6 : 3);
    case 'nothingAtCa':
      return {
        screen: 'revocation',
        step: 3,
        title: say(t.revocation, lang),
        lines: [say(t.nothingAtCa, lang)],
        keys: keysLine(lang, [t.keysFinish], { back: false }),
      };
    case 'pickingRevocation':
      return revocationScreen(input);
    case 'storage':
      return storageScreen(input);
    case 'holding':
      return heldScreen(input);
    case 'issuing':
      // The journal's facts where the kiosk hears them; else what the driver was told, if any.
      return issuingScreen(lang, Math.max(stagesDone(input.view.issueStep), local.stage ?? 0));
    case 'done':
      return resultScreen(input);
    case 'rejected':
      return {
        screen: 'rejected',
        step: 3,
        title: say(t.rejected, lang),
        lines: [say(t.rejectedTodo, lang)],
        keys: keysLine(lang, [t.keysFinish], { back: false, cancel: false }),
      };
    case 'mediumRemoved':
    case 'mediumUnusable':
    case 'caUnreachable':
    case 'effectFailed':
    case 'staffNeeded':
      return failureScreen(input, flow);
    default:
      return {
        screen: 'ending',
        step: 0,
        title: say(t.ending, lang),
        lines: [say(t.workingLine, lang)],
        keys: '',
      };
  }
}

function formScreen(input: ScreenInput): ScreenBody {
  const { visit, lang, local } = input;
  const refused = visit.context.formProblems;
  const fields: Field[] = [
    field(input, 'name', t.name, { refused: refused?.name ?? [] }),
    field(input, 'idn', t.idn, { masked: true, refused: refused?.idn ?? [] }),
    field(input, 'phone', t.phone, { refused: refused?.phone ?? [] }),
  ];
  if ((visit.context.certificateType?.feeWon ?? 0) > 0)
    fields.push(field(input, 'account', t.account, { refused: refused?.account ?? [] }));
  const type = visit.context.certificateType;
  return {
    screen: 'form',
    step: 2,
    title: say(t.form, lang),
    lines:
      type === undefined ? [] : [`${outside(type.name[lang], 60)} (${fee(type.feeWon, lang)})`],
    fields: { items: fields, focus: Math.min(local.focus ?? 0, fields.length - 1) },
    keys: keysLine(lang, [t.keysForm]),
  };
}

function revocationScreen(input: ScreenInput): ScreenBody {
  const { visit, lang, local } = input;
  const serial = local.revokeSerial;
  const items =
    serial === undefined
      ? visit.context.atCa.map((c) => ({
          id: c.serial,
          label: outside(c.subject, 60),
          detail: `${say(t.validUntil, lang)} ${outside(c.notAfter, 10).slice(0, 10)}`,
          enabled: true,
        }))
      : revocationReasons.map((r) => ({
          id: `${serial}/${r}`,
          label: say(reasonWords[r], lang),
          enabled: true,
        }));
  return {
    screen: 'revocation',
    step: 3,
    title: say(t.revocation, lang),
    lines: [],
    pick: { items, cursor: local.cursor ?? 0 },
    keys: keysLine(lang, [t.keysPick]),
  };
}

const stages: readonly Words[] = [t.stageKey, t.stageCa, t.stageWrite, t.stageReadBack];

function issuingScreen(lang: Lang, stage: number): ScreenBody {
  const done = Math.max(0, Math.min(stage, stages.length));
  return {
    screen: 'issuing',
    step: 6,
    title: say(t.issuing, lang),
    lines: stages.map((s, i) => `${i < done ? '[v]' : i === done ? '[>]' : '[ ]'} ${say(s, lang)}`),
    // Every stage done: the CA is told the certificate is stored, then the result follows.
    progress: { done, total: stages.length, label: say(stages[done] ?? t.stageConfirm, lang) },
    keys: '',
  };
}

/** The CA's name as the subject names it (NPKI: `…,o=yessign,c=kr`), else `-`. */
function issuerOf(subject: string): string {
  return /(?:^|,)\s*o=([^,]+)/i.exec(subject)?.[1] ?? '-';
}

function resultScreen(input: ScreenInput): ScreenBody {
  const { visit, lang } = input;
  const issued = visit.context.issued;
  const facts =
    issued === undefined
      ? []
      : [
          `${say(t.issuer, lang)}: ${outside(issuerOf(issued.subject), 40)}   ${say(t.usage, lang)}: ${outside(visit.context.certificateType?.name[lang] ?? '-', 40)}`,
          `${say(t.subject, lang)}: ${outside(issued.subject, 120)}`,
          `${say(t.serial, lang)}: ${outside(issued.serial, 40)}`,
          `${say(t.validUntil, lang)}: ${outside(issued.notAfter, 10).slice(0, 10)}   ${say(t.renewalFrom, lang)}: ${outside(issued.renewalFrom, 10).slice(0, 10)}`,
        ];
  const guidance = [t.guidance1, t.guidance2];
  if (visit.context.medium?.kind !== 'token') guidance.push(t.guidance3);
  return {
    screen: 'result',
    step: 7,
    title: say(issued === undefined ? t.done : t.result, lang),
    lines: [...facts, '', ...guidance.map((g) => say(g, lang))],
    keys: keysLine(lang, [t.keysFinish], { back: false, cancel: false }),
  };
}

function failureScreen(input: ScreenInput, flow: string): ScreenBody {
  const { visit, lang } = input;
  const failure: VisitFailure = visit.context.failure ?? { kind: 'internal', detail: '' };
  const words = failures[failure.kind];
  const staff = flow === 'staffNeeded';
  return {
    screen: 'failure',
    step: stepOfEffect[visit.context.failed ?? 'issuing'],
    title: say(staff ? t.staffNeeded : words.happened, lang),
    lines: visit.context.ref === undefined ? [] : [`Ref: ${outside(visit.context.ref, 40)}`],
    error: {
      happened: say(words.happened, lang),
      todo: say(staff ? t.staffNeeded : words.todo, lang),
    },
    keys: staff
      ? keysLine(lang, [t.keysFinish], { back: false, cancel: false })
      : flow === 'mediumUnusable'
        ? keysLine(lang, [])
        : keysLine(lang, [t.keysRetry], { back: false }),
  };
}
