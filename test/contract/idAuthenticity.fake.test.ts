import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeIdAuthenticity } from '../../src/kiosk/idAuthenticity/fake.js';
import { IdAuthenticityOff } from '../../src/kiosk/idAuthenticity/off.js';
import { idAuthenticityContractSuite, type KnownDocument } from './idAuthenticity.js';

const authentic: KnownDocument = { type: 'residentCard', number: '9001011234568', name: '홍길동' };
const notAuthentic: KnownDocument = { type: 'passport', number: 'M123A4567', name: '홍길동' };

idAuthenticityContractSuite('fake', () => {
  const service = new FakeIdAuthenticity();
  service.answer(authentic.type, authentic.number, { result: 'authentic', reference: 'T-0001' });
  return Promise.resolve({
    service,
    authentic,
    notAuthentic,
    takeDown: () => {
      service.goDown();
      return Promise.resolve();
    },
    slowDown: (ms) => {
      service.delayMs = ms;
    },
    cleanup: () => Promise.resolve(),
  });
});

const request = (number: string) => ({
  type: 'residentCard' as const,
  number: Buffer.from(number, 'latin1'),
  name: '홍길동',
});

describe('FakeIdAuthenticity controls', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers what was programmed per number and type, and its default otherwise', async () => {
    const fake = new FakeIdAuthenticity({ otherwise: { result: 'unavailable' } });
    fake.answer('residentCard', '9001011234568', { result: 'authentic' });
    expect(await fake.check(request('9001011234568'))).toEqual({ result: 'authentic' });
    expect(await fake.check({ ...request('9001011234568'), type: 'passport' })).toEqual({
      result: 'unavailable',
    });
  });

  it('goes down (unavailable, or a rejection breaking the contract on purpose) and comes up', async () => {
    const fake = new FakeIdAuthenticity();
    fake.goDown('rejects');
    await expect(fake.check(request('1'))).rejects.toThrow('the service is down');
    fake.goDown();
    expect(await fake.check(request('1'))).toEqual({ result: 'unavailable' });
    fake.comeUp();
    expect(await fake.check(request('1'))).toEqual({ result: 'notAuthentic' });
  });

  it('records each call with the number as it was then, and the request by reference', async () => {
    const fake = new FakeIdAuthenticity();
    const r = request('M123A4567');
    await fake.check(r);
    r.number.fill(0);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.numberAtCall).toBe('M123A4567');
    expect(fake.calls[0]?.request.number.every((b) => b === 0)).toBe(true);
  });

  it('waits delayMs before answering', async () => {
    vi.useFakeTimers();
    const fake = new FakeIdAuthenticity();
    fake.delayMs = 5000;
    let settled = false;
    const pending = fake.check(request('1')).then((answer) => {
      settled = true;
      return answer;
    });
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toEqual({ result: 'notAuthentic' });
  });

  it('leaves no timer behind when aborted mid-wait', async () => {
    vi.useFakeTimers();
    const fake = new FakeIdAuthenticity();
    fake.delayMs = 60_000;
    const controller = new AbortController();
    const pending = fake.check(request('1'), controller.signal);
    controller.abort(new Error('left'));
    await expect(pending).rejects.toThrow('left');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('instances share nothing', async () => {
    const one = new FakeIdAuthenticity();
    const other = new FakeIdAuthenticity();
    one.answer('residentCard', '1', { result: 'authentic' });
    one.goDown();
    expect(await other.check(request('1'))).toEqual({ result: 'notAuthentic' });
    expect(other.calls).toHaveLength(1);
    expect(one.calls).toHaveLength(0);
  });
});

describe('IdAuthenticityOff (the default)', () => {
  it('answers notChecked without looking at the request, and honours an abort', async () => {
    const off = new IdAuthenticityOff();
    expect(await off.check(request('9001011234568'))).toEqual({ result: 'notChecked' });
    const controller = new AbortController();
    controller.abort(new Error('left'));
    await expect(off.check(request('1'), controller.signal)).rejects.toThrow('left');
  });
});
