import {
  ChipFileError,
  ChipResponseError,
  ChipStatusError,
  NotAnEmrtdError,
  SecureMessagingError,
} from './errors.js';
import type { ApduTransport } from '../pcsc/contract.js';
import { encodeLength, readBerTlv, readTlvHeader } from '../../src/shared/der.js';
import { encodeCommand, splitResponse, sw, type CommandApdu } from './apdu.js';
import { concat } from './crypto.js';
import { bacKeys, performBac, type BacKeys, type BacOptions } from './bac.js';
import { maxShortResponseData, SecureMessaging, type SmResponse } from './secureMessaging.js';

/**
 * Reading an eMRTD over an ApduTransport (ICAO 9303-10 §3–4, 9303-11 §4.3 and §9.8): select the
 * LDS1 application, BAC, then files under secure messaging in bounded chunks, and INTERNAL
 * AUTHENTICATE for Active Authentication (whose signature aa.ts verifies).
 */

/** File identifiers of the LDS1 elementary files (9303-10 §4.6.1, Table 39). */
export const fid = {
  com: 0x011e,
  dg1: 0x0101,
  dg2: 0x0102,
  dg11: 0x010b,
  dg14: 0x010e,
  dg15: 0x010f,
  sod: 0x011d,
} as const;

/** The LDS1 eMRTD application (9303-10 §3.11.3.1). */
export const emrtdAid = Uint8Array.of(0xa0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01);

/** A file read: its bytes, or the chip's word that it has no such file (6A82). */
export type FileReadResult =
  | { readonly present: true; readonly fid: number; readonly bytes: Uint8Array }
  | { readonly present: false; readonly fid: number };

/** Progress of one file read, for the visitor's progress bar (DESIGN §7). */
export interface ReadProgress {
  readonly fid: number;
  readonly bytesRead: number;
  readonly total: number;
}

/** How the reader bounds and sizes its reads. */
export interface EmrtdReaderOptions {
  /** Largest file accepted (the TLV header's length); default 1 MiB (a DG2 is ~15–100 KB). */
  readonly maxFileBytes?: number;
  /**
   * Most command APDUs one readFile may send; default 16 + one per 32 bytes of the announced
   * length, so a chip that answers a byte at a time is cut off, not followed for ever.
   */
  readonly maxApdusPerFile?: number;
  /** Plain bytes asked per READ BINARY when extended length is tried; default 4096. */
  readonly extendedChunkBytes?: number;
}

/** How the chip is opened: MRZ_info (from parseMrz or bacKeySeedInput) or keys derived from it. */
export type BacAccess = { readonly mrzInfo: string } | BacKeys;

const defaultMaxFileBytes = 1024 * 1024;
const defaultExtendedChunk = 4096;
/** READ BINARY (B0) addresses offsets up to 15 bits (ISO 7816-4 §11.2.3: P1 bit 8 = 0). */
const maxB0Offset = 0x7fff;
/** The first read: enough for the tag and length of any LDS file but a 5-byte length form. */
const headerReadBytes = 4;
/**
 * The default APDU bound assumes a chip sends at least this many bytes per READ BINARY on average
 * (genuine chips send what is asked, ≥ 223 bytes): a chip that dribbles is cut off, not followed.
 */
const minAverageChunk = 32;
/** A TLV header longer than this is refused (1 tag byte ‖ 83 ‖ 3 length bytes, + a 2-byte tag). */
const maxHeaderBytes = 6;

/**
 * One eMRTD on one transport. Not re-entrant: one command at a time, in the order called.
 * Transport errors (card removed, reader gone) pass through unchanged; everything the chip says
 * that is not allowed is a typed KioskError (drivers/emrtd/errors.ts).
 */
export class EmrtdReader {
  readonly #transport: ApduTransport;
  readonly #maxFileBytes: number;
  readonly #maxApdusPerFile: number | undefined;
  readonly #extendedChunk: number;
  #sm: SecureMessaging | undefined;
  #keys: BacKeys | undefined;
  /** Set once this reader saw extended length fail, whatever the transport remembers. */
  #extendedRefused = false;

