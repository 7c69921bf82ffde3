import type {
  PinKey,
  PinPadReportMap,
  PinPadSettings,
  ScannerReportLayout,
  ScannerSettings,
} from './contract.js';
import { genericKeypadMap } from './pinReport.js';
import { hidPosScannerLayout } from './scanReport.js';

// From the configuration's plain data (src/config/schema.ts `hid`, the same shapes) to the
// driver's settings, with the defaults. The driver cannot import src/config (layers), so the
// shapes are repeated here and a unit test checks that the parsed configuration fits them.

/** A key's name in a configured report map. */
export type PinKeyName =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | 'clear'
  | 'backspace'
  | 'enter'
  | 'cancel';

export interface PinPadConfig {
  readonly vendorId: number;
  readonly productId: number;
  readonly usagePage?: number | undefined;
  readonly reportMap?:
    | {
        readonly reportId?: number | undefined;
        readonly keyOffset: number;
        readonly keyCount: number;
        /** Key code (decimal or `0x59`) → key name. */
        readonly keys: Readonly<Record<string, PinKeyName>>;
      }
    | undefined;
}

export interface ScannerConfig {
  readonly vendorId: number;
  readonly productId: number;
  readonly usagePage?: number | undefined;
  /** The whole layout when the device differs from the default (no partial overrides). */
  readonly reportMap?:
    | {
        readonly reportId: number;
        readonly lengthOffset: number;
        readonly symbologyOffset?: number | undefined;
        readonly dataOffset: number;
        readonly dataCapacity: number;
        readonly continued?: { readonly offset: number; readonly mask: number } | undefined;
      }
    | undefined;
  readonly maxScanBytes?: number | undefined;
  readonly assemblyTimeoutMs?: number | undefined;
}

/** HID POS (usage page 0x8C, Bar Code Scanner): the scanner's default collection. */
export const barcodeScannerPage = 0x8c;
/** Above the application code's bound (src/text/applicationCode.ts) with room for other codes. */
export const defaultMaxScanBytes = 4096;
export const defaultAssemblyTimeoutMs = 1000;

const keyOf = (name: PinKeyName): PinKey =>
  /^[0-9]$/.test(name)
    ? { type: 'digit', digit: Number(name) }
    : { type: name as Exclude<PinKeyName, `${number}`> };

function mapOf(config: NonNullable<PinPadConfig['reportMap']>): PinPadReportMap {
  const keys = new Map<number, PinKey>();
  for (const [code, name] of Object.entries(config.keys)) keys.set(Number(code), keyOf(name));
  return {
    ...(config.reportId === undefined ? {} : { reportId: config.reportId }),
    keyOffset: config.keyOffset,
    keyCount: config.keyCount,
    keys,
  };
}

export function pinPadSettings(config: PinPadConfig): PinPadSettings {
  return {
    vendorId: config.vendorId,
    productId: config.productId,
    ...(config.usagePage === undefined ? {} : { usagePage: config.usagePage }),
    reportMap: config.reportMap === undefined ? genericKeypadMap : mapOf(config.reportMap),
  };
}

export function scannerSettings(config: ScannerConfig): ScannerSettings {
  const map = config.reportMap;
  const layout: ScannerReportLayout =
    map === undefined
      ? hidPosScannerLayout
      : {
          reportId: map.reportId,
          lengthOffset: map.lengthOffset,
          ...(map.symbologyOffset === undefined ? {} : { symbologyOffset: map.symbologyOffset }),
          dataOffset: map.dataOffset,
          dataCapacity: map.dataCapacity,
          ...(map.continued === undefined ? {} : { continued: map.continued }),
        };
  return {
    vendorId: config.vendorId,
    productId: config.productId,
    usagePage: config.usagePage ?? barcodeScannerPage,
    layout,
    maxScanBytes: config.maxScanBytes ?? defaultMaxScanBytes,
    assemblyTimeoutMs: config.assemblyTimeoutMs ?? defaultAssemblyTimeoutMs,
  };
}
