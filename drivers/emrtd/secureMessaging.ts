import {
  SecureMessagingMacError,
  SecureMessagingMalformedError,
  SecureMessagingStatusMissingError,
} from './errors.js';
import { encodeTlv, readBerTlv } from '../../src/shared/der.js';
import { encodeCommand, maxResponseBytes, parseCommand, sw, type CommandApdu } from './apdu.js';
import {
  concat,
  macEquals,
  pad,
  retailMac,
  tdesDecrypt,
  tdesEncrypt,
  unpad,
  wipe,
} from './crypto.js';

/**
 * Secure messaging (ICAO 9303-11 §9.8; ISO/IEC 7816-4 §10) for both ends of the exchange: the
 * terminal protects commands and unprotects responses, the card (our virtual eMRTD) does the
 * reverse. The cipher suite is an interface so that AES secure messaging (after PACE, 9303-11
 * §9.8.7: IV = E(K, SSC), CMAC, 16-byte SSC) is a second implementation, not a rewrite.
 * Hand-written over node:crypto: no maintained JS package implements ICAO secure messaging (the
 * Java/C ones, JMRTD and OpenSC, are the models), and the card side is needed for our virtual card.
 */

/** The block cipher and MAC of one secure-messaging session. */
export interface SmCipherSuite {
  /** Cipher block size: 8 for 3DES, 16 for AES. Padding (ISO 9797-1 method 2) is to this size. */
  readonly blockSize: number;
  /** Length of the send sequence counter: 8 for 3DES, 16 for AES. */
  readonly sscLength: number;
  /** Encrypts padded `data` (whole blocks); the SSC is there for suites whose IV derives from it. */
  encrypt(data: Uint8Array, ssc: Uint8Array): Uint8Array;
  /** Decrypts whole blocks. */
  decrypt(data: Uint8Array, ssc: Uint8Array): Uint8Array;
  /** The 8-byte checksum of DO'8E' over `message` (SSC ‖ …), padding it as the suite requires. */
  mac(message: Uint8Array): Uint8Array;
  /** Zeroes the keys. */
  destroy(): void;
}

/**
 * 3DES secure messaging after BAC (9303-11 §9.8.6): 2-key 3DES-CBC with a zero IV, retail MAC
 * (ISO 9797-1 MAC algorithm 3, padding method 2), 8-byte SSC.
 */
export class TripleDesSuite implements SmCipherSuite {
  readonly blockSize = 8;
  readonly sscLength = 8;
  readonly #ksEnc: Uint8Array;
  readonly #ksMac: Uint8Array;

