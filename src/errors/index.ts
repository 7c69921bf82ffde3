export {
  KioskError,
  FatalError,
  RetriableError,
  type VisitorMessage,
} from '../shared/kioskError.js';
export { reasons, type Reason } from '../shared/reason.js';
export { toReason } from '../shared/toReason.js';
export * from './npki.js';
export * from './config.js';
export * from './cli.js';
export * from './storage.js';
export * from './cmp.js';
export * from './ca.js';
export * from './ra.js';
export * from './kioskStart.js';
export * from '../../drivers/pkcs11/errors.js';
export * from '../../drivers/usb/errors.js';
export * from '../../drivers/usbdrive/errors.js';
export * from '../../drivers/pcsc/errors.js';
export * from '../../drivers/hid/errors.js';
export * from '../../drivers/emrtd/errors.js';
