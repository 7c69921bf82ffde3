import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { KioskService, RunningVisit } from '../../src/kiosk/service.js';
import { opensslPkcs8Decrypt, stageKeyFile } from '../../scripts/lib/openssl.mjs';
import { fsck } from '../support/fatImages.js';
import { runKiosk } from '../support/kiosk.js';
import {
  approveInPerson,
  certificatePublicKey,
  certificateSerial,
  child,
  flowState,
  imageFile,
  openssl,
  pairsOnImage,
  reach,
  RealCa,
  realKiosk,
  requirePeers,
  rsaPublicKey,
  sameSerial,
  stopInOrder,
  teller,
  type RealKiosk,
  type Visitor,
} from '../support/kioskReal.js';
import { tempDir } from '../support/tempDir.js';

// Issue 13, acceptance: revocation after a loss and reissue after a forgotten password, whole
// visits headless against the real CA process (`kiosk ca serve --ra-listen`): the kiosk finds the
// approved holder's certificates through the RA endpoint (mutual TLS), the RA revokes the one the
// visitor picks, and the CA's own CRL (`kiosk ca crl`, read by `openssl crl`) lists its serial.
// A reissue then issues a new certificate under the same registration onto a FAT image, which
// openssl opens with the new password.

const password = 'Kiosk!2345-first';
const newPassword = 'Kiosk!6789-again';
const visitor: Visitor = { name: '김민준', idn: '8805051234564' };

let ca: RealCa | undefined;
let kiosk: RealKiosk | undefined;
let service: KioskService | undefined;

beforeAll(async () => {
  requirePeers({});
  ca = await RealCa.create();
  kiosk = realKiosk(ca);
  service = await kiosk.service();
}, 90_000);

afterEach(() => {
  service?.close();
});

afterAll(async () => {
  await stopInOrder([() => kiosk?.close(), () => ca?.stop()]);
}, 30_000);

const peers = () => {
  if (ca === undefined || kiosk === undefined || service === undefined)
    throw new Error('the peers did not start (see beforeAll)');
  return { ca, kiosk, service };
};

/** Home → `purpose` → the form → no chip: the teller's in-person check. */
async function throughIdentity(
  visit: RunningVisit,
  purpose: 'issue' | 'reissue' | 'revoke',
): Promise<void> {
  visit.send({ type: 'visitor.start', purpose });
  if (purpose !== 'revoke')
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  visit.submitForm({ name: visitor.name, idn: Buffer.from(visitor.idn), phone: '010-1234-5678' });
  visit.send({ type: 'visitor.noChip' });
  await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
  await approveInPerson(visit, visitor.idn);
}

/** A whole in-person issuance onto `image` under `secret`; the serial. */
async function issueOnto(image: string, secret: string): Promise<string> {
  const visit = peers().service.startVisit();
  await throughIdentity(visit, 'issue');
  await reach(visit, 'storage', (s) => flowState(s) === 'storage');
  visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
  expect(visit.enterNewSecret(Buffer.from(secret), Buffer.from(secret))).toEqual([]);
  const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
  visit.send({ type: 'visitor.finish' });
  expect(await visit.ended).toBe('done');
  return done.context.issued?.serial ?? '';
}

/** The serials on the CA's CRL as `openssl crl` reads the DER `kiosk ca crl` writes. */
function crlSerials(dir: string, home: string): string[] {
  const out = join(tempDir('crl-'), 'ca.crl');
  const run = runKiosk(['ca', 'crl', '--dir', dir, '--out', out], home);
  if (run.status !== 0) throw new Error(`kiosk ca crl: ${run.stderr}`);
  const text = openssl(['crl', '-inform', 'DER', '-in', out, '-noout', '-text'], Buffer.alloc(0));
  return [...text.toString('utf8').matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) =>
    sameSerial(m[1] ?? ''),
  );
}

describe('revocation after a loss', () => {
  it('lists the holder’s certificate through the RA, revokes it with the reason, on the CRL', async () => {
    const { ca, kiosk } = peers();
    const serial = await issueOnto(imageFile(kiosk, 'lost.img', true), password);
    expect(crlSerials(ca.dir, ca.home)).not.toContain(sameSerial(serial));

    const visit = peers().service.startVisit();
    await throughIdentity(visit, 'revoke');
    const picking = await reach(
      visit,
      'the pick list',
      (s) => flowState(s) === 'pickingRevocation',
    );
    const listed = picking.context.atCa;
    expect(listed.map((c) => c.serial)).toContain(serial);
    expect(listed.find((c) => c.serial === serial)?.subject).toContain(visitor.name);
    const ref = picking.context.ref ?? '';
    visit.send({ type: 'visitor.pickRevocation', serial, reason: 'keyCompromise' });
    await reach(visit, 'done', (s) => flowState(s) === 'done');
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    // The CA's database (read with sqlite) and its CRL (read with openssl).
    expect(ca.certificate(serial)?.status).toBe('revoked');
    expect(ca.revocationReason(serial)).toBe(1);
    expect(crlSerials(ca.dir, ca.home)).toContain(sameSerial(serial));
    // Nothing follows a revocation: the registration is spent and its resident number forgotten.
    expect(ca.registration(ref)).toMatchObject({ approvedBy: teller, holdsIdn: 0 });
    expect(ca.registration(ref)?.usedAt).toEqual(expect.any(Number));
  });
});

describe('reissue after a forgotten password', () => {
  it('revokes the old certificate, issues a new one onto the drive under the new password', async () => {
    const { ca, kiosk } = peers();
    const image = imageFile(kiosk, 'forgotten.img', true);
    const old = await issueOnto(image, password);

    const visit = peers().service.startVisit();
    await throughIdentity(visit, 'reissue');
    const picking = await reach(
      visit,
      'the pick list',
      (s) => flowState(s) === 'pickingRevocation',
    );
    expect(picking.context.atCa.map((c) => c.serial)).toContain(old);
    visit.send({ type: 'visitor.pickRevocation', serial: old, reason: 'superseded' });
    await reach(visit, 'storage', (s) => flowState(s) === 'storage');
    const ref = visit.snapshot().context.ref ?? '';
    // Revoked before the new one is issued, and the registration kept for it.
    expect(ca.revocationReason(old)).toBe(4);
    expect(ca.registration(ref)?.usedAt).toBeNull();
    visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
    expect(visit.enterNewSecret(Buffer.from(newPassword), Buffer.from(newPassword))).toEqual([]);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const fresh = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    expect(fresh).not.toBe(old);
    expect(crlSerials(ca.dir, ca.home)).toContain(sameSerial(old));
    expect(crlSerials(ca.dir, ca.home)).not.toContain(sameSerial(fresh));
    expect(ca.certificatesOf(ref).map((c) => [sameSerial(c.serial), c.status])).toEqual([
      [sameSerial(fresh), 'issued'],
    ]);
    // On the drive, read back with mtools and openssl: the new pair opens with the new password.
    expect(fsck(image)).toEqual({ status: 0, complaints: [] });
    const pair = pairsOnImage(image).find((p) => certificateSerial(p.cert) === sameSerial(fresh));
    if (pair === undefined) throw new Error('the new certificate is not on the drive');
    const pkcs1 = opensslPkcs8Decrypt(stageKeyFile(pair.key, newPassword));
    expect(rsaPublicKey(pkcs1)).toBe(certificatePublicKey(pair.cert));
  });
});
