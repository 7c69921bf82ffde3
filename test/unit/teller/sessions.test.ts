import { describe, expect, it } from 'vitest';
import { maxSessionsPerTeller, Sessions, type SessionEnd } from '../../../src/teller/sessions.js';

function world() {
  let now = 1_000_000;
  const ended: [string, SessionEnd][] = [];
  const sessions = new Sessions(
    { sessionMs: 8 * 3_600_000, idleMs: 15 * 60_000 },
    () => now,
    (teller, why) => ended.push([teller, why]),
  );
  return {
    sessions,
    ended,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('teller sessions', () => {
  it('a token is 32 random bytes, base64url; it stands for its teller until it ends', () => {
    const { sessions } = world();
    const opened = sessions.open('kim');
    expect(opened.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(opened.token, 'base64url')).toHaveLength(32);
    expect(opened.expires - opened.idleExpires).toBe(8 * 3_600_000 - 15 * 60_000);
    expect(sessions.use(opened.token)?.teller).toBe('kim');
    expect(sessions.open('kim').token).not.toBe(opened.token);
  });

  it('idle for 15 minutes: ended; each use restarts the idle time', () => {
    const { sessions, advance, ended } = world();
    const { token } = sessions.open('kim');
    advance(14 * 60_000);
    expect(sessions.use(token)).toBeDefined();
    advance(14 * 60_000);
    expect(sessions.use(token)).toBeDefined();
    advance(15 * 60_000);
    expect(sessions.use(token)).toBeUndefined();
    expect(ended).toEqual([['kim', 'expired']]);
    expect(sessions.size).toBe(0);
  });

  it('8 hours after login: ended however busy', () => {
    const { sessions, advance } = world();
    const { token } = sessions.open('kim');
    for (let i = 0; i < 47; i++) {
      advance(10 * 60_000);
      expect(sessions.use(token)).toBeDefined();
    }
    advance(10 * 60_000);
    expect(sessions.use(token)).toBeUndefined();
  });

  it('logout and disable end sessions; tokens of others stay', () => {
    const { sessions, ended } = world();
    const a = sessions.open('kim');
    const b = sessions.open('kim');
    const c = sessions.open('lee');
    expect(sessions.end(a.token)).toBe('kim');
    expect(sessions.end(a.token)).toBeUndefined();
    expect(sessions.endAllFor('kim')).toBe(1);
    expect(sessions.use(b.token)).toBeUndefined();
    expect(sessions.use(c.token)?.teller).toBe('lee');
    expect(ended).toEqual([
      ['kim', 'logout'],
      ['kim', 'disabled'],
    ]);
  });

  it(`at most ${String(maxSessionsPerTeller)} sessions per teller: a further login replaces the oldest`, () => {
    const { sessions, ended } = world();
    const tokens = Array.from(
      { length: maxSessionsPerTeller + 1 },
      () => sessions.open('kim').token,
    );
    expect(sessions.size).toBe(maxSessionsPerTeller);
    expect(sessions.use(tokens[0] ?? '')).toBeUndefined();
    expect(sessions.use(tokens[1] ?? '')).toBeDefined();
    expect(ended).toEqual([['kim', 'replaced']]);
  });

  it('sessions that expired unused are swept at the next login', () => {
    const { sessions, advance, ended } = world();
    sessions.open('kim');
    advance(16 * 60_000);
    sessions.open('lee');
    expect(sessions.size).toBe(1);
    expect(ended).toEqual([['kim', 'expired']]);
  });

  it('anything that is not a token is no session', () => {
    const { sessions } = world();
    sessions.open('kim');
    for (const token of [
      '',
      'x',
      'A'.repeat(43),
      'A'.repeat(44),
      '!'.repeat(43),
      'a'.repeat(1_000_000),
    ])
      expect(sessions.use(token)).toBeUndefined();
  });
});
