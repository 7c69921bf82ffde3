import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retailMac as retailMacOf } from '../../../drivers/emrtd/crypto.js';
import { bacKeySeedInput } from '../../../drivers/emrtd/mrz.js';
import { EmrtdReader, fid } from '../../../drivers/emrtd/reader.js';
import { SecureMessaging } from '../../../drivers/emrtd/secureMessaging.js';
import {
  BacFailedError,
  ChipFileError,
  ChipStatusError,
  KioskError,
  NotAnEmrtdError,
  SecureMessagingError,
  SecureMessagingMacError,
  SecureMessagingStatusMissingError,
} from '../../../src/errors/index.js';
import { readBerTlv, readTlvHeader } from '../../../src/shared/der.js';
import { appendixD, appendixDScript } from '../../fixtures/apdu/icaoAppendixD.js';
import { FakeEmrtdChip, type FakeEmrtdChipOptions } from '../../support/fakeEmrtdChip.js';
import { mutate, mutations, propertyTimeout } from '../../support/property.js';
import { ScriptedTransport } from '../../support/scriptedTransport.js';

// Faults: files not present, BAC refused, and hostile or damaged responses (DESIGN §8).

const mrzInfo = bacKeySeedInput('L898902C', '690806', '940623');
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const injected = { rndIfd: bytes(appendixD.rndIfd), kIfd: bytes(appendixD.kIfd) };

function chip(options: Partial<FakeEmrtdChipOptions> = {}) {
  const files = new Map([
    [fid.com, bytes(appendixD.efCom)],
    [fid.dg2, Uint8Array.from([0x75, 0x82, 0x0b, 0xb8, ...randomBytes(3000)])],
  ]);
  return new FakeEmrtdChip({ mrzInfo, files, extendedLength: false, ...options });
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('files that are not there', () => {
  it('6A82 on SELECT EF is a "not present" result, not an exception', async () => {
    const reader = new EmrtdReader(chip());
    await reader.open({ mrzInfo });
    expect(await reader.readFile(fid.dg11)).toEqual({ present: false, fid: fid.dg11 });
    // The session goes on.
    expect((await reader.readFile(fid.com)).present).toBe(true);
  });

  it('a bare 6A82 (no SM objects) is taken as not present too', async () => {
    const script = [
      ...appendixDScript.slice(0, 3),
      {
        note: 'SELECT EF.COM, bare 6A82',
        command: appendixDScript[3]?.command ?? '',
        response: '6A82',
      },
    ];
    const reader = new EmrtdReader(new ScriptedTransport(script));
    await reader.open({ mrzInfo: appendixD.mrzInfo }, injected);
    expect(await reader.readFile(fid.com)).toEqual({ present: false, fid: fid.com });
  });

  it('a chip without the eMRTD application', async () => {
    const transport = new ScriptedTransport([
      { note: 'SELECT', command: '00A4040C07A0000002471001', response: '6A82' },
    ]);
    const error = await caught(() => new EmrtdReader(transport).open({ mrzInfo }));
    expect(error).toBeInstanceOf(NotAnEmrtdError);
  });
});

describe('BAC refused', () => {
  it.each([0x6300, 0x6982, 0x63c2])('EXTERNAL AUTHENTICATE answered %s', async (status) => {
    const error = await caught(() =>
      new EmrtdReader(chip({ externalAuthenticateStatus: status })).open({ mrzInfo }),
    );
    expect(error).toBeInstanceOf(BacFailedError);
    expect(error).toMatchObject({
      code: 'EMRTD_BAC_FAILED',
      reason: 'chipAccessDenied',
      statusWord: status,
    });
    expect((error as BacFailedError).visitor.en).toMatch(/document number.*birth.*expiry/);
    expect((error as BacFailedError).visitor.ko).toMatch(/문서 번호.*생년월일.*만료일/);
  });

  it('a wrong MRZ: the card answers 6300', async () => {
    const wrong = bacKeySeedInput('L898902C', '690806', '940624');
    const error = await caught(() => new EmrtdReader(chip()).open({ mrzInfo: wrong }));
    expect(error).toMatchObject({
      code: 'EMRTD_BAC_FAILED',
      problem: 'refused',
      statusWord: 0x6300,
    });
  });

  it('a chip answer whose MAC does not verify', async () => {
    const script = appendixDScript
      .slice(0, 3)
      .map((s, i) => (i === 2 ? { ...s, response: s.response.replace(/^46/, '47') } : s));
    const error = await caught(() =>
      new EmrtdReader(new ScriptedTransport(script)).open({ mrzInfo: appendixD.mrzInfo }, injected),
    );
    expect(error).toMatchObject({ code: 'EMRTD_BAC_FAILED', problem: 'badMac' });
  });

  it('GET CHALLENGE refused is a status error, not a BAC verdict on the MRZ', async () => {
    const transport = new ScriptedTransport([
      appendixDScript[0] ?? { note: '', command: '', response: '' },
      { note: 'GET CHALLENGE', command: '0084000008', response: '6D00' },
    ]);
    const error = await caught(() => new EmrtdReader(transport).open({ mrzInfo }));
    expect(error).toBeInstanceOf(ChipStatusError);
  });
});

describe('secure messaging refusals', () => {
  const keys = {
    ksEnc: bytes(appendixD.ksEnc),
    ksMac: bytes(appendixD.ksMac),
    ssc: bytes(appendixD.ssc),
  };

  it('a response without DO99 is refused', () => {
    const card = SecureMessaging.tripleDes(keys);
    const ifd = SecureMessaging.tripleDes(keys);
    card.unprotectCommand(ifd.protectCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 4 }));
    // A well-MACed response with no DO99: DO87 then DO8E, as a card that forgot it would send.
    const good = card.protectResponse(Uint8Array.of(1, 2, 3, 4), 0x9000);
    const do87 = good.subarray(0, 2 + (good[1] ?? 0));
    const mac = macOver(keys, 2, do87);
    expect(() =>
      ifd.unprotectResponse(Uint8Array.of(...do87, 0x8e, 0x08, ...mac, 0x90, 0x00)),
    ).toThrow(SecureMessagingStatusMissingError);
  });

  it('a bad MAC, a missing MAC, 6987/6988 and a bare 9000 are refused', () => {
    for (const response of [
      '990290008E080000000000000000' + '9000',
      '99029000' + '9000',
      '6988',
      '6987',
      '9000',
    ]) {
      const ifd = SecureMessaging.tripleDes(keys);
      expect(() => ifd.unprotectResponse(bytes(response))).toThrow(SecureMessagingMacError);
    }
  });
});

