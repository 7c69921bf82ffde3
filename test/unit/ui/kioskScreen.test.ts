import { afterEach, describe, expect, it } from 'vitest';
import { checkPassword } from '../../../src/npki/passwordRules.js';
import { screenModel, type ScreenLocal } from '../../../src/kiosk/screens/model.js';
import { createKioskScreen } from '../../../ui/blessed/kioskScreen.js';
import type { Lang, Screen, ScreenModel, UiEvent } from '../../../ui/contract.js';
import { textWidth } from '../../../ui/text/width.js';
import { fakeTerminal, type FakeTerminal } from '../../support/fakeTerminal.js';
import {
  handMadeVisit,
  hostile,
  viewWith,
  type HandMadeVisit,
} from '../../support/screenVisits.js';

// Issue 15 item 2: the blessed screen on a fake terminal (PassThrough streams read back through
// @xterm/headless) at 80x24 and 120x40: the words appear, every row keeps its right border in the
// last column (Korean takes two columns a syllable), and hostile outside text stays inert.

const made = (visit: HandMadeVisit, lang: Lang, local: ScreenLocal = {}): ScreenModel =>
  screenModel(viewWith(handMadeVisit(visit)), lang, local);

const bank = {
  id: 'bank',
  name: { ko: '은행/보험용', en: 'Banking' },
  policyOid: '1.2',
  profile: 'restricted' as const,
  feeWon: 0,
};

/** Screens with the words each must show, in either language. */
const screens: {
  name: string;
  model: (lang: Lang) => ScreenModel;
  shows: Record<Lang, string[]>;
}[] = [
  {
    name: 'home',
    model: (lang) => made({ flow: 'home' }, lang, { cursor: 2 }),
    shows: {
      ko: ['무엇을 도와드릴까요?', '3. 폐지', '비밀번호를 잊었을 때'],
      en: ['What would you like to do?', 'Reissue'],
    },
  },
  {
    name: 'choosing',
    model: (lang) => made({ flow: 'choosing' }, lang),
    shows: {
      ko: ['데모은행 - 은행/보험용', '4,400원', '[1 기관 선택]'],
      en: ['Demo Bank - General purpose', '4,400 won'],
    },
  },
  {
    name: 'form with problems',
    model: (lang) =>
      made({ flow: 'form', context: { certificateType: { ...bank, feeWon: 4400 } } }, lang, {
        typed: { name: '홍길동', idn: '900101-1', phone: '02-123' },
        secretLengths: { idn: 6 },
        focus: 2,
        problems: {
          phone: [{ ko: '휴대폰 번호만 입력할 수 있습니다.', en: 'Only a mobile number.' }],
        },
      }),
    shows: {
      ko: ['홍길동', '900101-1******', '! 휴대폰 번호만 입력할 수 있습니다.', '출금 계좌번호'],
      en: ['Only a mobile number.', 'Account for the fee'],
    },
  },
  {
    name: 'password with the checklist',
    model: (lang) =>
      made(
        {
          flow: 'storage',
          children: { storage: { value: 'password', context: { secretProblems: ['mismatch'] } } },
        },
        lang,
        {
          secretLengths: { password: 7, passwordAgain: 3 },
          checklist: checkPassword('abc1234'),
        },
      ),
    shows: {
      ko: ['*******', '[ ] 10자 이상', '[v] 숫자 포함', '두 비밀번호가 다릅니다.', '[5 비밀번호]'],
      en: ['[ ] At least 10 characters', 'The two entries differ.'],
    },
  },
  {
    name: 'issuing',
    model: (lang) => made({ flow: 'issuing' }, lang, { stage: 2 }),
    shows: {
      ko: ['[v] 인증기관 요청', '[>] 매체에 저장', '2/4'],
      en: ['[>] writing to the medium'],
    },
  },
  {
    name: 'failure with the countdown',
    model: (lang) =>
      made(
        {
          flow: 'mediumRemoved',
          attention: 'warning',
          context: { failed: 'issuing', failure: { kind: 'driveRemoved', detail: '' } },
        },
        lang,
        { secondsLeft: 9 },
      ),
    shows: {
      ko: ['USB 메모리가 빠졌습니다.', '다시 꽂으세요.', '9초 후'],
      en: ['The USB drive was removed.', '9s, then the visit ends.'],
    },
  },
];

