import type { VisitFailure, Words } from '../../../machines/types.js';
import type { Purpose } from '../../../machines/visit.js';
import type { Lang } from '../../../ui/contract.js';

/**
 * The kiosk screens' own words, Korean and English (issue 15 item 2). Written without East-Asian
 * ambiguous-width glyphs (no `·`, `※`, `→`, `…`, curly quotes): their width differs between
 * terminals (src/text/screenSafe.ts). Words from outside (institutions, chip, CA) are not here.
 */

const w = (ko: string, en: string): Words => ({ ko, en });

export const steps: readonly Words[] = [
  w('기관 선택', 'Institution'),
  w('신청서', 'Form'),
  w('본인 확인', 'Identity'),
  w('저장 매체', 'Storage'),
  w('비밀번호', 'Password'),
  w('발급', 'Issuing'),
  w('완료', 'Done'),
];

export const purposes: Record<Purpose, { label: Words; detail: Words }> = {
  issue: { label: w('신규 발급', 'Issue'), detail: w('새 공동인증서', 'A new certificate') },
  renew: { label: w('갱신', 'Renew'), detail: w('만료 전 연장', 'Before it expires') },
  reissue: {
    label: w('재발급', 'Reissue'),
    detail: w('비밀번호를 잊었을 때', 'Forgotten password'),
  },
  revoke: { label: w('폐지', 'Revoke'), detail: w('매체를 잃어버렸을 때', 'Lost the medium') },
  copy: { label: w('복사', 'Copy'), detail: w('다른 매체로', 'To another medium') },
  view: { label: w('조회', 'View'), detail: w('매체의 인증서 보기', 'What is on a medium') },
};

