import { describe, expect, it } from 'vitest';
import { formatDrive } from '../../src/service/drives.js';
import { list } from '../../src/service/list.js';
import type { ProgressEvent, Step } from '../../src/service/progress.js';
import { spentOf } from '../../src/service/spent.js';
import { check } from '../../src/service/check.js';
import { changePin, initToken, listTokens } from '../../src/service/tokens.js';
import { softhsmSoPin } from '../support/softhsm.js';
import {
  cancelledAt,
  expectCounted,
  holdingIn,
  worldsFor,
  type Material,
  type MediumKind,
  type ServiceWorld,
} from '../support/serviceWorld.js';

// Issue 12 acceptance, the operations on one medium that change nothing at the CA: checking a
// certificate (it changes nothing anywhere: cancelled, it just stops), formatting a drive,
// re-initialising a token and changing its PIN. Cancelled before their one write (mkfs,
// C_InitToken, C_SetPIN) the medium is as it was; the write itself is never cut, as half of it
// is neither the old medium nor the new one. Run beside test/contract/serviceAbort.ts.

/** The suite for one medium (a folder has only the check). */
export function serviceMediumSuite(
  name: string,
  kind: MediumKind,
  make: (material: Material) => Promise<ServiceWorld>,
): void {
  const world = worldsFor(make);
  const holding = async () => holdingIn(await world());

  describe(`service check on ${name}`, () => {
    const checking = (w: ServiceWorld) => (signal?: AbortSignal, onProgress?: (s: Step) => void) =>
      check(w.ctx, {
        medium: w.medium,
        secret: w.secret,
        idn: '9001011234568',
        ...(signal === undefined ? {} : { signal }),
        onProgress: (e) => onProgress?.(e.step),
      });

    it('reports prepare, verify and passes', async () => {
      const { w } = await holding();
      const events: ProgressEvent[] = [];
      const report = await check(w.ctx, {
        medium: w.medium,
        secret: w.secret,
        idn: '9001011234568',
        onProgress: (e) => events.push(e),
      });
      expect(events.map((e) => e.step)).toEqual(['prepare', 'verify']);
      expectCounted(events);
      expect(report).toMatchObject({ passwordOk: true, keyMatchesCert: true, vidOk: true });
    }, 60_000);

    it.each(['prepare', 'verify'] as const)(
      'cancelled as %s begins: stopped, the medium as it was',
      async (at) => {
        const { w, serial } = await holding();
        const { seen, outcome } = await cancelledAt(at, checking(w));
        expect(seen.at(-1)).toBe(at);
        expect(outcome.ok ? undefined : (outcome.error as Error).name).toBe('AbortError');
        expect(await w.serials()).toEqual([serial]);
        expect(await checking(w)()).toMatchObject({ keyMatchesCert: true });
      },
      60_000,
    );
  });

  if (kind === 'usb')
    describe(`service formatDrive on ${name}`, () => {
      const formatting =
        (w: ServiceWorld) => (signal: AbortSignal, onProgress: (s: Step) => void) =>
          formatDrive(w.ctx, {
            device: w.medium.kind === 'usb' ? w.medium.device : '',
            label: 'FRESH',
            confirmErase: true,
            signal,
            onProgress: (e) => {
              onProgress(e.step);
            },
          });

      it('reports prepare, write, readBack in order and leaves an empty FAT32', async () => {
        const { w } = await holding();
        const events: ProgressEvent[] = [];
        await formatDrive(w.ctx, {
          device: w.medium.kind === 'usb' ? w.medium.device : '',
          label: 'FRESH',
          confirmErase: true,
          onProgress: (e) => events.push(e),
        });
        expect(events.map((e) => e.step)).toEqual(['prepare', 'write', 'readBack']);
        expectCounted(events);
        expect((await list(w.ctx, { medium: w.medium })).certificates).toEqual([]);
      }, 60_000);

      it.each(['prepare', 'write'] as const)(
        'cancelled as %s begins: the drive untouched',
        async (at) => {
          const { w, serial } = await holding();
          const { seen, outcome } = await cancelledAt(at, formatting(w));
          expect(seen.at(-1)).toBe(at);
          expect(outcome.ok ? undefined : (outcome.error as Error).name).toBe('AbortError');
          expect(outcome.ok ? undefined : spentOf(outcome.error)).toBe('nothing');
          expect(await w.serials()).toEqual([serial]);
        },
        60_000,
      );

      it('cancelled as the read-back begins: the format completes', async () => {
        const { w } = await holding();
        const { outcome } = await cancelledAt('readBack', formatting(w));
        expect(outcome.ok).toBe(true);
        expect((await list(w.ctx, { medium: w.medium })).certificates).toEqual([]);
      }, 60_000);
    });

  if (kind === 'token')
    describe(`service changePin and initToken on ${name}`, () => {
      const label = (w: ServiceWorld): string => (w.medium.kind === 'token' ? w.medium.label : '');
      const newPin = Buffer.from('864200');
      const changing =
        (w: ServiceWorld, from: Uint8Array, to: Uint8Array) =>
        (signal?: AbortSignal, onProgress?: (s: Step) => void) =>
          changePin(w.ctx, {
            label: label(w),
            pin: from,
            newPin: to,
            ...(signal === undefined ? {} : { signal }),
            onProgress: (e) => onProgress?.(e.step),
          });

      it.each(['prepare', 'write'] as const)(
        'PIN change cancelled as %s begins: the old PIN still holds',
        async (at) => {
          const { w } = await holding();
          const { seen, outcome } = await cancelledAt(at, changing(w, w.secret.bytes, newPin));
          expect(seen.at(-1)).toBe(at);
          expect(outcome.ok ? undefined : (outcome.error as Error).name).toBe('AbortError');
          // The old PIN logs in: the change goes through from it.
          await changing(w, w.secret.bytes, newPin)();
          await changing(w, newPin, w.secret.bytes)();
        },
        60_000,
      );

      it('PIN change completes: the new PIN holds, the old one is refused', async () => {
        const { w } = await holding();
        const seen: Step[] = [];
        await changing(w, w.secret.bytes, newPin)(undefined, (s) => seen.push(s));
        expect(seen).toEqual(['prepare', 'write']);
        await expect(changing(w, w.secret.bytes, newPin)()).rejects.toThrow();
        await changing(w, newPin, w.secret.bytes)();
      }, 60_000);

      async function reinitialising() {
        const { w, serial } = await holding();
        const token = (await listTokens(w.ctx)).find((t) => t.label === label(w));
        if (token === undefined) throw new Error('the world’s token is not listed');
        const run = (signal?: AbortSignal, onProgress?: (s: Step) => void) =>
          initToken(w.ctx, {
            label: `${label(w)}-new`.slice(-32),
            soPin: Buffer.from(softhsmSoPin),
            userPin: Buffer.from(w.secret.bytes),
            serial: token.serial,
            confirmErase: true,
            ...(signal === undefined ? {} : { signal }),
            onProgress: (e) => onProgress?.(e.step),
          });
        return { w, serial, run };
      }

      it.each(['prepare', 'write'] as const)(
        're-initialisation cancelled as %s begins: the token keeps its label and certificate',
        async (at) => {
          const { w, serial, run } = await reinitialising();
          const { seen, outcome } = await cancelledAt(at, run);
          expect(seen.at(-1)).toBe(at);
          expect(outcome.ok ? undefined : (outcome.error as Error).name).toBe('AbortError');
          expect(await w.serials()).toEqual([serial]);
        },
        60_000,
      );

      it('re-initialisation completes: the new label, nothing on it', async () => {
        const { w, run } = await reinitialising();
        const seen: Step[] = [];
        const info = await run(undefined, (s) => seen.push(s));
        expect(seen).toEqual(['prepare', 'write']);
        expect(info.label).toBe(`${label(w)}-new`.slice(-32));
        const renamed = { ...w.medium, label: info.label };
        expect((await list(w.ctx, { medium: renamed })).certificates).toEqual([]);
      }, 60_000);
    });
}
