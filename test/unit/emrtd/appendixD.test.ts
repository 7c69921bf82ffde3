import { describe, expect, it } from 'vitest';
import {
  bacKeys,
  bacSession,
  iccAuthenticate,
  ifdAuthenticationData,
} from '../../../drivers/emrtd/bac.js';
import { bacKeySeed, deriveDesKey, retailMac } from '../../../drivers/emrtd/crypto.js';
import { bacKeySeedInput, parseMrz } from '../../../drivers/emrtd/mrz.js';
import { EmrtdReader, fid } from '../../../drivers/emrtd/reader.js';
import { SecureMessaging } from '../../../drivers/emrtd/secureMessaging.js';
import { appendixD, appendixDScript } from '../../fixtures/apdu/icaoAppendixD.js';
import { ScriptedTransport } from '../../support/scriptedTransport.js';

// ICAO 9303-11 Appendix D, byte for byte (DESIGN §3.2).

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
/** Keys compared with the DES parity bit (the low bit of each byte) masked (DESIGN §3.2). */
const masked = (b: Uint8Array | string) =>
  hex((typeof b === 'string' ? bytes(b) : b).map((x) => x & 0xfe));
const step = (n: number) => {
  const s = appendixDScript[n];
  if (s === undefined) throw new Error(`no step ${n}`);
  return s;
};

describe('ICAO 9303-11 Appendix D', () => {
  it('MRZ_info from the MRZ', () => {
    expect(bacKeySeedInput('L898902C', '690806', '940623')).toBe(appendixD.mrzInfo);
  });

  it('Kseed, Kenc and Kmac (D.2)', () => {
    expect(hex(bacKeySeed(appendixD.mrzInfo))).toBe(appendixD.kSeed);
    const keys = bacKeys(appendixD.mrzInfo);
    expect(masked(keys.kEnc)).toBe(masked(appendixD.kEnc));
    expect(masked(keys.kMac)).toBe(masked(appendixD.kMac));
    // deriveDesKey adjusts parity, so these match the printed keys exactly too.
    expect(hex(deriveDesKey(bytes(appendixD.kSeed), 1))).toBe(appendixD.kEnc);
  });

  it('E_IFD and M_IFD (D.3)', () => {
    const data = ifdAuthenticationData(
      bacKeys(appendixD.mrzInfo),
      bytes(appendixD.rndIc),
      bytes(appendixD.rndIfd),
      bytes(appendixD.kIfd),
    );
    expect(hex(data)).toBe(appendixD.eIfd + appendixD.mIfd);
    expect(hex(retailMac(bytes(appendixD.kMac), bytes(appendixD.eIfd)))).toBe(appendixD.mIfd);
  });

  it('session keys and SSC (D.3)', () => {
    const s = bacSession(
      bytes(appendixD.kIfd),
      bytes(appendixD.kIcc),
      bytes(appendixD.rndIc),
      bytes(appendixD.rndIfd),
    );
    expect(masked(s.ksEnc)).toBe(masked(appendixD.ksEnc));
    expect(masked(s.ksMac)).toBe(masked(appendixD.ksMac));
    expect(hex(s.ssc)).toBe(appendixD.ssc);
  });

  it('the card side answers EXTERNAL AUTHENTICATE with the chip response', () => {
    const { response, session } = iccAuthenticate(
      bacKeys(appendixD.mrzInfo),
      bytes(appendixD.rndIc),
      bytes(appendixD.kIcc),
      bytes(appendixD.eIfd + appendixD.mIfd),
    );
    expect(hex(response)).toBe(appendixD.chipResponse);
    expect(hex(session.ssc)).toBe(appendixD.ssc);
  });

  it('the card side unprotects the commands and protects the responses byte for byte (D.4)', () => {
    const card = SecureMessaging.tripleDes({
      ksEnc: bytes(appendixD.ksEnc),
      ksMac: bytes(appendixD.ksMac),
      ssc: bytes(appendixD.ssc),
    });
    const select = card.unprotectCommand(bytes(step(3).command));
    expect(select).toMatchObject({ cla: 0, ins: 0xa4, p1: 2, p2: 0x0c });
    expect(hex(select.data ?? new Uint8Array())).toBe('011E');
    expect(hex(card.protectResponse(new Uint8Array(0), 0x9000))).toBe(step(3).response);

    const read4 = card.unprotectCommand(bytes(step(4).command));
    expect(read4).toMatchObject({ ins: 0xb0, p1: 0, p2: 0, le: 4 });
    const efCom = bytes(appendixD.efCom);
    expect(hex(card.protectResponse(efCom.subarray(0, 4), 0x9000))).toBe(step(4).response);

    const readRest = card.unprotectCommand(bytes(step(5).command));
    expect(readRest).toMatchObject({ ins: 0xb0, p1: 0, p2: 4, le: 0x12 });
    expect(hex(card.protectResponse(efCom.subarray(4), 0x9000))).toBe(step(5).response);
  });

  it('the reader plays the whole exchange and reads EF.COM', async () => {
    const transport = new ScriptedTransport(appendixDScript, false);
    const reader = new EmrtdReader(transport);
    const mrz = parseMrz(['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', appendixD.mrzLine2]);
    expect(mrz.mrzInfo).toBe(appendixD.mrzInfo);
    await reader.open(mrz, { rndIfd: bytes(appendixD.rndIfd), kIfd: bytes(appendixD.kIfd) });
    const progress: unknown[] = [];
    const result = await reader.readFile(fid.com, (p) => progress.push(p));
    expect(transport.sent).toEqual(appendixDScript.map((s) => s.command.toUpperCase()));
    expect(transport.done).toBe(true);
    expect(result.present && hex(result.bytes)).toBe(appendixD.efCom);
    expect(progress).toEqual([
      { fid: 0x011e, bytesRead: 4, total: 22 },
      { fid: 0x011e, bytesRead: 22, total: 22 },
    ]);
  });

  it('with extended length unknown, a file this small is still read in short APDUs', async () => {
    const transport = new ScriptedTransport(appendixDScript, undefined);
    const reader = new EmrtdReader(transport);
    await reader.open(
      { mrzInfo: appendixD.mrzInfo },
      { rndIfd: bytes(appendixD.rndIfd), kIfd: bytes(appendixD.kIfd) },
    );
    const result = await reader.readFile(fid.com);
    expect(result.present && hex(result.bytes)).toBe(appendixD.efCom);
    expect(transport.done).toBe(true);
  });
});
