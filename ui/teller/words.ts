import type { IdType, Words } from './port.js';

/** The console's own texts, Korean first (issue 15: Korean by default, English on one key). */
export const text = {
  title: { ko: '창구 직원 콘솔', en: 'Teller console' },
  loginTitle: { ko: '직원 로그인', en: 'Teller login' },
  name: { ko: '이름', en: 'Name' },
  password: { ko: '비밀번호', en: 'Password' },
  loggingIn: { ko: '로그인 중...', en: 'Logging in...' },
  loginKeys: {
    ko: 'Tab 다음 칸  Enter 로그인  F2 English  Ctrl-Q 종료',
    en: 'Tab next field  Enter log in  F2 한국어  Ctrl-Q quit',
  },
  queueTitle: { ko: '대기 중인 방문', en: 'Visits waiting' },
  queueEmpty: { ko: '기다리는 방문이 없습니다.', en: 'No visit is waiting.' },
  queueKeys: {
    ko: '위/아래 선택  Enter 열기  G 새로 고침  L English  O 로그아웃  Q 종료',
    en: 'Up/Down choose  Enter open  G refresh  L 한국어  O log out  Q quit',
  },
  waitingApproval: { ko: '승인 대기', en: 'awaiting approval' },
  waitingFee: { ko: '수수료 대기', en: 'awaiting fee' },
  field: { ko: '항목', en: 'Field' },
  form: { ko: '신청서', en: 'Form' },
  chip: { ko: '칩', en: 'Chip' },
  noChip: { ko: '(칩 없음)', en: '(no chip)' },
  mismatches: { ko: '불일치', en: 'Mismatches' },
  nameByTeller: {
    ko: '이름은 자동 비교되지 않았습니다: 칩의 이름과 본인을 직접 확인하세요.',
    en: 'The name was not compared automatically: check the chip name against the person.',
  },
  passive: { ko: '수동 인증', en: 'Passive auth.' },
  active: { ko: '능동 인증', en: 'Active auth.' },
  basis: { ko: '승인 근거', en: 'Basis' },
  fee: { ko: '수수료', en: 'Fee' },
  won: { ko: '원', en: ' won' },
  visitKeys: {
    ko: 'A 승인  R 거절  I 대면 확인  F 수수료  Esc 목록  L English  Q 종료',
    en: 'A approve  R reject  I in person  F fee  Esc list  L 한국어  Q quit',
  },
  promptKeys: { ko: 'Enter 확인  Esc 취소', en: 'Enter confirm  Esc cancel' },
  rejectReason: { ko: '거절 사유를 입력하세요:', en: 'Reason for rejecting:' },
  overrideReason: {
    ko: '칩이 확인되지 않았습니다. 그래도 승인하는 사유를 입력하세요 (감사 기록에 남습니다):',
    en: 'The chip did not verify. Why approve anyway (recorded in the audit log):',
  },
  confirmOverride: {
    ko: '확인되지 않은 칩을 예외 승인합니다. 정말 승인하려면 Y, 취소는 N.',
    en: 'Override: approve a chip that did not verify? Y to approve, N to cancel.',
  },
  idType: { ko: '실물 신분증 종류 (1-3):', en: 'Physical ID type (1-3):' },
  idNumber: { ko: '신분증 번호:', en: 'ID number:' },
  photoMatches: {
    ko: '신분증 사진이 본인과 일치합니까? 일치하면 Y, 아니면 N.',
    en: 'Does the photo on the ID match the person? Y if it does, N if not.',
  },
  confirmFee: {
    ko: '수수료를 받았습니까? 받았으면 Y, 아니면 N.',
    en: 'Has the fee been paid? Y if so, N if not.',
  },
  noInPerson: {
    ko: '칩을 읽은 방문입니다: 대면 확인(I)은 칩 없는 방문에만 씁니다.',
    en: 'A chip was read: the in-person check (I) is for visits without a chip.',
  },
  useInPerson: {
    ko: '칩이 없는 방문입니다: I 로 실물 신분증을 확인해 승인하세요.',
    en: 'No chip: approve through the in-person check (I).',
  },
  notFee: {
    ko: '이 방문은 수수료를 기다리지 않습니다.',
    en: 'This visit is not waiting for a fee.',
  },
  visitGone: {
    ko: '이 방문은 더 이상 기다리지 않습니다.',
    en: 'This visit is no longer waiting.',
  },
  photo: { ko: '사진', en: 'Photo' },
  photoLoading: { ko: '사진을 불러오는 중...', en: 'Loading the photo...' },
  noPhoto: { ko: '칩에 사진이 없습니다.', en: 'The chip holds no photo.' },
  cancelled: { ko: '취소했습니다.', en: 'Cancelled.' },
  working: { ko: '처리 중...', en: 'Working...' },
} as const satisfies Record<string, Words>;

export const idTypes: readonly { readonly id: IdType; readonly label: Words }[] = [
  { id: 'residentCard', label: { ko: '주민등록증', en: 'Resident registration card' } },
  { id: 'driverLicence', label: { ko: '운전면허증', en: "Driver's licence" } },
  { id: 'passport', label: { ko: '여권', en: 'Passport' } },
];
