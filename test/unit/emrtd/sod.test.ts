import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defaultDocumentSignerPolicy,
  loadCscaTrust,
  parseSod,
  passiveAuthentication,
  type CscaTrust,
  type DocumentSignerPolicy,
} from '../../../drivers/emrtd/sod.js';
import { buildSod, type TestSignatureScheme } from '../../../src/virtualDocument/testProfile.js';
import { CscaTrustError, EmrtdMalformedError, FatalError } from '../../../src/errors/index.js';
import { emrtdProfile, type EmrtdProfileFixture } from '../../support/emrtdProfile.js';
import { tempDir } from '../../support/tempDir.js';
import { mutate, mutations, outcomeOf, propertyTimeout, tlv } from '../../support/property.js';

const day = 24 * 3600 * 1000;
let a: EmrtdProfileFixture;
let b: EmrtdProfileFixture;
let trustA: CscaTrust;
let trustB: CscaTrust;

beforeAll(async () => {
  [a, b] = await Promise.all([emrtdProfile({ seed: 1 }), emrtdProfile({ seed: 2 })]);
  [trustA, trustB] = await Promise.all([loadCscaTrust(a.cscaDir), loadCscaTrust(b.cscaDir)]);
});

function readGroups(fixture: EmrtdProfileFixture): Map<number, Buffer> {
  const groups = new Map<number, Buffer>();
  for (const [fid, name] of Object.entries(fixture.manifest.files)) {
    const n = Number.parseInt(fid, 16) - 0x0100;
    if (n >= 1 && n <= 16) groups.set(n, readFileSync(join(fixture.dir, name)));
  }
  return groups;
}

describe('EF.SOD', () => {
  it('parses: the LDS security object lists a SHA-256 hash of every data group', () => {
    const sod = parseSod(readFileSync(join(a.dir, 'EF.SOD.bin')));
    const so = sod.ldsSecurityObject;
    expect(so).toMatchObject({ version: 0, hashAlgorithm: 'sha256' });
    expect([...so.dataGroupHashes.keys()]).toEqual([1, 2, 11, 15]);
    for (const [n, bytes] of readGroups(a)) {
      const hash = createHash('sha256').update(bytes).digest();
      expect(Buffer.from(so.dataGroupHashes.get(n) ?? []).equals(hash)).toBe(true);
    }
    expect(sod.certificates).toHaveLength(1);
    expect(sod.certificates[0]?.subject).toContain('Document Signer');
  });
});