export const t = {
  outOfService: w('점검 중입니다', 'Out of service'),
  outOfServiceTodo: w('직원에게 문의해 주세요.', 'Please ask a member of staff.'),
  welcome: w('공동인증서 발급 창구', 'Joint certificate kiosk'),
  welcomeLine: w('Enter 키를 눌러 시작하세요.', 'Press Enter to start.'),
  home: w('무엇을 도와드릴까요?', 'What would you like to do?'),
  choosing: w('발급 기관과 인증서 종류를 고르세요', 'Choose the institution and certificate'),
  free: w('무료', 'free'),
  won: w('원', 'won'),
  form: w('신청서를 작성하세요', 'Fill in the application'),
  name: w('성명', 'Name'),
  idn: w('주민등록번호', 'Resident number'),
  phone: w('휴대폰 번호', 'Mobile phone'),
  account: w('출금 계좌번호 (수수료)', 'Account for the fee'),
  idChoice: w('신분증을 준비하세요', 'Your ID document'),
  idChip: w('칩이 있는 신분증 (여권 등)', 'An ID with a chip (passport)'),
  idNoChip: w('칩이 없는 신분증 (직원 확인)', 'An ID without a chip (teller checks it)'),
  mrz: w('신분증 하단의 정보를 입력하세요', 'Type the details from your ID'),
  documentNumber: w('여권 번호', 'Document number'),
  birthDate: w('생년월일 (YYMMDD)', 'Birth date (YYMMDD)'),
  expiryDate: w('만료일 (YYMMDD)', 'Expiry date (YYMMDD)'),
  mrzWrong: w('형식이 맞지 않습니다.', 'This is not in the right form.'),
  mrzNumberHint: w('예: M12345678', 'e.g. M12345678'),
  mrzDateHint: w('예: 1990년 8월 6일은 900806', 'e.g. 6 August 1990 is 900806'),
  mrzCheckLine: w(
    '검증 숫자가 신분증 하단의 각 칸 뒤 숫자와 같은지 보세요.',
    'Each check digit should match the one printed after it on your ID.',
  ),
  mrzBirth: w('생년월일', 'Birth date'),
  mrzExpiry: w('만료일', 'Expiry date'),
  mrzEmpty: w('입력 전', 'not typed yet'),
  mrzOk: w('형식 맞음, 검증 숫자', 'format ok, check digit'),
  mrzDigitsOnly: w('숫자만 입력하세요', 'digits only'),
  mrzLettersDigits: w('영문자와 숫자만 입력하세요', 'letters and digits only'),
  mrzTyped: w('자 입력', ' typed'),
  mrzDateLength: w('6자리여야 합니다', '6 digits needed'),
  mrzNumberLength: w('9자까지입니다', 'at most 9 characters'),
  mrzNotDate: w('없는 날짜입니다', 'not a real date'),
  mrzKey: w('MRZ 키', 'MRZ key'),
  mrzKeyMissing: w('세 칸이 모두 맞아야 만들어집니다', 'made once all three fields are right'),
  reading: w('신분증을 판독기 위에 올려 두세요', 'Place your ID on the reader'),
  readingLine: w('다 읽을 때까지 움직이지 마세요.', 'Keep it still until it has been read.'),
  readerIs: w('판독기', 'Reader'),
  noReader: w('연결된 판독기가 없습니다', 'no reader connected'),
  chipReading: w('칩을 읽는 중', 'reading the chip'),
  chipAway: w('신분증이 판독기에 없습니다', 'no ID on the reader'),
  // After the bytes: "12.3 KB / 20.1 KB 읽음".
  chipBytesRead: w('읽음', 'read'),
  teller: w('직원이 확인하고 있습니다', 'A teller is checking your ID'),
  tellerLine: w(
    '잠시만 기다려 주세요. 직원이 곧 도와드립니다.',
    'Please wait: a teller will be with you.',
  ),
  tellerTimedOut: w('직원 확인이 늦어지고 있습니다.', 'The teller has not answered yet.'),
  tellerAgain: w('Enter 키로 다시 요청하세요.', 'Press Enter to ask again.'),
  fee: w('수수료를 직원에게 납부해 주세요', 'Please pay the fee to the teller'),
  working: w('처리 중입니다', 'Working'),
  workingLine: w('잠시만 기다려 주세요.', 'Please wait.'),
  revocation: w('폐지할 인증서를 고르세요', 'Choose the certificate to revoke'),
  nothingAtCa: w('폐지할 인증서가 없습니다.', 'There is no certificate to revoke.'),
  storage: w('저장 매체를 고르세요', 'Choose where to keep it'),
  token: w('보안토큰', 'Security token'),
  drive: w('USB 메모리', 'USB drive'),
  noMedia: w('매체를 연결해 주세요.', 'Please plug in a token or a USB drive.'),
  keyOnToken: w('키가 토큰 안에서 만들어집니다', 'the key is made inside the token'),
  keyOnDrive: w('암호화된 파일로 저장됩니다', 'kept as an encrypted file'),
  // Short: the detail column of a pick row has some 35 columns at 80x24.
  keyInToken: w('토큰 안에서 키 생성', 'key made in the token'),
  encryptedFile: w('암호화 파일로 저장', 'encrypted file'),
  driveNeedsFormat: w('포맷 필요 (모두 지워짐)', 'format needed: erases all'),
  driveBlank: w('비어 있음', 'blank'),
  // The certificates already on a drive: "인증서 2개 (홍길동 2027-12-04 까지, 외 1개)".
  driveCertificates: w('인증서 {n}개', '{n} certificates'),
  driveCertificate: w('인증서 1개', '1 certificate'),
  driveHolder: w('{name} {date} 까지', '{name} until {date}'),
  driveMoreHolders: w('외 {n}개', '{n} more'),
  formatTarget: w('대상', 'Drive'),
  confirmFormat: w('이 USB 메모리를 포맷할까요?', 'Format this USB drive?'),
  formatWarning: w(
    '포맷하면 이 USB 메모리의 모든 내용이 지워집니다.',
    'Formatting erases everything on this drive.',
  ),
  formatKeys: w('Enter 포맷  Esc 다른 매체', 'Enter format  Esc another medium'),
  password: w('인증서 비밀번호를 정하세요', 'Choose the certificate password'),
  passwordField: w('비밀번호', 'Password'),
  passwordAgain: w('비밀번호 확인', 'Password again'),
  mismatch: w('두 비밀번호가 다릅니다.', 'The two entries differ.'),
  pin: w('보안토큰 PIN을 입력하세요', 'Type the token PIN'),
  pinField: w('PIN', 'PIN'),
  pinFormat: w('PIN은 영문자와 숫자 4~16자입니다.', 'A PIN is 4 to 16 letters or digits.'),
  heldSecret: w('인증서 비밀번호를 입력하세요', 'Type the certificate password'),
  heldChoose: w('인증서가 있는 매체를 고르세요', 'Choose the medium holding it'),
  heldList: w('매체의 인증서', 'Certificates on the medium'),
  heldEmpty: w('이 매체에는 인증서가 없습니다.', 'There is no certificate on this medium.'),
  validUntil: w('유효기간', 'valid until'),
  issuer: w('발급기관', 'issued by'),
  usage: w('용도', 'usage'),
  notRenewable: w('갱신 기간이 아님', 'not yet renewable'),
  issuing: w('인증서를 발급하고 있습니다', 'Issuing your certificate'),
  stageKey: w('키 생성', 'making the key'),
  stageCa: w('인증기관 요청', 'asking the CA'),
  stageWrite: w('매체에 저장', 'writing to the medium'),
  stageReadBack: w('저장 확인', 'reading it back'),
  stageConfirm: w('인증기관에 완료 알림', 'telling the CA'),
  result: w('발급이 끝났습니다', 'Your certificate is ready'),
  done: w('완료되었습니다', 'Done'),
  subject: w('인증서', 'Certificate'),
  serial: w('일련번호', 'Serial'),
  renewalFrom: w('갱신 가능일', 'renewable from'),
  guidance1: w('비밀번호는 누구에게도 알려 주지 마세요.', 'Never tell anyone your password.'),
  guidance2: w(
    '매체를 잃어버리면 바로 폐지하고 재발급받으세요.',
    'If you lose the medium, revoke it at once, then reissue.',
  ),
  guidance3: w('USB 메모리를 꼭 챙겨 가세요.', 'Take your USB drive with you.'),
  rejected: w('본인 확인이 승인되지 않았습니다', 'Your identity check was not approved'),
  rejectedTodo: w('직원의 안내를 받아 주세요.', "Please follow the teller's advice."),
  ending: w('방문을 마치는 중입니다', 'Ending the visit'),
  staffNeeded: w('직원을 불러 주세요', 'Please call a member of staff'),
  stillThere: w('계속하시겠습니까?', 'Are you still there?'),
  secondsLeft: w(
    '초 후 처음 화면으로 돌아갑니다. 아무 키나 누르세요.',
    's, then the visit ends. Press any key.',
  ),
  keysPick: w('위/아래 이동  Enter 선택', 'Up/Down move  Enter choose'),
  keysForm: w('Tab 다음 칸  Enter 확인', 'Tab next field  Enter confirm'),
  keysWait: w('', ''),
  keysBack: w('Esc 이전', 'Esc back'),
  keysCancel: w('F10 취소', 'F10 cancel'),
  keysLanguage: w('F2 English', 'F2 한국어'),
  keysRetry: w('Enter 다시 시도', 'Enter try again'),
  keysFinish: w('Enter 마침', 'Enter finish'),
} satisfies Record<string, Words>;

