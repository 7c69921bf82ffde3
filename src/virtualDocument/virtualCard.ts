import { randomBytes } from 'node:crypto';
import { encodeLength, readBerTlv } from '../shared/der.js';
import { KioskError } from '../shared/kioskError.js';
import type { CardApplication } from '../../drivers/pcsc/contract.js';
import { parseCommand, sw } from '../../drivers/emrtd/apdu.js';
import { bacKeys, iccAuthenticate, type BacKeys } from '../../drivers/emrtd/bac.js';
import { SecureMessaging } from '../../drivers/emrtd/secureMessaging.js';

/** Faults the virtual card can be told to inject (issue 6; DESIGN §3.2). */
export interface VirtualCardFaults {
  /** The MAC of every protected response is wrong (a broken or hostile chip). */
  readonly badMac?: boolean;
  /** No Active Authentication: INTERNAL AUTHENTICATE is not supported (6D00). */
  readonly noAaKey?: boolean;
}

export interface VirtualEmrtdOptions {
  /** MRZ_info the chip's BAC keys come from (mrz.ts bacKeySeedInput). */
  readonly mrzInfo: string;
  /** Elementary files of the eMRTD application, by FID (EF.COM, DGs, EF.SOD). */
  readonly files: ReadonlyMap<number, Uint8Array>;
  /** Signs an INTERNAL AUTHENTICATE challenge (Active Authentication, aa.ts). */
  readonly sign?: (challenge: Uint8Array) => Uint8Array;
  /** At most this many bytes per READ BINARY answer (a chip may send less than asked). */
  readonly maxReadChunk?: number;
  /** DO'85' instead of DO'87' in answers to B1 (both occur; ISO 7816-4 §10.2.2). */
  readonly b1WithDo85?: boolean;
  /** Answers EXTERNAL AUTHENTICATE with this status word instead of checking. */
  readonly externalAuthenticateStatus?: number;
  readonly faults?: VirtualCardFaults;
  readonly atr?: Uint8Array;
}

/**
 * The card side of an eMRTD (ICAO 9303-11): the eMRTD application, BAC (§4.3) and 3DES secure
 * messaging (§9.8) exactly as the card half of Appendix D, SELECT / READ BINARY (B0, and B1 with
 * DO54 beyond 0x7FFF) of the profile's files, INTERNAL AUTHENTICATE for AA (§6.1). It runs the
 * same ICC functions (bac.ts, secureMessaging.ts) the reader's tests check against the ICAO
 * example. Behind pcscd through vpcd (`kiosk card virtual`, drivers/pcsc/vpcd.ts) or in-process.
 */
export class VirtualEmrtd implements CardApplication {
  readonly atr: Uint8Array;
  private readonly keys: BacKeys;
  private appletSelected = false;
  private challenge: Uint8Array | undefined;
  private sm: SecureMessaging | undefined;
  private current: Uint8Array | undefined;

  constructor(private readonly options: VirtualEmrtdOptions) {
    this.keys = bacKeys(options.mrzInfo);
    // Historical bytes "eMRTD" in an ISO 7816-3 ATR for T=1 (3B 8D 80 01 …).
    this.atr =
      options.atr ??
      Uint8Array.of(
        0x3b,
        0x8d,
        0x80,
        0x01,
        0x65,
        0x4d,
        0x52,
        0x54,
        0x44,
        0x4b,
        0x49,
        0x4f,
        0x53,
        0x4b,
        0x00,
        0x00,
        0x6d,
      );
  }

  reset(): void {
    this.appletSelected = false;
    this.challenge = undefined;
    this.sm?.destroy();
    this.sm = undefined;
    this.current = undefined;
  }

  respond(apdu: Uint8Array): Uint8Array {
    const response = this.answer(apdu);
    const protectedCommand = ((apdu[0] ?? 0) & 0x0c) !== 0;
    if (this.options.faults?.badMac === true && protectedCommand && response.length > 10) {
      // The MAC is the last 8 bytes before SW in a protected response (DO8E).
      const broken = Uint8Array.from(response);
      const at = broken.length - 3;
      broken[at] = (broken[at] ?? 0) ^ 0x01;
      return broken;
    }
    return response;
  }