/** DO8E content over SSC+n ‖ objects, computed with a throwaway card-side session. */
function macOver(
  keys: { ksEnc: Uint8Array; ksMac: Uint8Array; ssc: Uint8Array },
  increments: number,
  objects: Uint8Array,
): Uint8Array {
  const ssc = Uint8Array.from(keys.ssc);
  for (let n = 0; n < increments; n++) {
    for (let i = ssc.length - 1; i >= 0; i--) {
      ssc[i] = ((ssc[i] ?? 0) + 1) & 0xff;
      if (ssc[i] !== 0) break;
    }
  }
  return retailMacOf(keys.ksMac, Uint8Array.of(...ssc, ...objects));
}

describe('bounded against a hostile chip', () => {
  it('a chip that sends one byte per READ is cut off', async () => {
    const card = chip({ maxReadChunk: 1 });
    const reader = new EmrtdReader(card);
    await reader.open({ mrzInfo });
    const error = await caught(() => reader.readFile(fid.dg2));
    expect(error).toMatchObject({ code: 'EMRTD_FILE', problem: 'tooManyCommands' });
    expect(card.commands.length).toBeLessThan(16 + 3004 / 32 + 8);
  });

  it('a chip that sends nothing', async () => {
    const reader = new EmrtdReader(chip({ maxReadChunk: 0 }));
    await reader.open({ mrzInfo });
    expect(await caught(() => reader.readFile(fid.dg2))).toBeInstanceOf(ChipFileError);
  });

  it('a file announcing more than the limit is refused before anything is allocated', async () => {
    const files = new Map([[fid.dg2, Uint8Array.of(0x75, 0x83, 0xff, 0xff, 0xff)]]);
    const reader = new EmrtdReader(new FakeEmrtdChip({ mrzInfo, files, extendedLength: false }));
    await reader.open({ mrzInfo });
    expect(await caught(() => reader.readFile(fid.dg2))).toMatchObject({ problem: 'tooLarge' });
  });

  it.each([
    ['no header', Uint8Array.of(0x75)],
    ['indefinite length', Uint8Array.of(0x75, 0x80, 1, 2, 3)],
    ['five length bytes', Uint8Array.of(0x75, 0x85, 1, 2, 3, 4, 5)],
  ])('a broken header: %s', async (_, file) => {
    const files = new Map([[fid.dg2, file]]);
    const reader = new EmrtdReader(new FakeEmrtdChip({ mrzInfo, files, extendedLength: false }));
    await reader.open({ mrzInfo });
    expect(await caught(() => reader.readFile(fid.dg2))).toMatchObject({ problem: 'header' });
  });
});

