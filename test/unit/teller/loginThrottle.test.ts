import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/teller/loginThrottle.js';

const policy = { accountFree: 3, addressFree: 10, baseMs: 1000, maxMs: 300_000 };

function world() {
  let now = 5_000_000;
  const throttle = new LoginThrottle(policy, () => now);
  /** One failed attempt; the wait asked for instead, if any. */
  const fail = (account: string, address = '127.0.0.1'): number | 'ok' => {
    const answer = throttle.begin(account, address);
    return answer.ok ? 'ok' : answer.retryAfterMs;
  };
  return {
    throttle,
    fail,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('login throttling', () => {
  it('three free failures per name, then 1 s doubling to a cap of 5 minutes', () => {
    const { fail, advance, throttle } = world();
    expect([fail('kim'), fail('kim'), fail('kim'), fail('kim')]).toEqual(['ok', 'ok', 'ok', 'ok']);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wait = fail('kim');
      expect(wait).not.toBe('ok');
      waits.push(wait as number);
      advance(wait as number);
      expect(fail('kim')).toBe('ok');
    }
    expect(waits).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000,
    ]);
    expect(throttle.lockedUntil('account', 'kim')).toBeGreaterThan(0);
  });

  it('a wait asked for does not lengthen the lock', () => {
    const { fail, advance } = world();
    for (let i = 0; i < 4; i++) fail('kim');
    expect(fail('kim')).toBe(1000);
    advance(500);
    expect(fail('kim')).toBe(500);
    advance(500);
    expect(fail('kim')).toBe('ok');
  });

  it('success clears the name; the address forgets only that attempt', () => {
    const { fail, throttle } = world();
    for (let i = 0; i < 3; i++) fail(`other-${String(i)}`, '10.0.0.1');
    fail('kim', '10.0.0.1');
    fail('kim', '10.0.0.1');
    const answer = throttle.begin('kim', '10.0.0.1');
    if (!answer.ok) throw new Error('locked');
    answer.attempt.succeeded();
    expect(throttle.lockedUntil('account', 'kim')).toBe(0);
    // Five failures stay on the address (3 other names, 2 for kim): five more are free.
    for (let i = 0; i < 5; i++) expect(fail(`spray-${String(i)}`, '10.0.0.1')).toBe('ok');
    fail('spray-x', '10.0.0.1');
    expect(fail('spray-y', '10.0.0.1')).toBe(1000);
  });

  it('ten free failures per address across names; other addresses unaffected', () => {
    const { fail } = world();
    for (let i = 0; i < 11; i++) expect(fail(`name-${String(i)}`, '10.0.0.9')).toBe('ok');
    expect(fail('kim', '10.0.0.9')).toBe(1000);
    expect(fail('kim', '10.0.0.8')).toBe('ok');
  });

  it('the count starts afresh after the longest wait of quiet', () => {
    const { fail, advance } = world();
    for (let i = 0; i < 4; i++) fail('kim');
    advance(1000 + 300_000);
    for (let i = 0; i < 4; i++) expect(fail('kim')).toBe('ok');
    expect(fail('kim')).toBe(1000);
  });
});
