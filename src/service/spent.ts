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

/** The last step that can still be cancelled: once the files or objects are being written, the
 * operation completes and the CA is told (a cancelled write would leave a refused certificate's
 * pair on the medium). */
const lastCancellable = steps.indexOf('write');

/**
 * Runs an operation that may ask the CA, with progress and cancellation, and records on its
 * error what was spent, judged by the step reached and the error itself. Cancellation is checked
 * as each step up to `write` begins, before its work. The error is the original one (the CLI prints it unchanged);
 * `spentOf` reads the record.
 */
export async function tracked<T>(
  control: OperationControl,
  /** The steps this operation takes on this medium, in order: progress counts them. */
  plan: readonly Step[],
  work: (step: (step: Step) => void) => Promise<T>,
  /** False for an operation that asks no CA (a copy): whatever happens, it spends nothing. */
  asksCa = true,
): Promise<T> {
  let reached: Step | undefined;
  let cancelledAt: Step | undefined;
  const step = (next: Step): void => {
    reached = next;
    const done = plan.indexOf(next);
    control.onProgress?.(done < 0 ? { step: next } : { step: next, done, total: plan.length });
    // A cancellation seen as a step begins (also one made while it was reported) stops the
    // operation before the step's work.
    if (control.signal?.aborted === true && steps.indexOf(next) <= lastCancellable) {
      cancelledAt = next;
      control.signal.throwIfAborted();
    }
  };
  try {
    control.signal?.throwIfAborted();
    return await work(step);
  } catch (error) {
    if (typeof error === 'object' && error !== null)
      spentByError.set(error, asksCa ? judge(reached, cancelledAt, error) : 'nothing');
    throw error;
  }
}

function judge(reached: Step | undefined, cancelledAt: Step | undefined, error: unknown): Spent {
  if (error instanceof CmpUnconfirmedError) return 'unconfirmed';
  const request = steps.indexOf('request');
  // Cancelled as a step began: before the request nothing was sent; after it, a certificate had
  // arrived and the kiosk refused it.
  if (cancelledAt !== undefined)
    return steps.indexOf(cancelledAt) <= request ? 'nothing' : 'refused';
  const at = reached === undefined ? -1 : steps.indexOf(reached);
  if (at < request) return 'nothing';
  if (at === request) return error instanceof CmpRejectedError ? 'nothing' : 'unanswered';
  return 'refused';
}
