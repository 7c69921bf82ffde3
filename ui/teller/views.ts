import { fit, textWidth, truncate, wrap } from '../text/width.js';
import type { ConsoleLang, IdType, QueueRow, VisitScreen, Words } from './port.js';
import { idTypes, text } from './words.js';

/**
 * The teller console's views as lines of blessed tags (issue 15 item 3), every line cut and
 * padded to the screen's width by display width, so blessed never wraps or drops a wide
 * character. Pure: console.ts keeps the state and draws these; tests read them without a
 * terminal. Text from the port is display-safe already; here it is also freed of blessed's tag
 * braces, so a `{` in a chip's name is drawn as a brace, not read as markup.
 */

export type Prompt =
  | { readonly kind: 'reason'; readonly for: 'reject' | 'override'; readonly text: string }
  | { readonly kind: 'confirmOverride'; readonly reason: string }
  | { readonly kind: 'idType' }
  | { readonly kind: 'idNumber'; readonly type: IdType; readonly shown: string }
  | { readonly kind: 'photoMatches'; readonly type: IdType; readonly shown: string }
  | { readonly kind: 'confirmFee' };

export interface Notice {
  readonly words: Words;
  readonly tone: 'ok' | 'problem' | 'info';
}

export type ConsoleView =
  | {
      readonly view: 'login';
      readonly name: string;
      /** How many characters are typed: drawn as `*`, never the characters. */
      readonly passwordLength: number;
      readonly focus: 'name' | 'password';
    }
  | { readonly view: 'queue'; readonly rows: readonly QueueRow[]; readonly cursor: number }
  | { readonly view: 'visit'; readonly visit: VisitScreen; readonly prompt?: Prompt };

export interface ConsoleState {
  readonly lang: ConsoleLang;
  /** The logged-in teller, once logged in. */
  readonly teller?: string;
  readonly screen: ConsoleView;
  readonly notice?: Notice;
  /** A request is under way. */
  readonly busy: boolean;
}

/** Where the photo goes in the visit view: columns and rows of half-block cells. */
export function photoBox(
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } {
  const columns = Math.max(12, Math.min(36, Math.floor(width / 4)));
  const rows = Math.max(6, Math.min(height - 6, Math.ceil((columns * 2) / 3)));
  return { left: width - columns, top: 2, width: columns, height: rows };
}

/** Last defence: a control character left is drawn `?`; braces are escaped for blessed. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
export function inert(value: string): string {
  return value
    .replace(controls, '?')
    .normalize('NFC')
    .replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

const colours = { ok: 'green', problem: 'red', info: 'yellow' } as const;

/** A segment: plain text fitted to `columns`, then escaped and coloured. */
function cell(value: string, columns: number, style?: string): string {
  const fitted = inert(fit(value.replace(controls, '?'), columns));
  return style === undefined ? fitted : `{${style}}${fitted}{/${style}}`;
}

/**
 * The size the console lays out for: the terminal's, at least 40x12. A smaller terminal (a window
 * dragged small) is cut by blessed, never a negative width here or in photoBox.
 */
export function layoutSize(columns: number, rows: number): { width: number; height: number } {
  return { width: Math.max(40, columns), height: Math.max(12, rows) };
}

