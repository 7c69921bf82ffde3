import { describe, expect, it } from 'vitest';
import { screenSafe } from '../../../src/text/screenSafe.js';
import { RecordingScreen } from '../../../ui/fake/recordingScreen.js';
import type { ScreenModel } from '../../../ui/contract.js';
import { fit, textWidth, truncate, wrap } from '../../../ui/text/width.js';

// Issue 15 item 2: widths in columns (Hangul 2, marks 0), cutting and padding by columns, the
// ambiguous-width glyphs drawn as ASCII; and the recording fake the screen tests drive.

describe('display width', () => {
  it('counts Hangul, fullwidth and CJK as 2, marks as 0, the rest as 1', () => {
    expect(textWidth('홍길동')).toBe(6);
    expect(textWidth('ＡＢ')).toBe(4);
    expect(textWidth('漢字')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('₩')).toBe(1);
    expect(textWidth('\u1100\u1161')).toBe(2);
  });

  it('cuts and pads by columns, a wide character never split', () => {
    expect(truncate('홍길동', 5)).toBe('홍길~');
    expect(truncate('홍길동', 6)).toBe('홍길동');
    expect(fit('홍길', 7)).toBe('홍길   ');
    expect(textWidth(fit('가'.repeat(50), 79))).toBe(79);
    expect(wrap('가나다 라마바 사', 8)).toEqual(['가나다', '라마바', '사']);
    expect(wrap('가나다라마바', 5)).toEqual(['가나', '다라', '마바']);
  });
});

describe('screenSafe', () => {
  it('makes escapes and bidi controls inert and draws ambiguous glyphs as ASCII', () => {
    expect(screenSafe('HONG\x1b[31mRED')).toBe('HONG?[31mRED');
    expect(screenSafe('\u202eLIVE')).toBe('?LIVE');
    expect(screenSafe('은행·보험 ※ ① ⑳ … “a” – →')).toBe('은행/보험 * (1) (20) ... "a" - ->');
    expect(screenSafe('\u1112\u1169\u11bc')).toBe('홍');
    // Narrow symbols stay: the won sign, ASCII.
    expect(screenSafe('₩ \' " \\ |')).toBe('₩ \' " \\ |');
  });
});

describe('the recording screen', () => {
  it('keeps each model and sends the test’s events to listeners', () => {
    const screen = new RecordingScreen();
    const seen: unknown[] = [];
    const stop = screen.onEvent((e) => seen.push(e));
    const model = {
      screen: 'welcome',
      lang: 'ko',
      steps: { labels: [], current: 0 },
      title: 'x',
      lines: [],
      keys: '',
    } satisfies ScreenModel;
    screen.render(model);
    screen.emit({ type: 'language' });
    stop();
    screen.emit({ type: 'cancel' });
    expect(screen.models).toEqual([model]);
    expect(seen).toEqual([{ type: 'language' }]);
    screen.close();
    expect(() => {
      screen.render(model);
    }).toThrow();
  });
});