  constructor(ksEnc: Uint8Array, ksMac: Uint8Array) {
    if (ksEnc.length !== 16 || ksMac.length !== 16) throw new RangeError('3DES keys are 16 bytes');
    this.#ksEnc = Uint8Array.from(ksEnc);
    this.#ksMac = Uint8Array.from(ksMac);
  }
  encrypt(data: Uint8Array): Uint8Array {
    return tdesEncrypt(this.#ksEnc, data);
  }
  decrypt(data: Uint8Array): Uint8Array {
    return tdesDecrypt(this.#ksEnc, data);
  }
  mac(message: Uint8Array): Uint8Array {
    return retailMac(this.#ksMac, message);
  }
  destroy(): void {
    wipe(this.#ksEnc, this.#ksMac);
  }
}

/** A response after unprotecting: plain data and the status word from DO'99'. */
export interface SmResponse {
  readonly data: Uint8Array;
  readonly sw: number;
  /**
   * False for a bare status word with no SM objects (a card may answer an error that way, ISO
   * 7816-4 §10.2.3): the caller may act on it only as an unauthenticated hint.
   */
  readonly authenticated: boolean;
}

/** How a protected command is framed. */
export interface ProtectOptions {
  /** Extended-length framing of the protected APDU (Lc and Le on two bytes), e.g. for Ne > 231. */
  readonly extended?: boolean;
}

/** Largest command data the card side accepts (no eMRTD command carries more). */
const maxCommandDataBytes = 4096;

/** The largest plain response data that fits a short APDU response (256 bytes) once protected. */
export function maxShortResponseData(blockSize: number): number {
  // 256 = DO'87' (tag, 3 length bytes, padding indicator, cryptogram) + DO'99' (4) + DO'8E' (10);
  // padding method 2 adds 1 to blockSize bytes, so the cryptogram is at most the largest multiple
  // of blockSize with ≤ 256 − 14 − 4 − 1 bytes, and the data one byte less. 3DES: 231, AES: 223.
  const cryptogram = Math.floor((256 - 14 - 4 - 1) / blockSize) * blockSize;
  return cryptogram - 1;
}

/**
 * One secure-messaging session: keys and the send sequence counter. The SSC is incremented before
 * every command and every response is processed, on both sides (9303-11 §9.8.2), so one instance
 * per side: the terminal's and the card's.
 */
export class SecureMessaging {
  readonly #suite: SmCipherSuite;
  readonly #ssc: Uint8Array;

  constructor(suite: SmCipherSuite, ssc: Uint8Array) {
    if (ssc.length !== suite.sscLength) throw new RangeError(`SSC of ${ssc.length} bytes`);
    this.#suite = suite;
    this.#ssc = Uint8Array.from(ssc);
  }

  /** 3DES secure messaging with BAC's session keys. */
  static tripleDes(keys: {
    readonly ksEnc: Uint8Array;
    readonly ksMac: Uint8Array;
    readonly ssc: Uint8Array;
  }): SecureMessaging {
    return new SecureMessaging(new TripleDesSuite(keys.ksEnc, keys.ksMac), keys.ssc);
  }

  /** The current send sequence counter (a copy; for tests and logs of desynchronisation). */
  get ssc(): Uint8Array {
    return Uint8Array.from(this.#ssc);
  }

  get blockSize(): number {
    return this.#suite.blockSize;
  }

  /** Zeroes the keys; the session cannot be used afterwards. */
  destroy(): void {
    this.#suite.destroy();
    wipe(this.#ssc);
  }

  // --- terminal side ---

  /**
   * The protected form of `cmd` (9303-11 §9.8.4, Appendix D.4): CLA with the SM bits (0x0C),
   * command data encrypted into DO'87' (01 ‖ cryptogram; DO'85' without the indicator for an odd
   * INS such as B1), Ne in DO'97', and DO'8E' = MAC(SSC ‖ padded header ‖ DO'87' ‖ DO'97').
   */
  protectCommand(cmd: CommandApdu, options: ProtectOptions = {}): Uint8Array {
    this.#increment();
    const cla = (cmd.cla | 0x0c) & 0xff;
    const header = Uint8Array.of(cla, cmd.ins, cmd.p1, cmd.p2);
    const objects: Uint8Array[] = [];
    if (cmd.data !== undefined && cmd.data.length > 0) {
      const cryptogram = this.#suite.encrypt(pad(cmd.data, this.blockSize), this.#ssc);
      objects.push(
        (cmd.ins & 1) === 1
          ? encodeTlv(0x85, [cryptogram])
          : encodeTlv(0x87, [Uint8Array.of(0x01), cryptogram]),
      );
    }
    if (cmd.le !== undefined) objects.push(encodeTlv(0x97, [encodeLe(cmd.le)]));
    const macInput = concat(this.#ssc, pad(header, this.blockSize), ...objects);
    objects.push(encodeTlv(0x8e, [this.#suite.mac(macInput)]));
    const data = concat(...objects);
    // Ne of the protected APDU: the whole protected response, "as much as there is" (00 / 0000).
    return encodeCommand(
      { cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data, le: options.extended ? 65536 : 256 },
      options.extended,
    );
  }

  /**
   * Checks and decrypts a protected response (9303-11 §9.8.5): DO'87'/DO'85' (optional), DO'99'
   * (mandatory) and DO'8E' last, MAC(SSC ‖ objects before DO'8E') verified before anything is
   * decrypted. Returns the plain data and DO'99''s status word.
   *
   * @throws SecureMessagingMacError, SecureMessagingStatusMissingError or
   *   SecureMessagingMalformedError; never anything else for any input.
   */
  unprotectResponse(response: Uint8Array): SmResponse {
    this.#increment();
    if (response.length < 2) {
      throw new SecureMessagingMalformedError(`a response of ${response.length} bytes`);
    }
    if (response.length > maxResponseBytes) {
      throw new SecureMessagingMalformedError(`a response of ${response.length} bytes`);
    }
    const n = response.length;
    const outerSw = ((response[n - 2] ?? 0) << 8) | (response[n - 1] ?? 0);
    const body = response.subarray(0, n - 2);
    if (body.length === 0) {
      // The card reports our SM objects missing or wrong: its session is gone.
      if (outerSw === sw.smObjectsMissing || outerSw === sw.smObjectsIncorrect) {
        throw new SecureMessagingMacError(
          `the chip rejected the protected command (SW ${outerSw.toString(16)})`,
        );
      }
      if (outerSw === sw.ok || (outerSw & 0xff00) === 0x6100) {
        throw new SecureMessagingMacError('a success status without DO8E');
      }
      return { data: new Uint8Array(0), sw: outerSw, authenticated: false };
    }
    const objects = this.#parseObjects(body, [[0x85, 0x87], [0x99]]);
    const cryptogram = this.#cryptogram(objects);
    const status = objects.get(0x99);
    if (status === undefined)
      throw new SecureMessagingStatusMissingError('no DO99 in the response');
    if (status.length !== 2) {
      throw new SecureMessagingMalformedError(`DO99 of ${status.length} bytes`);
    }
    const data = cryptogram === undefined ? new Uint8Array(0) : this.#decrypt(cryptogram);
    return { data, sw: ((status[0] ?? 0) << 8) | (status[1] ?? 0), authenticated: true };
  }

  // --- card side ---

  /**
   * Checks and decrypts a protected command (the card's half of §9.8.4): parses the APDU, verifies
   * DO'8E' over SSC ‖ padded header ‖ the objects before it, decrypts DO'87'/DO'85', reads Ne from
   * DO'97'. Returns the plain command with the SM bits cleared from CLA.
   *
   * @throws SecureMessagingMalformedError (answer 6988/6700), SecureMessagingMacError (6988).
   */
  unprotectCommand(apdu: Uint8Array): CommandApdu {
    this.#increment();
    const cmd = parseCommand(apdu);
    if (cmd === undefined) throw new SecureMessagingMalformedError('not a command APDU');
    if ((cmd.cla & 0x0c) !== 0x0c) {
      throw new SecureMessagingMalformedError(`CLA ${cmd.cla.toString(16)} is not protected`);
    }
    const data = cmd.data ?? new Uint8Array(0);
    if (data.length > maxCommandDataBytes) {
      throw new SecureMessagingMalformedError(`command data of ${data.length} bytes`);
    }
    const header = Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2);
    const objects = this.#parseObjects(data, [[0x85, 0x87], [0x97]], pad(header, this.blockSize));
    const cryptogram = this.#cryptogram(objects);
    const leObject = objects.get(0x97);
    let le: number | undefined;
    if (leObject !== undefined) {
      if (leObject.length === 1) le = leObject[0] === 0 ? 256 : leObject[0];
      else if (leObject.length === 2) le = ((leObject[0] ?? 0) << 8) | (leObject[1] ?? 0) || 65536;
      else throw new SecureMessagingMalformedError(`DO97 of ${leObject.length} bytes`);
    }
    const plain = cryptogram === undefined ? undefined : this.#decrypt(cryptogram);
    return {
      cla: cmd.cla & ~0x0c & 0xff,
      ins: cmd.ins,
      p1: cmd.p1,
      p2: cmd.p2,
      ...(plain === undefined ? {} : { data: plain }),
      ...(le === undefined ? {} : { le }),
    };
  }

  /**
   * The protected response (the card's half of §9.8.5): DO'87' (or DO'85' with `oddIns`) with the
   * encrypted data if any, DO'99' with `status`, DO'8E' over SSC ‖ both; then `status` again as
   * the response's own status word (Appendix D.4: `…8E08…9000`).
   */
  protectResponse(
    data: Uint8Array,
    status: number,
    options: { oddIns?: boolean } = {},
  ): Uint8Array {
    this.#increment();
    const objects: Uint8Array[] = [];
    if (data.length > 0) {
      const cryptogram = this.#suite.encrypt(pad(data, this.blockSize), this.#ssc);
      objects.push(
        options.oddIns === true
          ? encodeTlv(0x85, [cryptogram])
          : encodeTlv(0x87, [Uint8Array.of(0x01), cryptogram]),
      );
    }
    const swBytes = Uint8Array.of((status >> 8) & 0xff, status & 0xff);
    objects.push(encodeTlv(0x99, [swBytes]));
    objects.push(encodeTlv(0x8e, [this.#suite.mac(concat(this.#ssc, ...objects))]));
    return concat(...objects, swBytes);
  }

  // --- shared ---

  /** SSC + 1, big-endian, wrapping (9303-11 §9.8.2). */
  #increment(): void {
    for (let i = this.#ssc.length - 1; i >= 0; i--) {
      const next = ((this.#ssc[i] ?? 0) + 1) & 0xff;
      this.#ssc[i] = next;
      if (next !== 0) break;
    }
  }

  /**
   * Parses `body` as SM data objects (a tag of each group of `order` at most once, in that order)
   * ended by DO'8E' (8 bytes), and verifies the MAC over SSC ‖ `prefix` ‖ the objects before it.
   * Every length is checked against the buffer before any slice.
   */
  #parseObjects(
    body: Uint8Array,
    order: readonly (readonly number[])[],
    prefix: Uint8Array = new Uint8Array(0),
  ): Map<number, Uint8Array> {
    const objects = new Map<number, Uint8Array>();
    let at = 0;
    let lastRank = -1;
    let mac: Uint8Array | undefined;
    let macStart = 0;
    while (at < body.length) {
      const read = readBerTlv(body, at);
      if (!read.ok) throw new SecureMessagingMalformedError(`SM object at ${at}: ${read.problem}`);
      const { tag, content: value, bytes: raw } = read.tlv;
      if (tag === 0x8e) {
        if (value.length !== 8) {
          throw new SecureMessagingMalformedError(`DO8E of ${value.length} bytes`);
        }
        mac = value;
        macStart = at;
        at += raw.length;
        if (at !== body.length) {
          throw new SecureMessagingMalformedError(`${body.length - at} bytes after DO8E`);
        }
        break;
      }
      // Objects come in the order of `order` (ISO 7816-4 §10.2: data, then Le or status), once each.
      const rank = order.findIndex((group) => group.includes(tag));
      if (rank < 0) {
        throw new SecureMessagingMalformedError(`unexpected SM object ${tag.toString(16)}`);
      }
      if (rank <= lastRank) {
        throw new SecureMessagingMalformedError(
          `SM object ${tag.toString(16)} repeated or out of order`,
        );
      }
      lastRank = rank;
      objects.set(tag, value);
      at += raw.length;
    }
    if (mac === undefined) throw new SecureMessagingMacError('no DO8E');
    const expected = this.#suite.mac(concat(this.#ssc, prefix, body.subarray(0, macStart)));
    if (!macEquals(expected, mac)) throw new SecureMessagingMacError('DO8E does not verify');
    return objects;
  }

  /** The cryptogram of DO'87' (after its padding-indicator byte 01) or DO'85', if present. */
  #cryptogram(objects: Map<number, Uint8Array>): Uint8Array | undefined {
    const do87 = objects.get(0x87);
    if (do87 !== undefined) {
      // 9303-11 §9.8.4: padding-content indicator 01 = ISO 9797-1 method 2, the only one used.
      if (do87[0] !== 0x01) {
        throw new SecureMessagingMalformedError(`DO87 padding indicator ${String(do87[0])}`);
      }
      return do87.subarray(1);
    }
    // DO'85' (odd INS) carries the padded cryptogram without the indicator byte (ISO 7816-4 §10.2.2).
    return objects.get(0x85);
  }

  #decrypt(cryptogram: Uint8Array): Uint8Array {
    if (cryptogram.length === 0 || cryptogram.length % this.blockSize !== 0) {
      throw new SecureMessagingMalformedError(`a cryptogram of ${cryptogram.length} bytes`);
    }
    const plain = this.#suite.decrypt(cryptogram, this.#ssc);
    const data = unpad(plain, this.blockSize);
    if (data === undefined)
      throw new SecureMessagingMalformedError('bad padding in the cryptogram');
    return Uint8Array.from(data);
  }
}

/** DO'97' content: Ne on one byte (256 as 00) or, above 256, two bytes (65536 as 0000). */
function encodeLe(le: number): Uint8Array {
  if (le <= 256) return Uint8Array.of(le & 0xff);
  return Uint8Array.of((le >> 8) & 0xff, le & 0xff);
}
