import type {
  ComparisonRow,
  ConsoleDecision,
  DecisionReply,
  Failure,
  PhotoBox,
  QueueRow,
  Result,
  TellerPort,
  VisitScreen,
  Words,
} from '../../ui/teller/port.js';
import type { DecisionOutcome, QueueItem, VisitDetail } from './answers.js';
import type { TellerClient } from './client.js';
import { TellerClientError } from './clientErrors.js';
import {
  blessedPhotoLines,
  decodePhoto,
  halfBlocks,
  type Jpeg2000Decoder,
  type PhotoGlyphs,
} from './photo.js';

// The teller console's port (ui/teller/port.ts) over the HTTP client (issue 15 item 3): the API's
// answers, already checked and display-safe (answers.ts), turned into what the console draws:
// the form beside the chip row by row with the kiosk's mismatches marked, the verdicts, the photo
// decoded and drawn in half blocks. Errors become Failures in words; none throws.

const purposeWords: Record<string, Words> = {
  issue: { ko: '신규 발급', en: 'Issue' },
  reissue: { ko: '재발급', en: 'Reissue' },
  revoke: { ko: '폐기', en: 'Revoke' },
  renew: { ko: '갱신', en: 'Renew' },
  copy: { ko: '복사', en: 'Copy' },
  view: { ko: '조회', en: 'View' },
};

const labels = {
  name: { ko: '이름', en: 'Name' },
  birthDate: { ko: '생년월일', en: 'Date of birth' },
  documentNumber: { ko: '문서 번호', en: 'Document no.' },
  nationality: { ko: '국적', en: 'Nationality' },
  expiry: { ko: '만료일', en: 'Expires' },
  idn: { ko: '주민등록번호', en: 'Resident no.' },
  phone: { ko: '전화', en: 'Phone' },
} as const satisfies Record<string, Words>;

const failureWords: Record<Failure['kind'], Words> = {
  sessionEnded: {
    ko: '세션이 끝났습니다. 다시 로그인하세요.',
    en: 'The session has ended. Log in again.',
  },
  loginRefused: { ko: '이름 또는 비밀번호가 틀렸습니다.', en: 'Wrong name or password.' },
  throttled: {
    ko: '로그인 실패가 많습니다. 잠시 후 다시 시도하세요.',
    en: 'Too many failed logins. Wait and try again.',
  },
  unreachable: {
    ko: '단말기에 연결할 수 없습니다. 단말기가 켜져 있는지 확인하세요.',
    en: 'The kiosk cannot be reached. Check that it is running.',
  },
  failed: { ko: '요청이 거부되었습니다.', en: 'The request was refused.' },
};

/**
 * The console's port over `client`; `jpeg2000` decodes JPEG 2000 photos where installed; `glyphs`
 * says how the photo is drawn (photo.ts, `blocks` by default).
 */
export function consolePort(
  client: TellerClient,
  options: { readonly jpeg2000?: Jpeg2000Decoder; readonly glyphs?: PhotoGlyphs } = {},
): TellerPort {
  return {
    login: (name, password) =>
      attempt(async () => ({ teller: (await client.login(name, password)).teller })),
    logout: async () => {
      try {
        await client.logout();
      } catch {
        // Leaving anyway: the session ends idle on the kiosk's side.
      }
    },
    queue: () => attempt(async () => (await client.queue()).map(queueRow)),
    view: (visitId) =>
      attempt(async () => {
        const view = await client.view(visitId);
        return view === undefined ? undefined : visitScreen(view);
      }),
    photo: async (visitId, columns, rows): Promise<PhotoBox> => {
      let photo;
      try {
        photo = await client.photo(visitId);
      } catch (error) {
        return { ok: false, message: failureWords[kindOf(error)] };
      }
      if (photo === undefined)
        return { ok: false, message: { ko: '사진이 없습니다.', en: 'No photo.' } };
      const decoded = decodePhoto(
        photo,
        options.jpeg2000 === undefined ? {} : { jpeg2000: options.jpeg2000 },
      );
      photo.bytes.fill(0);
      if (!decoded.ok) return { ok: false, message: decoded.problem };
      return {
        ok: true,
        lines: blessedPhotoLines(halfBlocks(decoded.pixels, columns, rows), options.glyphs),
      };
    },
    decide: (visitId, decision) =>
      attempt(async () => reply(await send(client, visitId, decision))),
  };
}

async function send(
  client: TellerClient,
  visitId: string,
  decision: ConsoleDecision,
): Promise<DecisionOutcome> {
  switch (decision.kind) {
    case 'approve':
      return client.approve(visitId);
    case 'override':
      return client.override(visitId, decision.reason);
    case 'inPerson':
      try {
        return await client.inPerson(visitId, { type: decision.type, number: decision.number });
      } finally {
        decision.number.fill(0);
      }
    case 'reject':
      return client.reject(visitId, decision.reason);
    case 'feePaid':
      return client.feePaid(visitId);
  }
}

const evidenceWords: Record<string, Words> = {
  chipVerified: { ko: '승인됨 (확인된 칩)', en: 'Approved (verified chip)' },
  chipNotVerifiedOverride: {
    ko: '예외 승인됨 (확인되지 않은 칩, 사유 기록)',
    en: 'Approved by override (chip not verified, reason recorded)',
  },
  inPersonOnly: { ko: '승인됨 (대면 확인, 칩 없음)', en: 'Approved in person (no chip)' },
};

