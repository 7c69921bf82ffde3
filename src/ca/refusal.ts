import type { FailureBit } from '../cmp/status.js';

/**
 * A request the CA refuses: answered with a CMP error message (RFC 4210 §5.3.21) carrying these
 * failure bits and text. `secret`: the PBM secret to protect the answer with, once known.
 */
export class Refusal extends Error {
  constructor(
    readonly failures: readonly FailureBit[],
    message: string,
    readonly secret?: Uint8Array,
  ) {
    super(message);
  }
}
