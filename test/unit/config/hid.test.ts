import { describe, expect, it } from 'vitest';
import {
  pinPadSettings,
  scannerSettings,
  type PinPadConfig,
  type ScannerConfig,
} from '../../../drivers/hid/settings.js';
import { parseConfig } from '../../../src/config/load.js';
import { defaultConfig, type Config } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors/index.js';

// The `hid` keys (issue 15 item 5): the parsed shapes are what drivers/hid/settings.ts takes (the
// driver cannot import src/config), and the defaults are the driver's.
const fits: (c: Config['hid']) => [PinPadConfig | undefined, ScannerConfig | undefined] = (c) => [
  c.pinPad,
  c.scanner,
];

describe('config: hid', () => {
  it('absent: no PIN pad and no scanner', () => {
    expect(fits(defaultConfig().hid)).toEqual([undefined, undefined]);
  });

  it('reads ids as numbers or hex text, and a report map', () => {
    const config = parseConfig(
      JSON.stringify({
        hid: {
          pinPad: {
            vendorId: '0x1209',
            productId: '0001',
            usagePage: 0xff00,
            reportMap: {
              reportId: 3,
              keyOffset: 0,
              keyCount: 1,
              keys: { '0x1e': '1', '40': 'enter' },
            },
          },
          scanner: { vendorId: 3118, productId: '0x0b07', maxScanBytes: 2048 },
        },
      }),
      'kiosk.json',
    );
    const [pad, scanner] = fits(config.hid);
    if (pad === undefined || scanner === undefined) throw new Error('both configured');
    const padSettings = pinPadSettings(pad);
    expect(padSettings).toMatchObject({ vendorId: 0x1209, productId: 1, usagePage: 0xff00 });
    expect(padSettings.reportMap.reportId).toBe(3);
    expect(padSettings.reportMap.keys).toEqual(
      new Map([
        [0x1e, { type: 'digit', digit: 1 }],
        [40, { type: 'enter' }],
      ]),
    );
    const scannerSettingsParsed = scannerSettings(scanner);
    expect(scannerSettingsParsed).toMatchObject({
      vendorId: 0x0c2e,
      productId: 0x0b07,
      usagePage: 0x8c,
      maxScanBytes: 2048,
      layout: { reportId: 2, dataOffset: 5, dataCapacity: 56 },
    });
  });

  it.each([
    { pinPad: { vendorId: '0x12345', productId: 1 } },
    {
      pinPad: {
        vendorId: 1,
        productId: 1,
        reportMap: { keyOffset: 2, keyCount: 6, keys: { '0x59': 'one' } },
      },
    },
    { scanner: { vendorId: 1, productId: 1, vendor: 'x' } },
    {
      scanner: {
        vendorId: 1,
        productId: 1,
        reportMap: { reportId: 2, lengthOffset: 1, dataOffset: 5 },
      },
    },
  ])('refuses %j', (hid) => {
    expect(() => parseConfig(JSON.stringify({ hid }), 'kiosk.json')).toThrow(ConfigError);
  });
});