/** The whole screen, `rows` lines of `columns` columns (laid out for at least 40x12). */
export function render(state: ConsoleState, columns: number, rows: number): string[] {
  const { width, height } = layoutSize(columns, rows);
  const w = (words: Words): string => words[state.lang];
  const header = `${w(text.title)}${state.teller === undefined ? '' : ` - ${state.teller}`}`;
  const langMark = state.lang === 'ko' ? '[KO]' : '[EN]';
  const top = [
    cell(header, width - textWidth(langMark), 'bold') + cell(langMark, textWidth(langMark)),
    cell('-'.repeat(width), width),
  ];
  const view = state.screen;
  const bodyWidth = view.view === 'visit' ? width - photoBox(width, height).width - 1 : width;
  const body =
    view.view === 'login'
      ? loginLines(state.lang, view, bodyWidth)
      : view.view === 'queue'
        ? queueLines(state.lang, view.rows, view.cursor, bodyWidth)
        : visitLines(state.lang, view.visit, bodyWidth);
  const bottom: string[] = [];
  if (view.view === 'visit' && view.prompt !== undefined)
    for (const line of promptLines(state.lang, view.prompt, width)) bottom.push(line);
  const notice = state.busy ? { words: text.working, tone: 'info' as const } : state.notice;
  if (notice !== undefined)
    for (const line of wrap(w(notice.words), width).slice(0, 3))
      bottom.push(cell(line, width, `${colours[notice.tone]}-fg`));
  const keys =
    view.view === 'login'
      ? text.loginKeys
      : view.view === 'queue'
        ? text.queueKeys
        : view.prompt === undefined
          ? text.visitKeys
          : text.promptKeys;
  bottom.push(cell(w(keys), width, 'inverse'));
  const room = Math.max(0, height - top.length - bottom.length);
  const middle = body.slice(0, room).map((line) => line + ' '.repeat(width - bodyWidth));
  while (middle.length < room) middle.push(' '.repeat(width));
  return [...top, ...middle, ...bottom].slice(0, height);
}

function loginLines(
  lang: ConsoleLang,
  view: Extract<ConsoleView, { view: 'login' }>,
  width: number,
): string[] {
  const labelWidth = 12;
  const boxWidth = Math.min(32, width - labelWidth - 4);
  const field = (label: Words, value: string, focused: boolean): string =>
    cell(`${focused ? '>' : ' '} ${label[lang]}`, labelWidth) +
    cell(`[${fit(value, boxWidth)}]`, boxWidth + 2, focused ? 'inverse' : undefined) +
    cell('', width - labelWidth - boxWidth - 2);
  return [
    cell(text.loginTitle[lang], width, 'bold'),
    cell('', width),
    field(text.name, view.name, view.focus === 'name'),
    field(
      text.password,
      '*'.repeat(Math.min(view.passwordLength, boxWidth)),
      view.focus === 'password',
    ),
  ];
}

const basisMark: Record<QueueRow['basis'], { mark: string; style: string }> = {
  chipVerified: { mark: 'OK ', style: 'green-fg' },
  chipNotVerified: { mark: '!! ', style: 'red-fg' },
  noChip: { mark: '-- ', style: 'yellow-fg' },
};

function queueLines(
  lang: ConsoleLang,
  rows: readonly QueueRow[],
  cursor: number,
  width: number,
): string[] {
  const lines = [cell(text.queueTitle[lang], width, 'bold'), cell('', width)];
  if (rows.length === 0) return [...lines, cell(text.queueEmpty[lang], width)];
  rows.forEach((row, i) => {
    const selected = i === cursor;
    const waiting = row.waitingFor === 'fee' ? text.waitingFee : text.waitingApproval;
    const mark = basisMark[row.basis];
    const rest = `${row.since}  ${row.name}  ${row.idnMasked}  ${row.purpose[lang]}  ${waiting[lang]}${
      row.mismatches > 0 ? `  ${text.mismatches[lang]} ${String(row.mismatches)}` : ''
    }`;
    lines.push(
      cell(selected ? '> ' : '  ', 2) +
        cell(mark.mark, 3, mark.style) +
        cell(rest, width - 5, selected ? 'inverse' : undefined),
    );
  });
  return lines;
}

const outcomeStyle = { passed: 'green-fg', failed: 'red-fg', notRun: 'yellow-fg' } as const;

