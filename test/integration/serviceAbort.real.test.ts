import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphenePkcs11Driver } from '../../drivers/pkcs11/graphenePkcs11.js';
import { RealUsbDrives } from '../../drivers/usbdrive/realUsbDrives.js';
import { serviceAbortSuite } from '../contract/serviceAbort.js';
import { serviceMediumSuite } from '../contract/serviceMediumAbort.js';
import { softhsmModule, softhsmWorld } from '../support/softhsm.js';
import { serviceWorld, type Material } from '../support/serviceWorld.js';
import { tempDir } from '../support/tempDir.js';

// The service's cancellation suite on real media: a FAT32 image file through the real drive
// code (safety checks, the in-process FAT writer, fdatasync), and a SoftHSM2 token through
// graphene-pk11 (a driver opened and closed per operation, as the kiosk does).

const mib = 1024 * 1024;

const fatImage = (material: Material) => {
  const dir = tempDir('service-usb-');
  const image = join(dir, 'stick.img');
  writeFileSync(image, '');
  truncateSync(image, 64 * mib);
  execFileSync('mkfs.vfat', ['-F', '32', '-I', '-n', 'NPKI', image], { stdio: 'pipe' });
  const drives = new RealUsbDrives({
    maxBytes: 128 * mib,
    allowImageFiles: true,
    imageFolder: dir,
  });
  return serviceWorld('usb', material, { drives, device: image });
};

const softhsm = softhsmWorld();
const softhsmToken = (material: Material) => {
  const pin = '246810';
  const { label } = softhsm.newToken(pin);
  return serviceWorld('token', material, {
    token: { open: () => new GraphenePkcs11Driver(softhsmModule), label, pin },
  });
};

serviceAbortSuite('a FAT32 image through the real drive code', 'usb', fatImage);
serviceMediumSuite('a FAT32 image through the real drive code', 'usb', fatImage);
serviceAbortSuite('a SoftHSM2 token', 'token', softhsmToken);
serviceMediumSuite('a SoftHSM2 token', 'token', softhsmToken);
