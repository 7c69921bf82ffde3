import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bacKeySeedInput } from '../../../drivers/emrtd/mrz.js';
import { EmrtdReader, fid, type ReadProgress } from '../../../drivers/emrtd/reader.js';
import { SecureMessaging } from '../../../drivers/emrtd/secureMessaging.js';
import { FakeEmrtdChip, type FakeEmrtdChipOptions } from '../../support/fakeEmrtdChip.js';
import { propertyTimeout } from '../../support/property.js';

// IFD ↔ ICC round trips: the reader against the card halves of BAC and SM (test/support).

const mrzInfo = bacKeySeedInput('L898902C', '690806', '940623');

/** An LDS-like file: tag 75 and a long-form length around `valueLength` random bytes. */
function ldsFile(valueLength: number): Uint8Array {
  const value = randomBytes(valueLength);
  const length =
    valueLength < 0x80
      ? [valueLength]
      : valueLength < 0x100
        ? [0x81, valueLength]
        : valueLength < 0x10000
          ? [0x82, valueLength >> 8, valueLength & 0xff]
          : [0x83, valueLength >> 16, (valueLength >> 8) & 0xff, valueLength & 0xff];
  return Uint8Array.from([0x75, ...length, ...value]);
}

function chip(files: Map<number, Uint8Array>, options: Partial<FakeEmrtdChipOptions> = {}) {
  return new FakeEmrtdChip({ mrzInfo, files, extendedLength: false, ...options });
}

async function readAll(card: FakeEmrtdChip, fileId: number) {
  const reader = new EmrtdReader(card);
  await reader.open({ mrzInfo });
  const progress: ReadProgress[] = [];
  const result = await reader.readFile(fileId, (p) => progress.push(p));
  return { reader, result, progress };
}

