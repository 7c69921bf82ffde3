import type { FailureBit } from '../cmp/status.js';

/** Longest refusal text, in UTF-16 code units. */
const maxRefusalText = 256;

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
    // A refusal text goes into the signed answer and the log: never unbounded (issue 11 item 6).
    super(message.length > maxRefusalText ? `${message.slice(0, maxRefusalText)}…` : message);
  }
}