let term: FakeTerminal | undefined;
let screen: Screen | undefined;
afterEach(() => {
  screen?.close();
  term?.dispose();
  term = screen = undefined;
});

async function draw(model: ScreenModel, columns: number, rows: number): Promise<FakeTerminal> {
  term = fakeTerminal(columns, rows);
  screen = createKioskScreen({ input: term.input, output: term.output });
  screen.render(model);
  await term.settle();
  return term;
}

/** Every row of the frame has its borders in the first and the last column. */
function expectBorders(t: FakeTerminal, columns: number, rows: number): void {
  for (let y = 0; y < rows; y++) {
    const cells = t.cells(y);
    const right = cells[columns - 1]?.chars;
    const left = cells[0]?.chars;
    const edge = y === 0 ? ['┐', '┌'] : y === rows - 1 ? ['┘', '└'] : ['│', '│'];
    expect([y, left, right]).toEqual([y, edge[1], edge[0]]);
    expect(cells.reduce((sum, c) => sum + c.width, 0)).toBe(columns);
  }
}

describe.each([
  [80, 24],
  [120, 40],
])('the kiosk screen at %ix%i', (columns, rows) => {
  for (const { name, model, shows } of screens)
    for (const lang of ['ko', 'en'] as const)
      it(`${name} (${lang})`, async () => {
        const t = await draw(model(lang), columns, rows);
        const text = t.lines().join('\n');
        for (const words of shows[lang]) expect(text).toContain(words);
        expectBorders(t, columns, rows);
      });

  it('a hostile chip name is drawn inert', async () => {
    const chip = {
      surname: hostile,
      givenNames: '',
      birthDate: '',
      documentNumber: '',
      verified: false,
      failures: [],
      mismatches: [],
      nameNeedsTeller: true,
    };
    const t = await draw(
      made(
        { flow: 'identity', children: { identity: { value: 'approval', context: { chip } } } },
        'ko',
      ),
      columns,
      rows,
    );
    expect(t.lines().join('\n')).toContain('HONG?[31mRED?EVIL/GIL*DONG(1)');
    const bytes = Buffer.from(t.bytes(), 'latin1');
    expect(bytes.includes(Buffer.from('\x1b[31mRED'))).toBe(false);
    for (const char of ['\u202e', '\u00b7', '\u203b', '\u2460'])
      expect(bytes.includes(Buffer.from(char))).toBe(false);
    expectBorders(t, columns, rows);
  });
});

describe('the kiosk screen at its edges', () => {
  it('a Korean line wider than the frame is cut by columns, never past the border', async () => {
    const long = '가'.repeat(100);
    const t = await draw(
      { ...made({ flow: 'home' }, 'ko'), title: long, lines: [`a${long}`] },
      80,
      24,
    );
    expectBorders(t, 80, 24);
    const title = t.lines()[2] ?? '';
    expect(textWidth(title)).toBe(80);
  });

  it('reports keys as events and keeps nothing typed', async () => {
    const t = await draw(made({ flow: 'home' }, 'ko'), 80, 24);
    const events: UiEvent[] = [];
    screen?.onEvent((e) => events.push(e));
    for (const keys of ['\x1b[B', '\r', '2', '\x1bOQ', '\x1b[21~', '\t', '\x7f']) {
      t.type(keys);
      await new Promise((resolve) => setImmediate(resolve));
    }
    screen?.render(made({ flow: 'form' }, 'ko'));
    t.type('홍');
    t.type('7');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([
      { type: 'key', key: 'down' },
      { type: 'key', key: 'enter' },
      { type: 'pick', id: 'reissue' },
      { type: 'language' },
      { type: 'cancel' },
      { type: 'key', key: 'tab' },
      { type: 'key', key: 'backspace' },
      { type: 'text', text: '홍' },
      { type: 'text', text: '7' },
    ]);
  });
});