describe('secure messaging, terminal ↔ card', () => {
  it('random keys and SSC: commands and responses survive both directions', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.array(
          fc.record({
            ins: fc.constantFrom(0xa4, 0xb0, 0xb1, 0x88),
            data: fc.uint8Array({ maxLength: 300 }),
            le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
            answer: fc.uint8Array({ maxLength: 1000 }),
            status: fc.constantFrom(0x9000, 0x6282, 0x6a82),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (ksEnc, ksMac, ssc, exchanges) => {
          const ifd = SecureMessaging.tripleDes({ ksEnc, ksMac, ssc });
          const icc = SecureMessaging.tripleDes({ ksEnc, ksMac, ssc });
          for (const x of exchanges) {
            const cmd = {
              cla: 0,
              ins: x.ins,
              p1: 1,
              p2: 2,
              data: x.data,
              ...(x.le === undefined ? {} : { le: x.le }),
            };
            const got = icc.unprotectCommand(ifd.protectCommand(cmd, { extended: true }));
            expect(got).toEqual({
              cla: 0,
              ins: x.ins,
              p1: 1,
              p2: 2,
              ...(x.data.length === 0 ? {} : { data: x.data }),
              ...(x.le === undefined ? {} : { le: x.le }),
            });
            const back = ifd.unprotectResponse(
              icc.protectResponse(x.answer, x.status, { oddIns: x.ins === 0xb1 }),
            );
            expect(back).toEqual({ data: x.answer, sw: x.status, authenticated: true });
          }
          expect(ifd.ssc).toEqual(icc.ssc);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('EmrtdReader against the card side', () => {
  it('reads random files up to 40 KB in short APDUs, B1 past offset 0x7FFF', async () => {
    const sizes = [0, 1, 200, 227, 228, 229, 1000, 0x7fff - 4, 0x8000, 40 * 1024];
    for (const size of sizes) {
      const file = ldsFile(size);
      const card = chip(new Map([[fid.dg2, file]]));
      const { result, progress } = await readAll(card, fid.dg2);
      expect(result.present && Buffer.from(result.bytes).equals(file)).toBe(true);
      expect(progress.at(-1)).toEqual({ fid: fid.dg2, bytesRead: file.length, total: file.length });
      expect(progress.map((p) => p.bytesRead)).toEqual(
        [...progress.map((p) => p.bytesRead)].sort((a, b) => a - b),
      );
      const b1 = card.commands.filter((c) => c[1] === 0xb1).length;
      if (file.length <= 0x8000) expect(b1).toBe(0);
      if (file.length > 0x9000) expect(b1).toBeGreaterThan(0);
      // Every short read but the last brings 231 bytes (B1: 227): the fewest APDUs possible.
      const reads = card.commands.filter((c) => c[1] === 0xb0 || c[1] === 0xb1).length;
      expect(reads).toBeLessThanOrEqual(2 + Math.ceil(file.length / 227));
    }
  });

  it('reads with DO85 answers to B1, and from a chip that sends less than asked', async () => {
    const file = ldsFile(36_000);
    for (const options of [{ b1WithDo85: true }, { maxReadChunk: 100 }]) {
      const card = chip(new Map([[fid.dg2, file]]), options);
      const { result } = await readAll(card, fid.dg2);
      expect(result.present && Buffer.from(result.bytes).equals(file)).toBe(true);
    }
  });

  it('uses extended length where the transport allows it', async () => {
    const file = ldsFile(40 * 1024);
    const card = chip(new Map([[fid.dg2, file]]), { extendedLength: true, extended: 'pass' });
    const { result } = await readAll(card, fid.dg2);
    expect(result.present && Buffer.from(result.bytes).equals(file)).toBe(true);
    expect(card.commands.filter((c) => c[1] === 0xb0 || c[1] === 0xb1).length).toBeLessThan(16);
    expect(card.refusedNoted).toBe(0);
  });

  it.each(['throw', 'wrongLength'] as const)(
    'falls back to short reads when extended length is refused (%s), and remembers',
    async (extended) => {
      const file = ldsFile(40 * 1024);
      const card = chip(
        new Map([
          [fid.dg2, file],
          [fid.sod, ldsFile(3000)],
        ]),
        {
          extendedLength: undefined,
          extended,
        },
      );
      const { reader, result } = await readAll(card, fid.dg2);
      expect(result.present && Buffer.from(result.bytes).equals(file)).toBe(true);
      expect(card.refusedNoted).toBe(1);
      expect(card.extendedLength).toBe(false);
      const before = card.commands.length;
      const sod = await reader.readFile(fid.sod);
      expect(sod.present).toBe(true);
      expect(card.commands.slice(before).every((c) => !(c.length > 5 && c[4] === 0))).toBe(true);
    },
  );

  it('INTERNAL AUTHENTICATE returns the signature (extended, then short after a refusal)', async () => {
    const challenge = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const signature = new Uint8Array(randomBytes(256));
    for (const extended of ['pass', 'throw'] as const) {
      const card = chip(new Map(), {
        extendedLength: undefined,
        extended,
        sign: () => (extended === 'pass' ? signature : signature.subarray(0, 128)),
      });
      const reader = new EmrtdReader(card);
      await reader.open({ mrzInfo });
      const got = await reader.internalAuthenticate(challenge);
      expect(Buffer.from(got)).toEqual(
        Buffer.from(extended === 'pass' ? signature : signature.subarray(0, 128)),
      );
    }
  });

  it(
    'random files and chunking: what the card holds is what the reader returns',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 40 * 1024 }),
          fc.option(fc.integer({ min: 8, max: 300 }), { nil: undefined }),
          fc.boolean(),
          async (size, maxReadChunk, b1WithDo85) => {
            const file = ldsFile(size);
            const card = chip(new Map([[fid.dg1, file]]), {
              b1WithDo85,
              ...(maxReadChunk === undefined ? {} : { maxReadChunk }),
            });
            const reader = new EmrtdReader(card, { maxApdusPerFile: 6000 });
            await reader.open({ mrzInfo });
            const result = await reader.readFile(fid.dg1);
            expect(result.present && Buffer.from(result.bytes).equals(file)).toBe(true);
          },
        ),
        { numRuns: 25 },
      );
    },
    propertyTimeout,
  );
});
