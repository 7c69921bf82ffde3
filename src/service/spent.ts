import { CmpRejectedError, CmpUnconfirmedError } from '../errors/index.js';
import { steps, type OperationControl, type Step } from './progress.js';

/**
 * What a failed operation had already spent at the CA (issue 12 item 1), for the visitor's next
 * move: `nothing` (the CA was not asked, or refused: the reference number is still good),
 * `unanswered` (asked, no usable answer: if it issued, it voids the certificate when its
 * transaction expires, ca.transactionTimeoutMs), `refused` (it issued and the kiosk refused the
 * certificate with a certConf rejection: the medium holds nothing new), `unconfirmed` (issued and
 * stored, the confirmation lost: staff check with the CA).
 */
export type Spent = 'nothing' | 'unanswered' | 'refused' | 'unconfirmed';

const spentByError = new WeakMap<object, Spent>();

/** What the operation that threw `error` had spent; undefined for errors of other code. */
export function spentOf(error: unknown): Spent | undefined {
  return typeof error === 'object' && error !== null ? spentByError.get(error) : undefined;
}

/**
 * Runs an operation that may ask the CA, with progress and cancellation, and records on its
 * error what was spent, judged by the last step begun and the error itself. The error is the
 * original one (the CLI prints it unchanged); `spentOf` reads the record.
 */
export async function tracked<T>(
  control: OperationControl,
  work: (step: (step: Step) => void) => Promise<T>,
): Promise<T> {
  let last: Step | undefined;
  const step = (next: Step): void => {
    control.signal?.throwIfAborted();
    last = next;
    control.onProgress?.({ step: next });
  };
  try {
    control.signal?.throwIfAborted();
    return await work(step);
  } catch (error) {
    if (typeof error === 'object' && error !== null) spentByError.set(error, judge(last, error));
    throw error;
  }
}

function judge(last: Step | undefined, error: unknown): Spent {
  if (error instanceof CmpUnconfirmedError) return 'unconfirmed';
  const at = last === undefined ? -1 : steps.indexOf(last);
  if (at < steps.indexOf('request')) return 'nothing';
  if (last === 'request') return error instanceof CmpRejectedError ? 'nothing' : 'unanswered';
  return 'refused';
}