describe('Passive Authentication', () => {
  it.each(['rsa-pkcs1', 'rsa-pss', 'ecdsa'] as const)(
    'passes for a profile signed with %s, files read from the profile folder',
    async (signature: TestSignatureScheme) => {
      const fixture = signature === 'rsa-pkcs1' ? a : await emrtdProfile({ signature });
      const result = passiveAuthentication(
        readFileSync(join(fixture.dir, 'EF.SOD.bin')),
        readGroups(fixture),
        await loadCscaTrust(fixture.cscaDir),
        new Date(),
      );
      expect(result).toMatchObject({
        ok: true,
        sodSignature: { ok: true, digestAlgorithm: 'sha256' },
        dsChain: { ok: true, csca: { subject: expect.stringContaining('CSCA') as unknown } },
        hashAlgorithm: 'sha256',
      });
      expect(result.sodSignature).toMatchObject({
        signatureAlgorithm: {
          'rsa-pkcs1': 'rsa-sha256',
          'rsa-pss': 'rsa-pss-sha256',
          ecdsa: 'ecdsa-sha256',
        }[signature],
      });
      expect(result.dataGroups).toEqual(
        [1, 2, 11, 15].map((dataGroup) => ({ dataGroup, status: 'ok' })),
      );
    },
  );

  it('names a tampered DG2 as a hash mismatch, everything else still verified', () => {
    const groups = readGroups(a);
    const dg2 = Buffer.from(groups.get(2) ?? []);
    dg2[dg2.length - 10] = (dg2[dg2.length - 10] ?? 0) ^ 0x01;
    groups.set(2, dg2);
    const result = passiveAuthentication(a.profile.sod, groups, trustA, new Date());
    expect(result.ok).toBe(false);
    expect(result.sodSignature.ok).toBe(true);
    expect(result.dsChain.ok).toBe(true);
    expect(result.dataGroups).toEqual([
      { dataGroup: 1, status: 'ok' },
      { dataGroup: 2, status: 'mismatch' },
      { dataGroup: 11, status: 'ok' },
      { dataGroup: 15, status: 'ok' },
    ]);
  });

  it('a data group not read is reported, and is no failure; one the SOD lacks is', () => {
    const groups = readGroups(a);
    groups.delete(11);
    groups.set(3, Buffer.from('6300', 'hex'));
    const result = passiveAuthentication(a.profile.sod, groups, trustA, new Date());
    expect(result.dataGroups).toContainEqual({ dataGroup: 11, status: 'notRead' });
    expect(result.dataGroups).toContainEqual({ dataGroup: 3, status: 'missingFromSod' });
    expect(result.ok).toBe(false);
    groups.delete(3);
    expect(passiveAuthentication(a.profile.sod, groups, trustA, new Date()).ok).toBe(true);
  });

  it('fails the chain for a SOD whose Document Signer the trust store does not know', () => {
    const result = passiveAuthentication(b.profile.sod, readGroups(b), trustA, new Date());
    expect(result.ok).toBe(false);
    expect(result.sodSignature.ok).toBe(true);
    expect(result.dsChain).toMatchObject({ ok: false, failure: 'issuerNotTrusted' });
    expect(result.documentSigner?.subject).toContain('Document Signer');
  });

  it('trusts either document with a store holding both CSCAs (same name, different keys)', async () => {
    const dir = tempDir('csca-');
    copyFileSync(join(a.cscaDir, 'csca.pem'), join(dir, 'a.pem'));
    // DER works as well as PEM.
    writeFileSync(join(dir, 'b.der'), b.profile.csca.certificate);
    writeFileSync(join(dir, 'README.txt'), 'not a certificate, not read');
    const both = await loadCscaTrust(dir);
    expect(both.cscas).toHaveLength(2);
    for (const fixture of [a, b]) {
      const result = passiveAuthentication(
        fixture.profile.sod,
        readGroups(fixture),
        both,
        new Date(),
      );
      expect(result.ok).toBe(true);
    }
  });

  it('a CSCA of the same name but another key is not the issuer (the key identifier decides)', () => {
    // The name matches but the AKI does not: with identifiers present, the key identifier decides.
    const result = passiveAuthentication(a.profile.sod, readGroups(a), trustB, new Date());
    expect(result.dsChain).toMatchObject({ ok: false, failure: 'issuerNotTrusted' });
  });

  it('fails the SOD signature when a signature byte is changed', () => {
    const sod = Buffer.from(a.profile.sod);
    sod[sod.length - 1] = (sod[sod.length - 1] ?? 0) ^ 0x01;
    const result = passiveAuthentication(sod, readGroups(a), trustA, new Date());
    expect(result.sodSignature).toMatchObject({ ok: false, failure: 'signatureInvalid' });
    expect(result.dsChain.ok).toBe(true);
    expect(result.ok).toBe(false);
  });

  it('fails messageDigest when the security object is changed after signing', () => {
    const sod = Buffer.from(a.profile.sod);
    const hash = createHash('sha256')
      .update(readGroups(a).get(1) ?? Buffer.alloc(0))
      .digest();
    const at = sod.indexOf(hash);
    sod[at] = (sod[at] ?? 0) ^ 0x01;
    const result = passiveAuthentication(sod, readGroups(a), trustA, new Date());
    expect(result.sodSignature).toMatchObject({ ok: false, failure: 'messageDigestMismatch' });
    expect(result.dataGroups[0]).toEqual({ dataGroup: 1, status: 'mismatch' });
  });

  it('a properly signed SOD that lies about a hash still fails that data group', () => {
    const groups = readGroups(a);
    const sod = buildSod({
      dataGroups: groups,
      hash: 'sha256',
      signerCertificate: a.profile.documentSigner.certificate,
      signerKey: a.profile.documentSigner.privateKey,
      scheme: 'rsa-pkcs1',
      hashOverride: new Map([[15, Buffer.alloc(32)]]),
    });
    const result = passiveAuthentication(sod, groups, trustA, new Date());
    expect(result.sodSignature.ok).toBe(true);
    expect(result.dsChain.ok).toBe(true);
    expect(result.dataGroups.find((c) => c.dataGroup === 15)?.status).toBe('mismatch');
  });

  it('checks validity at the time given', () => {
    const groups = readGroups(a);
    const at = (offset: number): unknown =>
      passiveAuthentication(a.profile.sod, groups, trustA, new Date(Date.now() + offset)).dsChain;
    expect(at(-2 * day)).toMatchObject({ ok: false, failure: 'cscaNotYetValid' });
    expect(at(6 * 365 * day)).toMatchObject({ ok: false, failure: 'documentSignerExpired' });
    expect(at(11 * 365 * day)).toMatchObject({ ok: false, failure: 'cscaExpired' });
  });
});

