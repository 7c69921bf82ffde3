import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CrlCache } from '../../../src/ca/crl.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { x509 } from '../../../src/shared/x509.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 11 item 8: every GET /crl signed a new CRL and wrote the database (2,000 requests, CRL
// number 0x07D4). The cache signs once, again on a revocation, and again before nextUpdate.

const crlNumber = (der: Buffer): string => {
  const ext = new x509.X509Crl(new Uint8Array(der)).getExtension('2.5.29.20');
  if (ext === null) throw new Error('no CRL number');
  return Buffer.from(ext.value).toString('hex');
};

describe('the CRL cache', () => {
  it('serves one CRL until a revocation or half its lifetime, then signs anew', async () => {
    let now = new Date();
    const ca = await FakeCa.create({ now: () => now });
    const cache = new CrlCache(ca.material, ca.db, () => now);
    const first = await cache.crl();
    const many = await Promise.all(Array.from({ length: 50 }, () => cache.crl()));
    for (const der of many) expect(der.equals(first)).toBe(true);
    // A database write would show as the next CRL number being higher than one past ours.
    const number = BigInt(`0x${crlNumber(first).slice(4)}`);

    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const key = softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const certificate = await client.enrol({ ref, secret: Buffer.from(authCode), signer: key });
    const serial = Buffer.from(certificate.tbsCertificate.serialNumber).toString('hex');
    expect(ca.db.revoke(serial, 1, now.getTime())).toBe(true);

    const afterRevocation = await cache.crl();
    expect(afterRevocation.equals(first)).toBe(false);
    const list = new x509.X509Crl(new Uint8Array(afterRevocation));
    expect(list.entries.map((e) => e.serialNumber.toLowerCase())).toContain(
      serial.replace(/^00/, '').toLowerCase(),
    );
    expect(BigInt(`0x${crlNumber(afterRevocation).slice(4)}`)).toBe(number + 1n);
    expect((await cache.crl()).equals(afterRevocation)).toBe(true);

    // Half a day later the CRL is signed anew, well before its nextUpdate.
    now = new Date(now.getTime() + 12 * 3_600_000 + 1000);
    const later = await cache.crl();
    expect(BigInt(`0x${crlNumber(later).slice(4)}`)).toBe(number + 2n);
    expect(new x509.X509Crl(new Uint8Array(later)).nextUpdate?.getTime()).toBeGreaterThan(
      now.getTime(),
    );
    ca.close();
  }, 60_000);
});
