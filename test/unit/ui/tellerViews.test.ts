import { describe, expect, it } from 'vitest';
import { layoutSize, photoBox, render, type ConsoleState } from '../../../ui/teller/views.js';

// The teller console's layout at any terminal size: a window dragged tiny is cut by blessed, the
// layout never asks for a negative width (it threw RangeError: Invalid count value at 2x2).

const states: ConsoleState[] = [
  {
    lang: 'ko',
    busy: false,
    screen: { view: 'login', name: '', passwordLength: 0, focus: 'name' },
  },
  {
    lang: 'en',
    busy: false,
    teller: 'kim',
    screen: { view: 'queue', rows: [], cursor: 0 },
    notice: { words: { ko: '알림', en: 'notice' }, tone: 'ok' },
  },
];

describe('the teller console layout', () => {
  it.each([
    [1, 1],
    [2, 2],
    [10, 4],
    [30, 8],
  ])('lays out at %ix%i as at 40x12 (blessed cuts the rest)', (columns, rows) => {
    for (const state of states) {
      const lines = render(state, columns, rows);
      expect(lines).toEqual(render(state, 40, 12));
      expect(lines).toHaveLength(12);
    }
    // The console places its photo from the same floor: inside the 40x12 it lays out.
    const { width, height } = layoutSize(columns, rows);
    const box = photoBox(width, height);
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.left + box.width).toBeLessThanOrEqual(40);
  });
});
