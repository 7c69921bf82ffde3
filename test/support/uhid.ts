import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

// Virtual HID devices through /dev/uhid (Linux Documentation/hid/uhid.rst): the kernel makes a
// real HID device of them, hidraw node and all, so node-hid reads them as it would a USB device.
// The events are written by hand, laid out as include/uapi/linux/uhid.h declares them (every
// struct __attribute__((__packed__)), little-endian on the machines this runs on):
//
//   struct uhid_event { __u32 type; union { …; struct uhid_create2_req create2;
//                                             struct uhid_input2_req input2; … } u; };
//   enum uhid_event_type { __UHID_LEGACY_CREATE = 0, UHID_DESTROY = 1, UHID_START, UHID_STOP,
//     UHID_OPEN, UHID_CLOSE, UHID_OUTPUT, __UHID_LEGACY_OUTPUT_EV, __UHID_LEGACY_INPUT,
//     UHID_GET_REPORT, UHID_GET_REPORT_REPLY, UHID_CREATE2 = 11, UHID_INPUT2 = 12, … };
//   struct uhid_create2_req {            offset in the event
//     __u8 name[128];                       4
//     __u8 phys[64];                      132
//     __u8 uniq[64];                      196
//     __u16 rd_size;                      260
//     __u16 bus;                          262   BUS_USB = 0x03 (linux/input.h)
//     __u32 vendor;                       264
//     __u32 product;                      268
//     __u32 version;                      272
//     __u32 country;                      276
//     __u8 rd_data[HID_MAX_DESCRIPTOR_SIZE = 4096];   280
//   };                                   event size 4 + 4372 = 4376 (the union's largest member)
//   struct uhid_input2_req { __u16 size; __u8 data[UHID_DATA_MAX = 4096]; };   size at 4, data at 6
//
// The kernel zeroes its event buffer before copying a write in (drivers/hid/uhid.c
// uhid_char_write), so INPUT2 and DESTROY may be written short. hidapi (0.15, bundled by node-hid
// 3.4) lists a uhid device on BUS_USB without a USB parent ("uhid USB devices" in linux/hid.c), so
// the virtual devices say BUS_USB as the real ones do.

export const uhidPath = '/dev/uhid';
const UHID_DESTROY = 1;
const UHID_CREATE2 = 11;
const UHID_INPUT2 = 12;
const BUS_USB = 0x03;
const create2Size = 4376;

/** Why virtual devices cannot be made here, or undefined when they can. */
export function uhidUnavailable(): string | undefined {
  if (!existsSync(uhidPath)) return `${uhidPath} absent on this machine`;
  try {
    accessSync(uhidPath, constants.R_OK | constants.W_OK);
  } catch {
    return `${uhidPath} not writable by this user`;
  }
  return undefined;
}

export interface VirtualHidSpec {
  readonly name: string;
  readonly vendorId: number;
  readonly productId: number;
  /** The HID report descriptor (HID 1.11 §6.2.2). */
  readonly descriptor: Uint8Array;
}

/** One virtual device; gone when destroyed (or when the file is closed). */
export class VirtualHidDevice {
  private constructor(private readonly file: FileHandle) {}

  static async create(spec: VirtualHidSpec): Promise<VirtualHidDevice> {
    const file = await open(uhidPath, 'r+');
    const event = Buffer.alloc(create2Size);
    event.writeUInt32LE(UHID_CREATE2, 0);
    event.write(spec.name.slice(0, 127), 4, 'latin1');
    event.write('kiosk-test/uhid', 132, 'latin1');
    event.writeUInt16LE(spec.descriptor.length, 260);
    event.writeUInt16LE(BUS_USB, 262);
    event.writeUInt32LE(spec.vendorId, 264);
    event.writeUInt32LE(spec.productId, 268);
    event.writeUInt32LE(1, 272);
    event.set(spec.descriptor, 280);
    try {
      await file.write(event);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new VirtualHidDevice(file);
  }

  /** The device sends one input report (report id first when its descriptor numbers them). */
  async input(report: Uint8Array): Promise<void> {
    const event = Buffer.alloc(6 + report.length);
    event.writeUInt32LE(UHID_INPUT2, 0);
    event.writeUInt16LE(report.length, 4);
    event.set(report, 6);
    await this.file.write(event);
  }

  /** Unplugs the device. Idempotent. */
  async destroy(): Promise<void> {
    const event = Buffer.alloc(4);
    event.writeUInt32LE(UHID_DESTROY, 0);
    await this.file.write(event).catch(() => undefined);
    await this.file.close().catch(() => undefined);
  }
}

/** Whether the kernel made an input device (hence terminal keystrokes) of the hidraw node. */
export function hasInputDevice(hidrawPath: string): boolean {
  const name = hidrawPath.replace(/^\/dev\//, '');
  const device = `/sys/class/hidraw/${name}/device`;
  return existsSync(`${device}/input`) || readdirSync(device).some((e) => /^input\d+$/.test(e));
}

// Report descriptors (HID 1.11 §6.2.2 items; usages from HID Usage Tables 1.4 and HID POS 1.02).

/** A PIN pad in data mode: vendor page 0xFF00, 8-byte reports in the keyboard array layout. */
export const pinPadDescriptor = Buffer.from(
  '06 00 ff 09 01 a1 01 15 00 26 ff 00 75 08 95 08 09 02 81 02 c0'.replaceAll(' ', ''),
  'hex',
);

/**
 * A HID POS scanner: Bar Code Scanner (0x8C:0x02) with the Scanned Data Report (0x12), report id
 * 2: Byte Count (0x01:0x3B), Symbology Identifier 1–3 (0xFB–0xFD), 56 Decoded Data (0xFE), two
 * padding bytes, Decode Data Continued (0xFF) in bit 0 of the last: 64 bytes with the id.
 */
export const scannerDescriptor = Buffer.from(
  [
    '05 8c 09 02 a1 01 09 12 a1 02 85 02 15 00 26 ff 00 75 08',
    '95 01 05 01 09 3b 81 02', // byte count
    '95 03 05 8c 09 fb 09 fc 09 fd 81 02', // symbology identifier
    '95 38 09 fe 82 02 01', // decoded data, buffered bytes
    '95 02 81 03', // two constant bytes
    '25 01 75 01 95 08 09 ff 81 02', // decode data continued (bit 0) and 7 bits
    'c0 c0',
  ]
    .join(' ')
    .replaceAll(' ', ''),
  'hex',
);

/** A boot keyboard (HID 1.11 Appendix B.1): a device in keyboard mode, to be refused. */
export const keyboardDescriptor = Buffer.from(
  [
    '05 01 09 06 a1 01 05 07 19 e0 29 e7 15 00 25 01 75 01 95 08 81 02',
    '95 01 75 08 81 01 95 06 75 08 15 00 25 65 05 07 19 00 29 65 81 00 c0',
  ]
    .join(' ')
    .replaceAll(' ', ''),
  'hex',
);