/** What happened and what to do, for each failure kind (STYLE #7; DESIGN §1). */
export const failures: Record<VisitFailure['kind'], { happened: Words; todo: Words }> = {
  cardRemoved: {
    happened: w('신분증이 판독기에서 떨어졌습니다.', 'The ID left the reader.'),
    todo: w('신분증을 다시 올려 두세요.', 'Put it back on the reader.'),
  },
  noCard: {
    happened: w('판독기에 신분증이 없습니다.', 'There is no ID on the reader.'),
    todo: w('신분증을 판독기 위에 올려 두세요.', 'Place your ID on the reader.'),
  },
  wrongMrz: {
    happened: w('입력한 정보가 신분증과 맞지 않습니다.', 'What you typed does not open this ID.'),
    todo: w('신분증의 정보를 다시 입력하세요.', 'Type the details again, as printed.'),
  },
  chipUnreadable: {
    happened: w('신분증의 칩을 읽을 수 없습니다.', 'The chip could not be read.'),
    todo: w('다시 시도하거나 직원 확인을 선택하세요.', 'Try again, or choose the teller check.'),
  },
  tokenRemoved: {
    happened: w('보안토큰이 빠졌습니다.', 'The token was removed.'),
    todo: w(
      '토큰을 다시 꽂으세요. 만들던 것은 남지 않았습니다.',
      'Plug it back in: nothing half-made was left.',
    ),
  },
  tokenLocked: {
    happened: w('보안토큰이 잠겼습니다.', 'The token is locked.'),
    todo: w('다른 매체를 고르세요.', 'Choose another medium.'),
  },
  driveRemoved: {
    happened: w('USB 메모리가 빠졌습니다.', 'The USB drive was removed.'),
    todo: w(
      '다시 꽂으세요. 만들던 것은 남지 않았습니다.',
      'Plug it back in: nothing half-made was left.',
    ),
  },
  mediumUnusable: {
    happened: w('이 매체에는 저장할 수 없습니다.', 'This medium cannot be used.'),
    todo: w(
      '다른 매체를 고르세요. 참조번호는 그대로 유효합니다.',
      'Choose another medium; your application still stands.',
    ),
  },
  caUnreachable: {
    happened: w('인증기관에 연결할 수 없습니다.', 'The certification authority cannot be reached.'),
    todo: w('잠시 후 다시 시도하세요.', 'Try again in a moment.'),
  },
  caRefused: {
    happened: w('인증기관이 요청을 거절했습니다.', 'The certification authority refused.'),
    todo: w('직원에게 문의해 주세요.', 'Please ask a member of staff.'),
  },
  wrongSecret: {
    happened: w('비밀번호 또는 PIN이 맞지 않습니다.', 'The password or PIN is wrong.'),
    todo: w('다시 입력하거나 다른 매체를 고르세요.', 'Type it again, or choose another medium.'),
  },
  internal: {
    happened: w('처리 중 문제가 생겼습니다.', 'Something went wrong.'),
    todo: w('직원에게 문의해 주세요.', 'Please ask a member of staff.'),
  },
};

/** The words in `lang`. */
export const say = (words: Words, lang: Lang): string => words[lang];
