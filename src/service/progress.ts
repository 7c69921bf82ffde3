import { steps, type Step } from '../certificates/steps.js';

export { steps, type Step };

/**
 * One step begun: `done` steps of the operation's `total` are behind it (so a bar can be drawn
 * without knowing the medium); absent where the step is not in the operation's plan.
 */
export interface ProgressEvent {
  readonly step: Step;
  readonly done?: number;
  readonly total?: number;
}

/** The steps each operation takes, by medium. */
export const plans = {
  issueFiles: ['prepare', 'keygen', 'request', 'verify', 'write', 'readBack', 'confirm'],
  issueToken: ['prepare', 'keygen', 'request', 'verify', 'write', 'confirm'],
  renew: ['prepare', 'keygen', 'request', 'verify', 'write', 'confirm'],
  revoke: ['prepare', 'request'],
  copy: ['prepare', 'write'],
  // The key opened, matched, the VID and the CA's OCSP answer checked.
  check: ['prepare', 'verify'],
  list: ['prepare'],
  // The format is the write; fsck.vfat -n reads the result back.
  formatDrive: ['prepare', 'write', 'readBack'],
  initToken: ['prepare', 'write'],
  changePin: ['prepare', 'write'],
} as const satisfies Record<string, readonly Step[]>;

/** What every long operation takes besides its request. */
export interface OperationControl {
  /** Cancels the operation: before the CA is asked nothing is spent (see Spent). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}
