import { ChipResponseError } from './errors.js';

/**
 * Command and response APDUs (ISO/IEC 7816-4 §5.1, §5.2; ICAO 9303-10 uses them unchanged):
 * encoding in the short and extended forms, parsing (for the card side), and the status word.
 * Hand-written because the format is a dozen lines and every byte must be under our control.
 */

/** A command APDU before encoding. */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Command data (Nc = its length, 1–65535); absent or empty for none. */
  readonly data?: Uint8Array;
  /** Ne, the bytes expected back: 1–256 short, up to 65536 extended; absent for none. */
  readonly le?: number;
}

/** A response split into its data and its status word (SW1 << 8 | SW2). */
export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;
}

export const sw = {
  ok: 0x9000,
  /** Warning: end of file reached before Ne bytes (ISO 7816-4 Table 5). */
  endOfFile: 0x6282,
  /** Authentication failed (BAC: wrong keys; some chips add a retry counter in the low nibble). */
  authenticationFailed: 0x6300,
  wrongLength: 0x6700,
  securityStatusNotSatisfied: 0x6982,
  smObjectsMissing: 0x6987,
  smObjectsIncorrect: 0x6988,
  fileNotFound: 0x6a82,
  wrongParameters: 0x6b00,
  insNotSupported: 0x6d00,
} as const;

/** The largest response the kiosk accepts: an extended Ne (65536) plus SM objects and SW. */
export const maxResponseBytes = 65536 + 64;

/**
 * Encodes `cmd`, extended form (7816-4 §5.1: 00 ‖ Lc(2), Le(2)) when `extended` or when Nc > 255
 * or Ne > 256, short form otherwise.
 */
export function encodeCommand(cmd: CommandApdu, extended = false): Uint8Array {
  const data = cmd.data ?? new Uint8Array(0);
  if (data.length > 65535) throw new RangeError(`command data of ${data.length} bytes`);
  if (cmd.le !== undefined && (cmd.le < 1 || cmd.le > 65536 || !Number.isInteger(cmd.le))) {
    throw new RangeError(`Ne ${cmd.le}`);
  }
  const ext = extended || data.length > 255 || (cmd.le ?? 0) > 256;
  const out: number[] = [cmd.cla & 0xff, cmd.ins & 0xff, cmd.p1 & 0xff, cmd.p2 & 0xff];
  if (data.length > 0) {
    if (ext) out.push(0, data.length >> 8, data.length & 0xff);
    else out.push(data.length);
  }
  const body = out.length;
  if (cmd.le !== undefined) {
    if (ext) {
      // With data, Le is two bytes; without, the leading 00 of the extended form comes first.
      if (data.length === 0) out.push(0);
      out.push((cmd.le >> 8) & 0xff, cmd.le & 0xff);
    } else out.push(cmd.le & 0xff);
  }
  const bytes = new Uint8Array(out.length + data.length);
  bytes.set(out.slice(0, body));
  bytes.set(data, body);
  bytes.set(out.slice(body), body + data.length);
  return bytes;
}

/**
 * Parses a command APDU (the card side of the exchange; 7816-4 §5.1 cases 1–4, short and
 * extended). Undefined when the bytes are no valid case (the card answers 6700).
 */
export function parseCommand(bytes: Uint8Array): CommandApdu | undefined {
  if (bytes.length < 4 || bytes.length > 65544) return undefined;
  const [cla = 0, ins = 0, p1 = 0, p2 = 0] = bytes;
  const head = { cla, ins, p1, p2 };
  const rest = bytes.subarray(4);
  if (rest.length === 0) return head;
  const b0 = rest[0] ?? 0;
  if (rest.length === 1) return { ...head, le: b0 === 0 ? 256 : b0 };
  if (b0 !== 0) {
    // Short: Lc, data, optional Le.
    if (rest.length === 1 + b0) return { ...head, data: rest.subarray(1) };
    if (rest.length === 2 + b0) {
      const le = rest[1 + b0] ?? 0;
      return { ...head, data: rest.subarray(1, 1 + b0), le: le === 0 ? 256 : le };
    }
    return undefined;
  }
  // Extended: 00 then Le(2) alone, or Lc(2), data, optional Le(2).
  if (rest.length === 3) return { ...head, le: readLe2(rest, 1) };
  const lc = ((rest[1] ?? 0) << 8) | (rest[2] ?? 0);
  if (lc === 0) return undefined;
  if (rest.length === 3 + lc) return { ...head, data: rest.subarray(3) };
  if (rest.length === 5 + lc)
    return { ...head, data: rest.subarray(3, 3 + lc), le: readLe2(rest, 3 + lc) };
  return undefined;
}

/** Splits a response into data and status word; `command` names the command for the error. */
export function splitResponse(response: Uint8Array, command: string): ResponseApdu {
  if (response.length < 2) {
    throw new ChipResponseError(
      command,
      `a response of ${response.length} bytes has no status word`,
    );
  }
  if (response.length > maxResponseBytes) {
    throw new ChipResponseError(command, `a response of ${response.length} bytes is too long`);
  }
  const n = response.length;
  return {
    data: response.subarray(0, n - 2),
    sw: ((response[n - 2] ?? 0) << 8) | (response[n - 1] ?? 0),
  };
}

/** The status word as 4 hex digits, for messages. */
export function swHex(value: number): string {
  return value.toString(16).padStart(4, '0').toUpperCase();
}

function readLe2(bytes: Uint8Array, at: number): number {
  const le = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  return le === 0 ? 65536 : le;
}
