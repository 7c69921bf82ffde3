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
