export { KioskError, FatalError, RetriableError, type VisitorMessage } from './kioskError.js';
export { reasons, type Reason } from './reason.js';
export { toReason } from './toReason.js';
export * from './npki.js';
export * from './config.js';
export * from './cli.js';
export * from './storage.js';
export * from './cmp.js';
export * from './ca.js';
