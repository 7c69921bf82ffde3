import { describe, expect, it } from 'vitest';
import type { DocumentReading } from '../../../src/document/readDocument.js';
import {
  activeVerdict,
  basisWords,
  chipPhoto,
  passiveVerdict,
} from '../../../src/teller/verdicts.js';

// The chip's Passive and Active Authentication results in plain words for the teller.

const passed = {
  ok: true,
  sodSignature: { ok: true, digestAlgorithm: 'SHA-256', signatureAlgorithm: 'ecdsa' },
  dsChain: { ok: true, csca: {} },
  dsPolicy: { ok: true, failures: [], details: [] },
  dataGroups: [
    { dataGroup: 1, status: 'ok' },
    { dataGroup: 2, status: 'ok' },
    { dataGroup: 3, status: 'notRead' },
  ],
  hashAlgorithm: 'SHA-256',
};

/** A reading with only what the verdicts look at (the rest is the chip's data). */
function reading(parts: Record<string, unknown>): DocumentReading {
  return {
    dataGroups: { listed: [1, 2], read: [1, 2], withheld: [] },
    passiveAuthentication: passed,
    activeAuthentication: { ok: true, scheme: 'ecdsa', hash: 'SHA-256' },
    verified: true,
    ...parts,
  } as unknown as DocumentReading;
}

describe('authentication verdicts in plain words', () => {
  it('both passed: genuine and not a copy', () => {
    const r = reading({});
    expect(passiveVerdict(r)).toMatchObject({ outcome: 'passed' });
    expect(passiveVerdict(r).en).toMatch(/^Genuine/);
    expect(passiveVerdict(r).ko).toMatch(/^진본/);
    expect(activeVerdict(r)).toMatchObject({ outcome: 'passed' });
    expect(activeVerdict(r).en).toMatch(/^Not a copy/);
  });

  it('Passive Authentication not run: says why (no CSCA configured, no EF.SOD)', () => {
    const noTrust = passiveVerdict(
      reading({ passiveAuthentication: { ok: false, skipped: 'noTrustStore' } }),
    );
    expect(noTrust.outcome).toBe('notRun');
    expect(noTrust.en).toMatch(/CSCA/);
    const noSod = passiveVerdict(
      reading({ passiveAuthentication: { ok: false, skipped: 'noSod' } }),
    );
    expect(noSod.en).toMatch(/EF\.SOD/);
  });

  it('altered data, an untrusted signer, withheld groups: each named', () => {
    const verdict = passiveVerdict(
      reading({
        passiveAuthentication: {
          ...passed,
          ok: false,
          dsChain: { ok: false, failure: 'issuerNotTrusted', detail: 'x' },
          dataGroups: [
            { dataGroup: 1, status: 'ok' },
            { dataGroup: 2, status: 'mismatch' },
          ],
        },
        dataGroups: { listed: [1, 2, 11], read: [1, 2], withheld: [11] },
      }),
    );
    expect(verdict.outcome).toBe('failed');
    expect(verdict.en).toMatch(/^Not verified: /);
    expect(verdict.en).toMatch(/trusted issuing-country certificate/);
    expect(verdict.en).toMatch(/DG2\): it may have been altered/);
    expect(verdict.en).toMatch(/withheld signed data \(DG11\)/);
    expect(verdict.ko).toMatch(/변조/);
  });

  it('Active Authentication: unavailable, refused, failed', () => {
    expect(
      activeVerdict(reading({ activeAuthentication: { ok: false, skipped: 'noDg15' } })),
    ).toMatchObject({
      outcome: 'notRun',
    });
    const refused = activeVerdict(
      reading({ activeAuthentication: { ok: false, failure: 'refusedByChip', detail: '6982' } }),
    );
    expect(refused).toMatchObject({ outcome: 'failed' });
    expect(refused.en).toMatch(/refused/);
    const bad = activeVerdict(
      reading({ activeAuthentication: { ok: false, failure: 'signatureInvalid', detail: 'x' } }),
    );
    expect(bad.en).toMatch(/may be a copy/);
  });

  it('the basis of an approval, and what it needs', () => {
    expect(basisWords('chipVerified').en).toMatch(/verified chip/);
    expect(basisWords('chipNotVerified').en).toMatch(/reason.*override/);
    expect(basisWords('noChip').ko).toMatch(/신분증/);
  });

  it('the photo as its content type, bytes as read', () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(1, 4);
    expect(
      chipPhoto(reading({ photo: { format: 'jpeg2000', width: 1, height: 1, bytes } })),
    ).toEqual({
      type: 'image/jp2',
      bytes: Buffer.from([1, 2, 3]),
    });
    expect(
      chipPhoto(reading({ photo: { format: 'jpeg', width: 1, height: 1, bytes } }))?.type,
    ).toBe('image/jpeg');
    expect(chipPhoto(reading({}))).toBeUndefined();
    expect(chipPhoto(undefined)).toBeUndefined();
  });
});