function reply(outcome: DecisionOutcome): DecisionReply {
  if (!outcome.accepted)
    return {
      accepted: false,
      message:
        outcome.problem === undefined
          ? outcome.message
          : {
              ko: `${outcome.message.ko} ${outcome.problem.ko}`,
              en: `${outcome.message.en} ${outcome.problem.en}`,
            },
    };
  if (outcome.decided === 'reject')
    return { accepted: true, message: { ko: '거절했습니다.', en: 'Rejected.' } };
  if (outcome.decided === 'feePaid')
    return {
      accepted: true,
      message: { ko: '수수료 수납을 기록했습니다.', en: 'Fee recorded as paid.' },
    };
  const base = evidenceWords[outcome.evidence ?? 'chipVerified'] ?? evidenceWords.chipVerified;
  const id = outcome.inPerson;
  return {
    accepted: true,
    message:
      id === undefined || base === undefined
        ? (base ?? { ko: '승인됨', en: 'Approved' })
        : { ko: `${base.ko}: ${id.numberMasked}`, en: `${base.en}: ${id.numberMasked}` },
  };
}

function queueRow(item: QueueItem): QueueRow {
  return {
    visitId: item.visitId,
    since: clock(item.since),
    purpose: purposeWords[item.purpose] ?? { ko: item.purpose, en: item.purpose },
    waitingFor: item.waitingFor,
    name: item.name,
    idnMasked: item.idnMasked,
    basis: item.basis,
    mismatches: item.chip?.mismatches.length ?? 0,
  };
}

/** The form beside the chip, the rows in the order a teller reads an ID. */
export function visitScreen(view: VisitDetail): VisitScreen {
  const chip = view.chipData;
  const differs = new Set(chip?.mismatches.map((m) => m.field) ?? []);
  const chipName =
    chip === undefined ? '' : (chip.fullName ?? `${chip.surname} ${chip.givenNames}`.trim());
  const rows: ComparisonRow[] = [
    { label: labels.name, form: view.form.name, chip: chipName, mismatch: differs.has('name') },
    {
      label: labels.birthDate,
      form: view.form.birthDate,
      chip: chip === undefined ? '' : yymmdd(chip.birthDate),
      mismatch: differs.has('birthDate'),
    },
    {
      label: labels.documentNumber,
      form: view.form.documentNumber ?? '',
      chip: chip?.documentNumber ?? '',
      mismatch: differs.has('documentNumber'),
    },
    { label: labels.nationality, form: '', chip: chip?.nationality ?? '', mismatch: false },
    {
      label: labels.expiry,
      form: '',
      chip: chip?.expiryDate === undefined ? '' : yymmdd(chip.expiryDate),
      mismatch: false,
    },
    { label: labels.idn, form: view.form.idnMasked, chip: '', mismatch: false },
    { label: labels.phone, form: view.form.phone, chip: '', mismatch: false },
  ];
  const product = [view.institution, view.certificateType].filter((w) => w !== undefined);
  return {
    visitId: view.visitId,
    purpose: purposeWords[view.purpose] ?? { ko: view.purpose, en: view.purpose },
    waitingFor: view.waitingFor,
    basis: view.basis,
    basisText: view.basisText,
    product: { ko: product.map((w) => w.ko).join(' / '), en: product.map((w) => w.en).join(' / ') },
    feeWon: view.feeWon,
    rows,
    mismatches: chip?.mismatches.map(({ ko, en }) => ({ ko, en })) ?? [],
    nameNeedsTeller: chip?.nameNeedsTeller ?? false,
    ...(chip === undefined
      ? {}
      : {
          verdicts: {
            passive: {
              outcome: chip.passiveAuthentication.outcome,
              text: chip.passiveAuthentication,
            },
            active: { outcome: chip.activeAuthentication.outcome, text: chip.activeAuthentication },
          },
        }),
    hasPhoto: chip?.photo !== undefined,
  };
}

/** `YYMMDD` as `YY-MM-DD` (the MRZ has no century); anything else as it is. */
function yymmdd(value: string): string {
  return /^\d{6}$/.test(value)
    ? `${value.slice(0, 2)}-${value.slice(2, 4)}-${value.slice(4)}`
    : value;
}

/** `HH:MM` of an ISO instant, local time; the text itself if it is none. */
function clock(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso.slice(0, 16);
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

function kindOf(error: unknown): Failure['kind'] {
  if (!(error instanceof TellerClientError)) return 'failed';
  switch (error.kind) {
    case 'sessionEnded':
    case 'loginRefused':
    case 'throttled':
    case 'unreachable':
      return error.kind;
    default:
      return 'failed';
  }
}

async function attempt<T>(work: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const kind = kindOf(error);
    const words = failureWords[kind];
    const retry =
      error instanceof TellerClientError && error.details.retryAfterSeconds !== undefined
        ? ` (${String(error.details.retryAfterSeconds)} s)`
        : '';
    const server =
      error instanceof TellerClientError && kind === 'failed'
        ? (error.details.serverText ?? '')
        : '';
    const extra = `${retry}${server === '' ? '' : ` ${server}`}`;
    return { ok: false, kind, message: { ko: words.ko + extra, en: words.en + extra } };
  }
}