/** A damaged response: bytes flipped, cut short, extended, or replaced by random SM-like TLVs. */
const damage: fc.Arbitrary<(r: Uint8Array) => Uint8Array> = fc.oneof(
  mutations.map((edits) => (r: Uint8Array) => (r.length === 0 ? r : mutate(r, edits))),
  fc.nat().map((n) => (r: Uint8Array) => r.subarray(0, n % (r.length + 1))),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map(
      (extra) => (r: Uint8Array) =>
        Uint8Array.of(...r.subarray(0, Math.max(0, r.length - 2)), ...extra, ...r.subarray(-2)),
    ),
  fc
    .array(
      fc.record({
        tag: fc.constantFrom(0x85, 0x87, 0x97, 0x99, 0x8e, 0x53, 0x00, 0xff, 0x5f),
        length: fc.constantFrom(0, 1, 2, 8, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff),
        body: fc.uint8Array({ maxLength: 24 }),
      }),
      { maxLength: 5 },
    )
    .map(
      (tlvs) => () =>
        Uint8Array.of(...tlvs.flatMap((t) => [t.tag, t.length, ...t.body]), 0x90, 0x00),
    ),
);

describe('property: damaged responses never escape as anything but typed errors, never hang', () => {
  it(
    'the reader against a card whose n-th response is damaged',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 30 }),
          damage,
          fc.constantFrom(false, undefined),
          async (target, hurt, extendedLength) => {
            const card = chip({
              extendedLength,
              tamper: (r, i) => (i === target ? hurt(r) : r),
            });
            const reader = new EmrtdReader(card);
            try {
              await reader.open({ mrzInfo });
              const dg2 = await reader.readFile(fid.dg2);
              expect(dg2.present).toBe(true);
              await reader.internalAuthenticate(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
            } catch (error) {
              if (!(error instanceof KioskError)) throw error;
            }
            expect(card.commands.length).toBeLessThan(200);
          },
        ),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    "the Appendix D exchange: any damage to the chip's answers is detected or harmless",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 5 }), damage, async (target, hurt) => {
          const script = appendixDScript.map((s, i) =>
            i === target
              ? { ...s, response: Buffer.from(hurt(bytes(s.response))).toString('hex') }
              : s,
          );
          const reader = new EmrtdReader(new ScriptedTransport(script));
          try {
            await reader.open({ mrzInfo: appendixD.mrzInfo }, injected);
            const result = await reader.readFile(fid.com);
            // What was read is EF.COM itself: damage never changes the data silently.
            if (result.present) {
              expect(Buffer.from(result.bytes).toString('hex').toUpperCase()).toBe(appendixD.efCom);
            }
          } catch (error) {
            if (!(error instanceof KioskError)) throw error;
          }
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it('unprotectResponse and unprotectCommand on arbitrary bytes', () => {
    const keys = { ksEnc: new Uint8Array(16), ksMac: new Uint8Array(16), ssc: new Uint8Array(8) };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (input) => {
        for (const run of [
          () => SecureMessaging.tripleDes(keys).unprotectResponse(input),
          () => SecureMessaging.tripleDes(keys).unprotectCommand(input),
        ]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(SecureMessagingError);
          }
        }
        // The TLV reader answers with values, never exceptions.
        readTlvHeader(input, 0, 'ber');
        readBerTlv(input);
      }),
      { numRuns: 1000 },
    );
  });
});
