import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signActiveAuthentication, verifyActiveAuthentication } from '../../../drivers/emrtd/aa.js';
import { parseDg15 } from '../../../drivers/emrtd/lds.js';
import { emrtdProfile, type EmrtdProfileFixture } from '../../support/emrtdProfile.js';
import { propertyTimeout } from '../../support/property.js';

let fixture: EmrtdProfileFixture;
beforeAll(async () => {
  fixture = await emrtdProfile({ seed: 5 });
});

const challenge = Buffer.from('0123456789abcdef', 'hex');

describe('Active Authentication, RSA (ISO/IEC 9796-2 scheme 1)', () => {
  it('round-trips with the profile key: private key from aa-key.pem, public from DG15', () => {
    const privateKey = createPrivateKey(readFileSync(join(fixture.dir, fixture.manifest.aaKey)));
    const { key } = parseDg15(readFileSync(join(fixture.dir, 'DG15.bin')));
    const signature = signActiveAuthentication(privateKey, challenge);
    expect(signature).toHaveLength(128);
    expect(verifyActiveAuthentication(key, challenge, signature)).toEqual({
      ok: true,
      scheme: 'iso9796-2',
      hash: 'sha1',
    });
  });

  it('fails for another challenge, another key, or a changed signature', () => {
    const { key } = parseDg15(fixture.profile.dataGroups.get(15) ?? Buffer.alloc(0));
    const signature = signActiveAuthentication(fixture.profile.aaPrivateKey, challenge);
    const other = Buffer.from(challenge);
    other[7] = (other[7] ?? 0) ^ 1;
    expect(verifyActiveAuthentication(key, other, signature)).toMatchObject({
      ok: false,
      failure: 'signatureInvalid',
    });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(
      verifyActiveAuthentication(key, challenge, signActiveAuthentication(stranger, challenge)),
    ).toMatchObject({ ok: false });
    const changed = Buffer.from(signature);
    changed[5] = (changed[5] ?? 0) ^ 1;
    expect(verifyActiveAuthentication(key, challenge, changed).ok).toBe(false);
    expect(verifyActiveAuthentication(key, challenge, signature.subarray(1)).ok).toBe(false);
    expect(verifyActiveAuthentication(key, challenge, Buffer.alloc(0)).ok).toBe(false);
    expect(verifyActiveAuthentication(key, challenge, Buffer.alloc(128, 0xff)).ok).toBe(false);
  });

  it('the signature recovers to 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC', () => {
    const { key } = parseDg15(fixture.profile.dataGroups.get(15) ?? Buffer.alloc(0));
    const signature = signActiveAuthentication(fixture.profile.aaPrivateKey, challenge);
    const f = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
    expect(f[0]).toBe(0x6a);
    expect(f[f.length - 1]).toBe(0xbc);
    const m1 = f.subarray(1, f.length - 21);
    expect(m1).toHaveLength(106);
    const h = createHash('sha1').update(m1).update(challenge).digest();
    expect(f.subarray(f.length - 21, f.length - 1).equals(h)).toBe(true);
  });

  it('RSA-2048 with an explicit SHA-256 trailer (34 CC)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = signActiveAuthentication(privateKey, challenge, { hash: 'sha256' });
    const f = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
    expect(f.subarray(-2).toString('hex')).toBe('34cc');
    expect(verifyActiveAuthentication(publicKey, challenge, signature)).toEqual({
      ok: true,
      scheme: 'iso9796-2',
      hash: 'sha256',
    });
  });

  it('accepts the padded form (6B BB … BA ‖ M1) a chip with a short M1 produces', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const m1 = randomBytes(100);
    const h = createHash('sha1').update(m1).update(challenge).digest();
    const pad = Buffer.concat([Buffer.from([0x6b]), Buffer.alloc(5, 0xbb), Buffer.from([0xba])]);
    const f = Buffer.concat([pad, m1, h, Buffer.from([0xbc])]);
    expect(f).toHaveLength(128);
    const signature = privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, f);
    expect(verifyActiveAuthentication(publicKey, challenge, signature).ok).toBe(true);
  });

  it('refuses total recovery (4x header) and an unknown trailer hash', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const sign = (f: Buffer): Buffer =>
      privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, f);
    const body = randomBytes(106);
    const h = createHash('sha1').update(body).update(challenge).digest();
    const total = Buffer.concat([Buffer.from([0x4a]), body, h, Buffer.from([0xbc])]);
    expect(verifyActiveAuthentication(publicKey, challenge, sign(total))).toMatchObject({
      ok: false,
      failure: 'badEncoding',
    });
    const unknown = Buffer.concat([
      Buffer.from([0x6a]),
      body.subarray(1),
      h,
      Buffer.from([0x31, 0xcc]),
    ]);
    expect(verifyActiveAuthentication(publicKey, challenge, sign(unknown))).toMatchObject({
      ok: false,
      failure: 'unsupportedHash',
    });
  });
});

describe('Active Authentication, ECDSA (BSI TR-03111 plain r‖s)', () => {
  it('round-trips with an EC DG15 key and fails for another challenge', async () => {
    const ec = await emrtdProfile({ aaKey: 'ec-p256' });
    const { key, keyType } = parseDg15(ec.profile.dataGroups.get(15) ?? Buffer.alloc(0));
    expect(keyType).toBe('ec');
    const signature = signActiveAuthentication(ec.profile.aaPrivateKey, challenge);
    expect(signature).toHaveLength(64);
    expect(verifyActiveAuthentication(key, challenge, signature)).toEqual({
      ok: true,
      scheme: 'ecdsa',
      hash: 'sha256',
    });
    expect(verifyActiveAuthentication(key, Buffer.alloc(8), signature)).toMatchObject({
      ok: false,
      failure: 'signatureInvalid',
    });
    // The hash from DG14 is honoured: a SHA-1 signature does not verify as SHA-256 and vice versa.
    const sha1 = signActiveAuthentication(ec.profile.aaPrivateKey, challenge, { hash: 'sha1' });
    expect(verifyActiveAuthentication(key, challenge, sha1).ok).toBe(false);
    expect(verifyActiveAuthentication(key, challenge, sha1, { ecdsaHash: 'sha1' }).ok).toBe(true);
  });

  it('refuses a key that is neither RSA nor EC', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(verifyActiveAuthentication(publicKey, challenge, Buffer.alloc(64))).toMatchObject({
      ok: false,
      failure: 'unsupportedKey',
    });
  });
});

describe('properties', () => {
  it(
    'arbitrary signatures are a failed result, never an exception',
    () => {
      const { key } = parseDg15(fixture.profile.dataGroups.get(15) ?? Buffer.alloc(0));
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 16 }),
          (sig, c) => {
            expect(verifyActiveAuthentication(key, c, sig).ok).toBe(false);
          },
        ),
        { numRuns: 300 },
      );
    },
    propertyTimeout,
  );
});