  constructor(transport: ApduTransport, options: EmrtdReaderOptions = {}) {
    this.#transport = transport;
    this.#maxFileBytes = options.maxFileBytes ?? defaultMaxFileBytes;
    this.#maxApdusPerFile = options.maxApdusPerFile;
    this.#extendedChunk = Math.min(options.extendedChunkBytes ?? defaultExtendedChunk, 65536 - 8);
  }

  /** Whether a secure-messaging session is open. */
  get authenticated(): boolean {
    return this.#sm !== undefined;
  }

  /**
   * Selects the eMRTD application in clear (9303-10 §3.11.3.1: `00A4040C07A0000002471001`),
   * ending any secure-messaging session.
   *
   * @throws NotAnEmrtdError when the chip has no such application.
   */
  async selectApplication(signal?: AbortSignal): Promise<void> {
    this.#endSession();
    const apdu = encodeCommand({ cla: 0, ins: 0xa4, p1: 0x04, p2: 0x0c, data: emrtdAid });
    const { sw: status } = splitResponse(await this.#transport.transmit(apdu, signal), 'SELECT');
    if (status !== sw.ok) throw new NotAnEmrtdError(status);
  }

  /**
   * BAC with the document's MRZ data (9303-11 §4.3), opening secure messaging. RND.IFD and K.IFD
   * are random unless injected (tests replay Appendix D with them).
   *
   * @throws BacFailedError when the MRZ data is not the document's.
   */
  async authenticate(access: BacAccess, options: BacOptions = {}): Promise<void> {
    this.#endSession();
    const keys = 'mrzInfo' in access ? bacKeys(access.mrzInfo) : access;
    const session = await performBac(this.#transport, keys, options);
    this.#keys = keys;
    this.#sm = SecureMessaging.tripleDes(session);
  }

  /** selectApplication, then authenticate. */
  async open(access: BacAccess, options: BacOptions = {}): Promise<void> {
    await this.selectApplication(options.signal);
    await this.authenticate(access, options);
  }

  /**
   * Reads the elementary file `fileId` under secure messaging: SELECT by FID, the first 4 bytes
   * for the TLV header, then READ BINARY in chunks up to the length it announces (B0 to offset
   * 0x7FFF, B1 with DO'54' beyond, 9303-10 §4.5 / ISO 7816-4 §11.2.3). Chunks are as large as a
   * short protected response allows (231 bytes with 3DES), or larger with extended length unless
   * the transport says it is refused; on refusal the reader notes it on the transport, opens a new
   * session (a failed protected command leaves the card's SSC unknown) and goes on with short
   * reads from where it was.
   *
   * @returns `{ present: false }` when the chip answers SELECT with 6A82 (file not found).
   * @throws ChipFileError (bad header, over the size or command bound, no progress),
   *   ChipStatusError, SecureMessagingError subclasses; transport errors unchanged.
   */
  async readFile(
    fileId: number,
    onProgress?: (progress: ReadProgress) => void,
    signal?: AbortSignal,
  ): Promise<FileReadResult> {
    if (!(await this.#selectFile(fileId, signal))) return { present: false, fid: fileId };

    const shortMax = maxShortResponseData(this.#session().blockSize);
    let apdus = 1;
    // The header: 4 bytes, then (for a 5- or 6-byte header) what it still lacks.
    let head = await this.#readChunk(fileId, 0, headerReadBytes, shortMax, false, signal);
    apdus++;
    let parsed = readTlvHeader(head, 0, 'ber');
    // A 5- or 6-byte header, or a chip that sent less than asked: read what the header still lacks.
    while (!parsed.ok && parsed.truncated && parsed.needed <= maxHeaderBytes && head.length > 0) {
      const want = Math.max(parsed.needed, headerReadBytes) - head.length;
      const more = await this.#readChunk(fileId, head.length, want, shortMax, false, signal);
      apdus++;
      if (more.length === 0) break;
      head = concat(head, more);
      parsed = readTlvHeader(head, 0, 'ber');
    }
    if (!parsed.ok) {
      throw new ChipFileError(
        fileId,
        'header',
        parsed.truncated ? `${head.length} bytes end inside the TLV header` : parsed.problem,
      );
    }
    const total = parsed.header.headerLength + parsed.header.valueLength;
    if (total > this.#maxFileBytes) {
      throw new ChipFileError(
        fileId,
        'tooLarge',
        `${total} bytes announced, ${this.#maxFileBytes} allowed`,
      );
    }
    const maxApdus = this.#maxApdusPerFile ?? 16 + Math.ceil(total / minAverageChunk);
    const file = new Uint8Array(total);
    file.set(head.subarray(0, total));
    let offset = Math.min(head.length, total);
    onProgress?.({ fid: fileId, bytesRead: offset, total });

    while (offset < total) {
      signal?.throwIfAborted();
      if (apdus >= maxApdus) {
        throw new ChipFileError(fileId, 'tooManyCommands', `${apdus} commands for ${total} bytes`);
      }
      const remaining = total - offset;
      const extended = this.#extendedAllowed() && remaining > shortMax;
      const max = extended ? this.#extendedChunk : shortMax;
      let chunk: Uint8Array;
      try {
        apdus++;
        chunk = await this.#readChunk(fileId, offset, remaining, max, extended, signal);
      } catch (error) {
        if (!extended || signal?.aborted === true || !isExtendedRefusal(error)) throw error;
        await this.#fallBackToShort(signal);
        apdus += 4;
        if (!(await this.#selectFile(fileId, signal))) {
          throw new ChipFileError(fileId, 'response', 'the file vanished after re-authentication');
        }
        continue;
      }
      if (chunk.length === 0) {
        throw new ChipFileError(fileId, 'noProgress', `no data at offset ${offset} of ${total}`);
      }
      file.set(chunk, offset);
      offset += chunk.length;
      onProgress?.({ fid: fileId, bytesRead: offset, total });
    }
    return { present: true, fid: fileId, bytes: file };
  }

  /**
   * INTERNAL AUTHENTICATE for Active Authentication (9303-11 §6.1): sends `challenge` (8 bytes)
   * under secure messaging and returns the chip's signature, unverified (aa.ts checks it against
   * DG15). Asks for up to 256 bytes; with extended length where allowed, since a protected
   * RSA-2048 signature does not fit a short response.
   */
  async internalAuthenticate(challenge: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const cmd: CommandApdu = { cla: 0, ins: 0x88, p1: 0, p2: 0, data: challenge, le: 256 };
    let response: SmResponse | undefined;
    if (this.#extendedAllowed()) {
      try {
        response = await this.transmitProtected(cmd, { extended: true }, signal);
      } catch (error) {
        if (signal?.aborted === true || !isExtendedRefusal(error)) throw error;
      }
      if (response === undefined || response.sw === sw.wrongLength) {
        await this.#fallBackToShort(signal);
        response = undefined;
      }
    }
    response ??= await this.transmitProtected(cmd, {}, signal);
    if (response.sw !== sw.ok) throw new ChipStatusError('INTERNAL AUTHENTICATE', response.sw);
    if (response.data.length === 0) {
      throw new ChipResponseError('INTERNAL AUTHENTICATE', 'no signature in the response');
    }
    return response.data;
  }

  /**
   * Sends one command under secure messaging and unprotects the answer. A transport or secure-
   * messaging failure ends the session (the SSCs can no longer be trusted to agree).
   */
  async transmitProtected(
    cmd: CommandApdu,
    options: { readonly extended?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<SmResponse> {
    const sm = this.#session();
    try {
      const apdu = sm.protectCommand(cmd, { extended: options.extended === true });
      return sm.unprotectResponse(await this.#transport.transmit(apdu, signal));
    } catch (error) {
      this.#endSession();
      throw error;
    }
  }

  /** Ends the session and zeroes its keys (the MRZ-derived keys are kept for a re-open). */
  close(): void {
    this.#endSession();
  }

  /** SELECT EF by FID under SM (9303-10 §4.5: P1 02, P2 0C); false on 6A82. */
  async #selectFile(fileId: number, signal?: AbortSignal): Promise<boolean> {
    const data = Uint8Array.of((fileId >> 8) & 0xff, fileId & 0xff);
    const r = await this.transmitProtected(
      { cla: 0, ins: 0xa4, p1: 0x02, p2: 0x0c, data },
      {},
      signal,
    );
    if (r.sw === sw.fileNotFound) return false;
    if (r.sw !== sw.ok) throw new ChipStatusError('SELECT EF', r.sw);
    return true;
  }

  /**
   * One READ BINARY at `offset` of up to `remaining` bytes, asking for at most `max` plain response
   * bytes: B0, or B1 with DO'54' past offset 0x7FFF.
   */
  async #readChunk(
    fileId: number,
    offset: number,
    remaining: number,
    max: number,
    extended: boolean,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    let cmd: CommandApdu;
    let want: number;
    if (offset <= maxB0Offset) {
      want = Math.min(remaining, max);
      cmd = { cla: 0, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, le: want };
    } else {
      // B1 (ISO 7816-4 §11.2.3): offset in DO'54', data back in DO'53' whose header counts in Ne;
      // P1 P2 = 0000 reads the current EF.
      const offsetBytes =
        offset <= 0xffff
          ? Uint8Array.of(offset >> 8, offset & 0xff)
          : Uint8Array.of(offset >> 16, (offset >> 8) & 0xff, offset & 0xff);
      const data = Uint8Array.of(0x54, offsetBytes.length, ...offsetBytes);
      // DO'53' takes at most 4 of the `max` bytes (53 82 xx xx).
      want = Math.min(remaining, max - 4);
      cmd = { cla: 0, ins: 0xb1, p1: 0, p2: 0, data, le: want + 1 + encodeLength(want).length };
    }
    const r = await this.transmitProtected(cmd, { extended }, signal);
    // 6282: end of file before Ne bytes, with the bytes there were (ISO 7816-4 Table 5).
    if (r.sw !== sw.ok && r.sw !== sw.endOfFile) throw new ChipStatusError('READ BINARY', r.sw);
    let data = r.data;
    if (cmd.ins === 0xb1 && data.length > 0) {
      const tlv = readBerTlv(data);
      if (!tlv.ok || tlv.tlv.tag !== 0x53 || tlv.tlv.bytes.length !== data.length) {
        throw new ChipFileError(fileId, 'response', 'READ BINARY (B1) data is not one DO53');
      }
      data = tlv.tlv.content;
    }
    if (data.length > want) {
      throw new ChipFileError(
        fileId,
        'overlong',
        `${data.length} bytes at ${offset}, ${want} asked`,
      );
    }
    return data;
  }

  #extendedAllowed(): boolean {
    return !this.#extendedRefused && this.#transport.extendedLength !== false;
  }

  /** Extended length failed: remember it, and open a fresh session to go on with short APDUs. */
  async #fallBackToShort(signal?: AbortSignal): Promise<void> {
    this.#extendedRefused = true;
    this.#transport.noteExtendedLengthRefused();
    const keys = this.#keys;
    if (keys === undefined) throw new Error('EmrtdReader: no BAC keys to re-open with');
    await this.selectApplication(signal);
    await this.authenticate(keys, signal === undefined ? {} : { signal });
  }

  #session(): SecureMessaging {
    if (this.#sm === undefined) {
      throw new Error('EmrtdReader: no secure-messaging session (call open() first)');
    }
    return this.#sm;
  }

  #endSession(): void {
    this.#sm?.destroy();
    this.#sm = undefined;
  }
}

/**
 * Whether `error`, on an extended-length command, means the reader/driver or the card refused
 * extended length (DESIGN §3.1): 6700 wrong length, a transport error (pcsc-lite reports
 * 0x80100016 for it, the same code as some removals: a real removal fails again on re-open and
 * surfaces then), or a response mangled on the way (a reader that truncates long responses).
 */
function isExtendedRefusal(error: unknown): boolean {
  if (error instanceof ChipStatusError) return error.statusWord === sw.wrongLength;
  if (error instanceof SecureMessagingError || error instanceof ChipResponseError) return true;
  if (error instanceof ChipFileError) return false;
  return error instanceof Error;
}