  private answer(apdu: Uint8Array): Uint8Array {
    const cmd = parseCommand(apdu);
    if (cmd === undefined) return status(sw.wrongLength);
    // SELECT by AID in clear: (re)starts the application and ends any session.
    if (cmd.cla === 0 && cmd.ins === 0xa4 && cmd.p1 === 0x04) {
      this.sm = undefined;
      this.current = undefined;
      this.appletSelected = true;
      return status(sw.ok);
    }
    if (!this.appletSelected) return status(sw.fileNotFound);
    if ((cmd.cla & 0x0c) === 0) {
      this.sm = undefined;
      if (cmd.ins === 0x84) {
        this.challenge = new Uint8Array(randomBytes(8));
        return Uint8Array.of(...this.challenge, 0x90, 0x00);
      }
      if (cmd.ins === 0x82) return this.externalAuthenticate(cmd.data ?? new Uint8Array(0));
      return status(sw.securityStatusNotSatisfied);
    }
    const sm = this.sm;
    if (sm === undefined) return status(sw.securityStatusNotSatisfied);
    let plain;
    try {
      plain = sm.unprotectCommand(apdu);
    } catch {
      // ISO 7816-4 §10: a card that cannot verify a command drops its session keys.
      this.sm = undefined;
      return status(sw.smObjectsIncorrect);
    }
    switch (plain.ins) {
      case 0xa4: {
        const data = plain.data ?? new Uint8Array(0);
        const fid = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
        const file = this.options.files.get(fid);
        if (plain.p1 !== 0x02 || data.length !== 2 || file === undefined) {
          return sm.protectResponse(new Uint8Array(0), sw.fileNotFound);
        }
        this.current = file;
        return sm.protectResponse(new Uint8Array(0), sw.ok);
      }
      case 0xb0:
      case 0xb1:
        return this.readBinary(sm, plain.ins, plain.p1, plain.p2, plain.le, plain.data);
      case 0x88: {
        const sign = this.options.sign;
        if (sign === undefined || this.options.faults?.noAaKey === true)
          return sm.protectResponse(new Uint8Array(0), sw.insNotSupported);
        return sm.protectResponse(sign(plain.data ?? new Uint8Array(0)), sw.ok);
      }
      default:
        return sm.protectResponse(new Uint8Array(0), sw.insNotSupported);
    }
  }

  private externalAuthenticate(data: Uint8Array): Uint8Array {
    if (this.options.externalAuthenticateStatus !== undefined)
      return status(this.options.externalAuthenticateStatus);
    const challenge = this.challenge;
    this.challenge = undefined;
    if (challenge === undefined) return status(0x6985);
    try {
      const kIcc = new Uint8Array(randomBytes(16));
      const { response, session } = iccAuthenticate(this.keys, challenge, kIcc, data);
      this.sm = SecureMessaging.tripleDes(session);
      return Uint8Array.of(...response, 0x90, 0x00);
    } catch (error) {
      if (error instanceof KioskError) return status(sw.authenticationFailed);
      throw error;
    }
  }

  /** READ BINARY: B0 with the offset in P1-P2; B1 with DO54 (ISO 7816-4 §11.2.3). */
  private readBinary(
    sm: SecureMessaging,
    ins: number,
    p1: number,
    p2: number,
    requested: number | undefined,
    data: Uint8Array | undefined,
  ): Uint8Array {
    const file = this.current;
    if (file === undefined) return sm.protectResponse(new Uint8Array(0), 0x6986);
    let offset = (p1 << 8) | p2;
    let le = requested ?? 256;
    if (ins === 0xb1) {
      const tlv = readBerTlv(data ?? new Uint8Array(0));
      if (!tlv.ok || tlv.tlv.tag !== 0x54) return sm.protectResponse(new Uint8Array(0), 0x6a80);
      offset = tlv.tlv.content.reduce((n, b) => n * 256 + b, 0);
      // The DO53 header takes room from Ne.
      le -= le > 255 + 4 ? 4 : le > 127 + 3 ? 3 : 2;
    }
    if (offset > file.length) return sm.protectResponse(new Uint8Array(0), sw.wrongParameters);
    const n = Math.min(le, this.options.maxReadChunk ?? le, file.length - offset);
    const chunk = file.subarray(offset, offset + n);
    const result = n < le && offset + n === file.length ? sw.endOfFile : sw.ok;
    if (ins === 0xb0) return sm.protectResponse(chunk, result);
    const do53 = Uint8Array.of(0x53, ...encodeLength(chunk.length), ...chunk);
    return sm.protectResponse(do53, result, { oddIns: this.options.b1WithDo85 === true });
  }
}

function status(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}
