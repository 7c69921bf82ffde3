/**
 * The flat reasons the machines and the UI see (web-eid-app's RetriableError reasons). Adding one
 * means adding its screen text; nothing else inspects driver errors.
 */
export const reasons = [
  'wrongPassword',
  'passwordRules',
  'malformedInput',
  'truncatedInput',
  'unsupportedAlgorithm',
  'notFound',
  'ambiguousSelection',
  'alreadyExists',
  'mediumError',
  'driveRemoved',
  'vidUnavailable',
  'renewalNotOpen',
  'keyMismatch',
  'vidMismatch',
  'certificateRevoked',
  'caError',
  'caRejected',
  'caUnavailable',
  'configInvalid',
  'usage',
  'tokenMissing',
  'wrongPin',
  'pinLocked',
  'tokenRemoved',
  'tokenFull',
  'readerUnavailable',
  'cardMissing',
  'cardRemoved',
  'cardError',
  'mrzInvalid',
  'chipAccessDenied',
  'chipError',
  'internal',
] as const;

export type Reason = (typeof reasons)[number];
