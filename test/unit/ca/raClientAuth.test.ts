import { beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { CaDatabase } from '../../../src/ca/database.js';
import {
  issueRaClientCertificate,
  issueRaServerCertificate,
  type TlsIdentity,
} from '../../../src/ca/ra/certificates.js';
import { authenticateRaClient, type PeerCertificate } from '../../../src/ca/ra/clientAuth.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 13 item 3: the RA endpoint decides itself whether a client certificate is an active RA
// client's of this CA, not only by OpenSSL's verdict: another CA's certificate (even one whose
// issuing CA has the very same name), an expired one, a server certificate, a revoked or an
// unrecorded client are refused.

const day = 86_400_000;

describe('RA client authentication', () => {
  let material: CaMaterial;
  let other: CaMaterial;
  let db: CaDatabase;
  const now = new Date();

  /** A client certificate recorded as active in the database. */
  async function recorded(name: string, at = now, days = 30): Promise<TlsIdentity> {
    const issued = await issueRaClientCertificate(material, name, at, days);
    db.addRaClient({
      name,
      serial: issued.serial,
      issuedAt: at.getTime(),
      notAfter: issued.certificate.notAfter.getTime(),
      revokedAt: undefined,
    });
    return issued;
  }
  const peer = (identity: TlsIdentity, tlsVerified = true): PeerCertificate => ({
    der: new Uint8Array(identity.certificate.rawData),
    tlsVerified,
  });
  const authenticate = (p: PeerCertificate, at = now) =>
    authenticateRaClient(p, material.issuing.certificate, (s) => db.raClient(s), at);

  beforeAll(async () => {
    // Both CAs are named yessign: their issuing CAs have the same distinguished name.
    [material, other] = await Promise.all([FakeCa.newMaterial(), FakeCa.newMaterial()]);
    db = new CaDatabase(':memory:', material.sealKey);
  });

  it('accepts an active RA client of this CA, by its recorded name', async () => {
    const identity = await recorded('Gangnam');
    expect(identity.certificate.subject).toContain('CN=Gangnam');
    await expect(authenticate(peer(identity))).resolves.toMatchObject({
      ok: true,
      ra: { name: 'Gangnam', serial: identity.serial },
    });
  });

  it('refuses a connection without a certificate, or with bytes that are none', async () => {
    await expect(authenticate({ der: undefined, tlsVerified: false })).resolves.toEqual({
      ok: false,
      refusal: 'noCertificate',
    });
    await expect(
      authenticate({ der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), tlsVerified: true }),
    ).resolves.toMatchObject({ ok: false, refusal: 'notThisCa' });
  });

  it('refuses a certificate of another CA whose issuing CA has the same name', async () => {
    const foreign = await issueRaClientCertificate(other, 'Gangnam', now);
    expect(foreign.certificate.issuer).toBe(material.issuing.certificate.subject);
    // Even recorded under its serial (it is not), and even if OpenSSL had said yes.
    db.addRaClient({
      name: 'Foreign',
      serial: foreign.serial,
      issuedAt: now.getTime(),
      notAfter: foreign.certificate.notAfter.getTime(),
      revokedAt: undefined,
    });
    await expect(authenticate(peer(foreign))).resolves.toMatchObject({
      ok: false,
      refusal: 'notThisCa',
    });
  });

  it('refuses an expired and a not yet valid certificate', async () => {
    const old = await recorded('Old branch', new Date(now.getTime() - 10 * day), 1);
    await expect(authenticate(peer(old))).resolves.toMatchObject({ refusal: 'expired' });
    const fresh = await recorded('Future branch');
    await expect(
      authenticate(peer(fresh), new Date(now.getTime() - 2 * day)),
    ).resolves.toMatchObject({ refusal: 'notYetValid' });
  });

  it('refuses a revoked client at once, and one the database does not know', async () => {
    const revoked = await recorded('Revoked branch');
    db.revokeRaClient('Revoked branch', now.getTime());
    await expect(authenticate(peer(revoked))).resolves.toMatchObject({ refusal: 'revoked' });
    const unknown = await issueRaClientCertificate(material, 'Never recorded', now);
    await expect(authenticate(peer(unknown))).resolves.toMatchObject({
      ok: false,
      refusal: 'unknown',
      serial: unknown.serial,
    });
  });

  it('refuses the endpoint’s own server certificate (serverAuth only)', async () => {
    const server = await issueRaServerCertificate(material, ['127.0.0.1'], now);
    await expect(authenticate(peer(server))).resolves.toMatchObject({ refusal: 'notForClients' });
  });

  it('refuses what OpenSSL refused, whatever else holds', async () => {
    const identity = await recorded('Unverified');
    await expect(authenticate(peer(identity, false))).resolves.toMatchObject({
      refusal: 'tlsUnverified',
    });
  });
});
