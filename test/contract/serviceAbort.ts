import { CRLReasons } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent, Step } from '../../src/service/progress.js';
import { copy } from '../../src/service/copy.js';
import { renew } from '../../src/service/renew.js';
import { revoke } from '../../src/service/revoke.js';
import { spentOf, type Spent } from '../../src/service/spent.js';
import { parseCertificate, serialHex } from '../../src/npki/certificate.js';
import { sampleHolder, writeSampleNpki } from '../support/npkiSample.js';
import { tempDir } from '../support/tempDir.js';
import {
  cancelledAt,
  expectCounted,
  holdingIn,
  issuanceIn,
  worldsFor,
  type Material,
  type MediumKind,
  type ServiceWorld,
} from '../support/serviceWorld.js';

// Issue 12 acceptance: each operation on each medium, cancelled as each step begins. Before the
// CA is asked nothing is spent (the CA sees no request, the reference is still good, the medium
// holds what it held); once a certificate has arrived it is refused (certConf rejection: the CA
// revokes it) and the medium holds nothing of it; from the write on the operation completes and
// the CA is told. Progress arrives in order. Run against fakes (test/unit/service) and against
// the real drive code on an image and SoftHSM (test/integration/serviceAbort.real.test.ts).

/** The suite for one medium: `make` builds a fresh world holding nothing. */
export function serviceAbortSuite(
  name: string,
  kind: MediumKind,
  make: (material: Material) => Promise<ServiceWorld>,
): void {
  const world = worldsFor(make);

  async function issuing() {
    const w = await world();
    return { w, ...issuanceIn(w) };
  }

  /** A world whose medium holds one issued certificate. */
  async function holding() {
    return holdingIn(await world());
  }

  const expectedSteps: Record<MediumKind, Step[]> = {
    dir: ['prepare', 'keygen', 'request', 'verify', 'write', 'readBack', 'confirm'],
    usb: ['prepare', 'keygen', 'request', 'verify', 'write', 'readBack', 'confirm'],
    token: ['prepare', 'keygen', 'request', 'verify', 'write', 'confirm'],
  };

  /** What cancelling as a step begins must have spent (undefined: the operation completes). */
  const spentWhenCancelledAt: Partial<Record<Step, Spent>> = {
    prepare: 'nothing',
    keygen: 'nothing',
    request: 'nothing',
    verify: 'refused',
    write: 'refused',
  };

  describe(`service issue on ${name}`, () => {
    it('reports its steps in order and issues', async () => {
      const { w, run } = await issuing();
      const seen: Step[] = [];
      const events: ProgressEvent[] = [];
      const issued = await run(undefined, (s, e) => {
        seen.push(s);
        events.push(e);
      });
      expect(seen).toEqual(expectedSteps[kind]);
      expectCounted(events);
      expect(issued.kind).toBe(kind === 'token' ? 'token' : 'files');
      expect(await w.serials()).toEqual([issued.facts.serial]);
    }, 60_000);

    it.each(expectedSteps[kind])(
      'cancelled as %s begins',
      async (at) => {
        const { w, ref, run } = await issuing();
        const { seen, outcome } = await cancelledAt(at, run);
        const spent = spentWhenCancelledAt[at];
        if (spent === undefined) {
          // Past the write: completed, stored and confirmed.
          expect(outcome.ok).toBe(true);
          expect(await w.serials()).toHaveLength(1);
          expect(w.ca.bodyTypes.at(-1)).toBe('certConf');
          return;
        }
        expect(outcome.ok ? undefined : spentOf(outcome.error)).toBe(spent);
        // The step that saw the cancellation was the last one reported.
        expect(seen.at(-1)).toBe(at);
        expect(await w.serials()).toEqual([]);
        if (spent === 'nothing') {
          expect(w.ca.bodyTypes).not.toContain('ir');
          expect(w.ca.db.registration(ref)?.usedAt).toBeUndefined();
        } else {
          // The certificate arrived and was refused: the CA revoked it, the reference reopened.
          expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
          expect(w.ca.db.revocations()).toHaveLength(1);
          expect(w.ca.db.registration(ref)?.usedAt).toBeUndefined();
        }
      },
      60_000,
    );
  });

  const renewSteps: Step[] = ['prepare', 'keygen', 'request', 'verify', 'write', 'confirm'];

  describe(`service renew and revoke on ${name}`, () => {
    const renewing =
      (w: ServiceWorld) =>
      (signal?: AbortSignal, onProgress?: (s: Step, event: ProgressEvent) => void) =>
        renew(w.ctx, {
          medium: w.medium,
          ca: { url: 'http://ca.invalid/', trust: w.ca.trust },
          secret: w.secret,
          ...(signal === undefined ? {} : { signal }),
          ...(onProgress === undefined
            ? {}
            : {
                onProgress: (e) => {
                  onProgress(e.step, e);
                },
              }),
        });

    it('renewal reports its steps in order and replaces the certificate', async () => {
      const { w, serial, later } = await holding();
      const seen: Step[] = [];
      const events: ProgressEvent[] = [];
      const renewed = await renewing(w)(undefined, (s, e) => {
        seen.push(s);
        events.push(e);
      });
      expect(seen).toEqual(renewSteps);
      expectCounted(events);
      expect(later()).toEqual(['kur', 'certConf']);
      expect(await w.serials()).toEqual([renewed.facts.serial]);
      expect(w.ca.db.revocation(serial.toLowerCase())?.reason).toBe(CRLReasons.superseded);
    }, 60_000);

    it.each(renewSteps)(
      'renewal cancelled as %s begins',
      async (at) => {
        const { w, serial, later } = await holding();
        const { seen, outcome } = await cancelledAt(at, renewing(w));
        expect(seen.at(-1)).toBe(at);
        if (at === 'confirm') {
          expect(outcome.ok).toBe(true);
          expect(await w.serials()).not.toContain(serial);
          return;
        }
        expect(outcome.ok).toBe(false);
        const spent = outcome.ok ? undefined : spentOf(outcome.error);
        // The old certificate stays on the medium and good at the CA.
        expect(await w.serials()).toEqual([serial]);
        expect(w.ca.db.revocation(serial.toLowerCase())).toBeUndefined();
        if (at === 'prepare' || at === 'keygen' || at === 'request') {
          expect(spent).toBe('nothing');
          expect(later()).toEqual([]);
        } else {
          expect(spent).toBe('refused');
          expect(later()).toEqual(['kur', 'certConf']);
          // The one certificate revoked is the renewal the CA sent.
          const renewal = w.ca.certificatesSent.at(-1);
          if (renewal === undefined) throw new Error('no renewal was sent');
          expect(w.ca.db.revocations().map((r) => r.serial)).toEqual([serialHex(renewal)]);
        }
      },
      60_000,
    );

    it.each(['prepare', 'request'] as const)(
      'revocation cancelled as %s begins: no rr',
      async (at) => {
        const { w, serial, later } = await holding();
        const { seen, outcome } = await cancelledAt(at, (signal, onProgress) =>
          revoke(w.ctx, {
            medium: w.medium,
            ca: { url: 'http://ca.invalid/', trust: w.ca.trust },
            secret: w.secret,
            reason: CRLReasons.keyCompromise,
            signal,
            onProgress: (e) => {
              onProgress(e.step);
            },
          }),
        );
        expect(seen.at(-1)).toBe(at);
        expect(outcome.ok ? undefined : spentOf(outcome.error)).toBe('nothing');
        expect(later()).toEqual([]);
        expect(w.ca.db.revocation(serial.toLowerCase())).toBeUndefined();
      },
      60_000,
    );

    it('revocation reports prepare, request and revokes', async () => {
      const { w, serial, later } = await holding();
      const seen: Step[] = [];
      const events: ProgressEvent[] = [];
      await revoke(w.ctx, {
        medium: w.medium,
        ca: { url: 'http://ca.invalid/', trust: w.ca.trust },
        secret: w.secret,
        reason: CRLReasons.keyCompromise,
        onProgress: (e) => {
          seen.push(e.step);
          events.push(e);
        },
      });
      expect(seen).toEqual(['prepare', 'request']);
      expectCounted(events);
      expect(later()).toEqual(['rr']);
      expect(w.ca.db.revocation(serial.toLowerCase())?.reason).toBe(CRLReasons.keyCompromise);
    }, 60_000);
  });

  describe(`service copy onto ${name}`, () => {
    /** A folder holding a sample pair (with R), and a copy of it onto the world's medium. */
    async function copying() {
      const w = await world();
      const sample = await writeSampleNpki(tempDir('copy-from-'));
      const run = (signal?: AbortSignal, onProgress?: (step: Step, event: ProgressEvent) => void) =>
        copy(w.ctx, {
          from: { kind: 'dir', path: sample.root },
          to: w.medium,
          password: Buffer.from(sampleHolder.password),
          ...(kind === 'token' ? { pin: Buffer.from(w.secret.bytes) } : {}),
          ...(signal === undefined ? {} : { signal }),
          ...(onProgress === undefined
            ? {}
            : {
                onProgress: (e) => {
                  onProgress(e.step, e);
                },
              }),
        });
      return { w, run, serial: serialHex(parseCertificate(sample.certificate)) };
    }

    it('reports prepare and write and copies', async () => {
      const { w, run, serial } = await copying();
      const seen: Step[] = [];
      const events: ProgressEvent[] = [];
      await run(undefined, (s, e) => {
        seen.push(s);
        events.push(e);
      });
      expect(seen).toEqual(['prepare', 'write']);
      expectCounted(events);
      expect(await w.serials()).toEqual([serial]);
    }, 60_000);

    it.each(['prepare', 'write'] as const)(
      'cancelled as %s begins: nothing written',
      async (at) => {
        const { w, run } = await copying();
        const { seen, outcome } = await cancelledAt(at, run);
        expect(seen.at(-1)).toBe(at);
        expect(outcome.ok ? undefined : spentOf(outcome.error)).toBe('nothing');
        expect(await w.serials()).toEqual([]);
        // Nothing of a CA was asked.
        expect(w.ca.bodyTypes).toEqual([]);
      },
      60_000,
    );
  });
}
