import type { ScreenModel, StepBar } from '../contract.js';
import { fit, textWidth, truncate, wrap } from '../text/width.js';

/**
 * A ScreenModel laid out in rows of styled segments inside the kiosk's frame (issue 15 item 2),
 * every segment already cut to its width in columns: blessed is then given nothing it has to wrap
 * or cut (it drops a wide character that would end in the last column). Pure, so the layout is
 * tested without a terminal; kioskScreen.ts turns the rows into blessed elements.
 */

export type Style =
  'normal' | 'title' | 'dim' | 'current' | 'selected' | 'problem' | 'ok' | 'warning' | 'keys';

export interface Segment {
  readonly text: string;
  readonly style: Style;
}

/** One row of the frame's inside: segments from the left, or the error box's rows. */
export interface Row {
  readonly segments: readonly Segment[];
  /** Part of the bordered error box (drawn by kioskScreen.ts with its own border). */
  readonly errorBox?: boolean;
}

/** Last defence: the model is sanitised (src/text/screenSafe.ts); a control left is drawn `?`. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const clean = (text: string): string => text.replace(controls, '?').normalize('NFC');

const seg = (text: string, style: Style = 'normal'): Segment => ({ text: clean(text), style });

/** The step bar: every name when it fits, else only the current one named. */
export function stepBar(steps: StepBar, width: number): Segment[] {
  const named = (i: number) => `${String(i + 1)} ${steps.labels[i] ?? ''}`;
  for (const full of [true, false]) {
    const segments: Segment[] = [];
    steps.labels.forEach((_, i) => {
      if (i > 0) segments.push(seg(' > ', 'dim'));
      const current = i + 1 === steps.current;
      segments.push(
        current ? seg(`[${named(i)}]`, 'current') : seg(full ? named(i) : String(i + 1), 'dim'),
      );
    });
    if (!full || textWidth(segments.map((s) => s.text).join('')) <= width) return segments;
  }
  return [];
}

/** `done` of `total` as a bar of `#` and `-` with the count and label after it. */
export function progressBar(done: number, total: number, label: string, width: number): string {
  const counts = ` ${String(done)}/${String(total)} `;
  const room = Math.max(10, Math.min(40, width - textWidth(counts) - textWidth(label) - 2));
  const filled = total <= 0 ? 0 : Math.round((room * Math.min(done, total)) / total);
  return `[${'#'.repeat(filled)}${'-'.repeat(room - filled)}]${counts}${label}`;
}

/**
 * The frame's inside, `width` columns by `height` rows: step bar, title, body, pick list, fields,
 * checklist, progress, error box, countdown and the key line on the last row. What does not fit
 * is cut from the body's end, never from the step bar, the error box or the keys.
 */
export function layout(model: ScreenModel, width: number, height: number): Row[] {
  const row = (...segments: Segment[]): Row => ({ segments: cutRow(segments, width) });
  const top: Row[] = [row(...stepBar(model.steps, width)), row(seg(model.title, 'title')), row()];
  const body: Row[] = [];
  for (const line of model.lines)
    for (const part of wrap(clean(line), width)) body.push(row(seg(part)));
  if (model.pick !== undefined) {
    if (body.length > 0) body.push(row());
    const items = model.pick.items;
    const labelWidth = Math.min(
      Math.max(...items.map((i) => textWidth(i.label)), 0) + 2,
      Math.floor(width * 0.6),
    );
    items.forEach((item, i) => {
      const selected = i === model.pick?.cursor;
      const style: Style = !item.enabled ? 'dim' : selected ? 'selected' : 'normal';
      const number = `${selected ? '>' : ' '} ${String(i + 1)}. `;
      body.push(
        row(
          seg(number + fit(clean(item.label), labelWidth), style),
          seg(item.detail === undefined ? '' : ` ${item.detail}`, item.enabled ? 'dim' : 'dim'),
        ),
      );
    });
  }
  if (model.fields !== undefined) {
    if (body.length > 0) body.push(row());
    const labels = model.fields.items.map((f) => textWidth(f.label));
    const labelWidth = Math.min(Math.max(...labels, 0) + 1, Math.floor(width / 2));
    model.fields.items.forEach((field, i) => {
      const focused = i === model.fields?.focus;
      const boxWidth = Math.max(8, Math.min(32, width - labelWidth - 6));
      body.push(
        row(
          seg(
            `${focused ? '>' : ' '} ${fit(clean(field.label), labelWidth)} `,
            focused ? 'title' : 'normal',
          ),
          seg(`[${fit(clean(field.value), boxWidth)}]`, focused ? 'selected' : 'normal'),
        ),
      );
      if (field.value === '' && field.hint !== undefined)
        body.push(row(seg(`    ${field.hint}`, 'dim')));
      for (const problem of field.problems)
        for (const part of wrap(`    ! ${clean(problem)}`, width))
          body.push(row(seg(part, 'problem')));
    });
  }
  if (model.checklist !== undefined) {
    body.push(row());
    for (const check of model.checklist)
      body.push(
        row(seg(`  [${check.ok ? 'v' : ' '}] ${check.label}`, check.ok ? 'ok' : 'problem')),
      );
  }
  if (model.progress !== undefined) {
    const { done, total, label } = model.progress;
    body.push(row(), row(seg(progressBar(done, total, clean(label), width))));
  }
  const bottom: Row[] = [];
  if (model.error !== undefined) {
    const inner = width - 4;
    const lines = [
      ...wrap(clean(model.error.happened), inner),
      ...(model.error.todo === '' ? [] : wrap(clean(model.error.todo), inner)),
    ];
    // The box's border rows, then its text rows, all marked for kioskScreen.ts.
    bottom.push({ segments: [], errorBox: true });
    for (const line of lines)
      bottom.push({ segments: [seg(fit(line, inner), 'problem')], errorBox: true });
    bottom.push({ segments: [], errorBox: true });
  }
  if (model.countdown !== undefined)
    for (const part of wrap(clean(model.countdown.text), width))
      bottom.push(row(seg(part, 'warning')));
  const keys = row(seg(model.keys, 'keys'));
  const room = Math.max(0, height - top.length - bottom.length - 1);
  const middle = body.slice(0, room);
  const filler = Array.from({ length: room - middle.length }, () => row());
  return [...top, ...middle, ...filler, ...bottom, keys].slice(0, height);
}

/** Segments cut so the row takes at most `width` columns. */
function cutRow(segments: readonly Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (const s of segments) {
    if (used >= width) break;
    const text = truncate(s.text, width - used);
    if (text !== '') out.push({ text, style: s.style });
    used += textWidth(text);
  }
  return out;
}