function visitLines(lang: ConsoleLang, visit: VisitScreen, width: number): string[] {
  const waiting = visit.waitingFor === 'fee' ? text.waitingFee : text.waitingApproval;
  const fee = `${text.fee[lang]} ${visit.feeWon.toLocaleString('en-US')}${text.won[lang]}`;
  const lines = [
    cell(
      `${visit.purpose[lang]} - ${waiting[lang]}  (${visit.visitId.slice(0, 8)})`,
      width,
      'bold',
    ),
    cell(`${visit.product[lang]}  ${fee}`, width),
    cell('', width),
  ];
  const labelWidth = Math.min(14, Math.max(8, Math.floor(width / 4)));
  const valueWidth = Math.floor((width - labelWidth - 2) / 2);
  const chipWidth = width - labelWidth - valueWidth - 2;
  lines.push(
    cell(text.field[lang], labelWidth, 'underline') +
      cell(` ${text.form[lang]}`, valueWidth + 1, 'underline') +
      cell(
        ` ${visit.basis === 'noChip' ? text.noChip[lang] : text.chip[lang]}`,
        chipWidth + 1,
        'underline',
      ),
  );
  for (const row of visit.rows) {
    const style = row.mismatch ? 'red-fg' : undefined;
    lines.push(
      cell(row.label[lang], labelWidth, row.mismatch ? 'red-fg' : undefined) +
        cell(` ${row.form}`, valueWidth + 1, style) +
        cell(` ${row.chip}`, chipWidth + 1, style),
    );
  }
  lines.push(cell('', width));
  const wrapped = (words: string, style?: string, indent = ''): void => {
    for (const [i, part] of wrap(words, width - indent.length).entries())
      lines.push(cell(`${i === 0 ? '' : indent}${part}`, width, style));
  };
  for (const mismatch of visit.mismatches) wrapped(`! ${mismatch[lang]}`, 'red-fg', '  ');
  if (visit.nameNeedsTeller && visit.basis !== 'noChip')
    wrapped(text.nameByTeller[lang], 'yellow-fg');
  if (visit.verdicts !== undefined) {
    const { passive, active } = visit.verdicts;
    wrapped(`${text.passive[lang]}: ${passive.text[lang]}`, outcomeStyle[passive.outcome], '  ');
    wrapped(`${text.active[lang]}: ${active.text[lang]}`, outcomeStyle[active.outcome], '  ');
  }
  const basisStyle =
    visit.basis === 'chipVerified' ? 'green-fg' : visit.basis === 'noChip' ? 'yellow-fg' : 'red-fg';
  wrapped(`${text.basis[lang]}: ${visit.basisText[lang]}`, basisStyle, '  ');
  return lines;
}

function promptLines(lang: ConsoleLang, prompt: Prompt, width: number): string[] {
  const ask = (question: Words): string[] =>
    wrap(question[lang], width).map((line) => cell(line, width, 'yellow-fg'));
  const entry = (value: string): string => {
    // The end of what is typed stays in view; `_` is the cursor.
    const shown = textWidth(value) + 3 > width ? truncateStart(value, width - 4) : value;
    return cell(`> ${shown}_`, width, 'inverse');
  };
  switch (prompt.kind) {
    case 'reason':
      return [
        ...ask(prompt.for === 'reject' ? text.rejectReason : text.overrideReason),
        entry(prompt.text),
      ];
    case 'confirmOverride':
      return ask(text.confirmOverride);
    case 'idType':
      return [
        ...ask(text.idType),
        ...idTypes.map((t, i) => cell(`  ${String(i + 1)}. ${t.label[lang]}`, width)),
      ];
    case 'idNumber':
      return [...ask(text.idNumber), entry(prompt.shown)];
    case 'photoMatches':
      return [...ask(text.photoMatches), cell(`  ${prompt.shown}`, width)];
    case 'confirmFee':
      return ask(text.confirmFee);
  }
}

/** The last `columns` of `value`, marked `~` where it was cut. */
function truncateStart(value: string, columns: number): string {
  const chars = Array.from(value);
  let out = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    const char = chars[i] ?? '';
    if (textWidth(char + out) > columns - 1) break;
    out = char + out;
  }
  return `~${truncate(out, columns - 1)}`;
}
