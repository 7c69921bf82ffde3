import { serviceAbortSuite } from '../../contract/serviceAbort.js';
import { serviceMediumSuite } from '../../contract/serviceMediumAbort.js';
import { serviceWorld } from '../../support/serviceWorld.js';

// The service's cancellation suite on fakes: a temporary folder, a fake USB drive (the volume
// can be pulled: test/contract/usbDrive.fake.test.ts) and a fake token.
serviceAbortSuite('a folder', 'dir', (material) => serviceWorld('dir', material));
serviceAbortSuite('a fake USB drive', 'usb', (material) => serviceWorld('usb', material));
serviceAbortSuite('a fake token', 'token', (material) => serviceWorld('token', material));
serviceMediumSuite('a folder', 'dir', (material) => serviceWorld('dir', material));
serviceMediumSuite('a fake USB drive', 'usb', (material) => serviceWorld('usb', material));
serviceMediumSuite('a fake token', 'token', (material) => serviceWorld('token', material));
