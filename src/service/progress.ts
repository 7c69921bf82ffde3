/**
 * The steps of a long operation, in the order they happen (issue 12 item 1), so that a screen
 * can draw one bar whatever the medium: prepare (the medium checked, the token logged in), keygen,
 * request (the CA asked), verify (its answer checked), write (files or token objects), readBack,
 * confirm (the CA told). An operation reports the steps it has, in this order.
 */
export const steps = [
  'prepare',
  'keygen',
  'request',
  'verify',
  'write',
  'readBack',
  'confirm',
] as const;

export type Step = (typeof steps)[number];

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
} as const satisfies Record<string, readonly Step[]>;

/** What every long operation takes besides its request. */
export interface OperationControl {
  /** Cancels the operation: before the CA is asked nothing is spent (see Spent). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}