describe('Document Signer policy (issue 11 item 14)', () => {
  const pa = async (fixture: EmrtdProfileFixture, policy?: DocumentSignerPolicy) =>
    passiveAuthentication(
      fixture.profile.sod,
      readGroups(fixture),
      await loadCscaTrust(fixture.cscaDir),
      new Date(),
      policy === undefined ? {} : { policy },
    );

  it('the reproduction: a CA DS with keyCertSign only, RSA-1024, another country, SHA-1 fails on each', async () => {
    const fixture = await emrtdProfile({
      seed: 5,
      badDocumentSigner: { ca: true, rsaBits: 1024 },
      country: 'JP',
      dataGroupHash: 'sha1',
    });
    const result = await pa(fixture);
    // The chain and the signatures hold: only the policy refuses it.
    expect(result.sodSignature.ok).toBe(true);
    expect(result.dsChain.ok).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.dsPolicy).toMatchObject({
      ok: false,
      failures: ['dsIsCa', 'dsKeyUsage', 'countryMismatch', 'weakKey', 'weakHash'],
    });
  }, 60_000);

  it.each([
    ['dsIsCa', { badDocumentSigner: { ca: true } }],
    ['countryMismatch', { country: 'JP' }],
    ['weakKey', { badDocumentSigner: { rsaBits: 1024 } }],
    ['weakHash', { dataGroupHash: 'sha1' }],
  ] as const)(
    'names %s alone when that is all that is wrong',
    async (failure, options) => {
      const result = await pa(await emrtdProfile({ seed: 6, ...options }));
      const expected = failure === 'dsIsCa' ? ['dsIsCa', 'dsKeyUsage'] : [failure];
      expect(result.dsPolicy).toMatchObject({ ok: false, failures: expected });
    },
    60_000,
  );

  it('a relaxed policy (a lab reading old specimens) accepts what it allows', async () => {
    const fixture = await emrtdProfile({ seed: 7, dataGroupHash: 'sha1', country: 'JP' });
    const relaxed = {
      ...defaultDocumentSignerPolicy,
      allowSha1: true,
      requireCountryMatch: false,
    };
    expect((await pa(fixture, relaxed)).ok).toBe(true);
    expect((await pa(fixture)).ok).toBe(false);
  }, 60_000);

  it('a document of KOR under a KR CSCA passes (ICAO three letters, ISO two)', async () => {
    expect((await pa(a)).dsPolicy).toEqual({ ok: true });
  });
});

describe('CSCA trust store', () => {
  it.each([
    ['a missing folder', (dir: string) => join(dir, 'nowhere')],
    ['an empty folder', (dir: string) => dir],
    [
      'a .pem file that holds no certificate',
      (dir: string) => (writeFileSync(join(dir, 'x.pem'), 'hello'), dir),
    ],
    [
      'a certificate that is not a CA (the Document Signer)',
      (dir: string) => (copyFileSync(join(a.dir, 'ds.pem'), join(dir, 'ds.pem')), dir),
    ],
    [
      'a PEM block that is not a certificate',
      (dir: string) => (
        writeFileSync(
          join(dir, 'bad.pem'),
          '-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n',
        ),
        dir
      ),
    ],
  ])('refuses %s with EMRTD_TRUST_STORE', async (_name, prepare) => {
    const dir = tempDir('csca-');
    mkdirSync(dir, { recursive: true });
    const error: unknown = await loadCscaTrust(prepare(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CscaTrustError);
    expect(error).toBeInstanceOf(FatalError);
    expect(error).toMatchObject({ code: 'EMRTD_TRUST_STORE', reason: 'configInvalid' });
  });

  it('bounds the file size', async () => {
    const error: unknown = await loadCscaTrust(a.cscaDir, {
      maxFiles: 10,
      maxFileBytes: 100,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CscaTrustError);
  });

  it('reads several certificates from one PEM file', async () => {
    const dir = tempDir('csca-');
    writeFileSync(
      join(dir, 'bundle.pem'),
      readFileSync(join(a.cscaDir, 'csca.pem'), 'latin1') +
        readFileSync(join(b.cscaDir, 'csca.pem'), 'latin1'),
    );
    expect((await loadCscaTrust(dir)).cscas).toHaveLength(2);
  });
});

// DESIGN §8: an SOD from the chip either parses or is EmrtdMalformedError, and verifying one
// never throws anything else.
describe('properties', () => {
  it(
    'arbitrary bytes, bare and inside 77 { SEQUENCE }',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(2), (bytes, wrap) => {
          const input =
            wrap === 0 ? bytes : wrap === 1 ? tlv(0x77, bytes) : tlv(0x77, tlv(0x30, bytes));
          const outcome = outcomeOf(
            () => passiveAuthentication(input, new Map(), trustA, new Date()),
            EmrtdMalformedError,
          );
          if ('error' in outcome) expect(outcome.error.file).toBe('EF.SOD');
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );

  it(
    'mutated SODs give a result or EmrtdMalformedError, and a result is never a pass unless the signed parts are intact',
    () => {
      const groups = readGroups(a);
      fc.assert(
        fc.property(mutations, (edits) => {
          const outcome = outcomeOf(
            () => passiveAuthentication(mutate(a.profile.sod, edits), groups, trustA, new Date()),
            EmrtdMalformedError,
          );
          if ('value' in outcome && outcome.value.ok) {
            // Only bytes no signature covers (e.g. SignedData's digestAlgorithms) may change.
            const sod = parseSod(mutate(a.profile.sod, edits));
            expect(Buffer.from(sod.eContent).equals(parseSod(a.profile.sod).eContent)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );
});
