import type { IdAuthenticity, IdAuthenticityAnswer, IdAuthenticityRequest } from './contract.js';

/** How to build a FakeIdAuthenticity. */
export interface FakeIdAuthenticityOptions {
  /** What a number nobody programmed gets; `notAuthentic`, as a real service answers for one. */
  readonly otherwise?: IdAuthenticityAnswer;
}

/** One call as the fake saw it, for tests: the request object itself and the number it held then. */
export interface FakeIdAuthenticityCall {
  /** The caller's request, by reference: its `number` shows whether the caller zeroed it after. */
  readonly request: IdAuthenticityRequest;
  /** The number's bytes when the call began, as text. */
  readonly numberAtCall: string;
}

/**
 * The IdAuthenticity contract in memory, with test controls: `answer(type, number, answer)`
 * programs the answer for one number, `goDown(mode)` makes the service unreachable (it answers
 * `unavailable`, or with `'rejects'` breaks the contract on purpose by rejecting, to test callers
 * against a faulty driver), `comeUp()` mends it, `delayMs` makes every answer wait. An abort is
 * honoured before and during the wait. State is per instance (STYLE #2); the numbers a test
 * programs are test data, held in memory as strings.
 */
export class FakeIdAuthenticity implements IdAuthenticity {
  /** Milliseconds each answer waits (0: answered on the next microtask). */
  delayMs = 0;
  readonly #answers = new Map<string, IdAuthenticityAnswer>();
  readonly #otherwise: IdAuthenticityAnswer;
  readonly #calls: FakeIdAuthenticityCall[] = [];
  #down: false | 'unavailable' | 'rejects' = false;

  constructor(options: FakeIdAuthenticityOptions = {}) {
    this.#otherwise = options.otherwise ?? { result: 'notAuthentic' };
  }

  /** Every call so far, oldest first. */
  get calls(): readonly FakeIdAuthenticityCall[] {
    return this.#calls;
  }

  /** Programs the answer for one canonical number (as idDocument.ts `canonicalIdNumber` gives). */
  answer(type: IdAuthenticityRequest['type'], number: string, answer: IdAuthenticityAnswer): void {
    this.#answers.set(`${type}:${number}`, { ...answer });
  }

  /** The service is unreachable from now on: `unavailable`, or a rejection with `'rejects'`. */
  goDown(mode: 'unavailable' | 'rejects' = 'unavailable'): void {
    this.#down = mode;
  }

  /** The service answers again. */
  comeUp(): void {
    this.#down = false;
  }

  async check(request: IdAuthenticityRequest, signal?: AbortSignal): Promise<IdAuthenticityAnswer> {
    signal?.throwIfAborted();
    const numberAtCall = Buffer.from(request.number).toString('latin1');
    this.#calls.push({ request, numberAtCall });
    await this.#wait(signal);
    if (this.#down === 'rejects') throw new Error('FakeIdAuthenticity: the service is down');
    if (this.#down === 'unavailable') return { result: 'unavailable' };
    const answer = this.#answers.get(`${request.type}:${numberAtCall}`) ?? this.#otherwise;
    return { ...answer };
  }

  /** Waits `delayMs`, or rejects with the signal's reason as soon as it aborts. */
  #wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
