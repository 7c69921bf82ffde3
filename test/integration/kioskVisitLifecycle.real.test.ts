import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HeldCertificate } from '../../machines/types.js';
import type { KioskService, RunningVisit } from '../../src/kiosk/service.js';
import { opensslPkcs8Decrypt, stageKeyFile } from '../../scripts/lib/openssl.mjs';
import { fsck } from '../support/fatImages.js';
import {
  approve,
  approveInPerson,
  certificateCarriesVid,
  certificatePublicKey,
  certificateSerial,
  child,
  expectedVid,
  expectLogWithout,
  flowState,
  imageFile,
  opensslDecryptWithR,
  pairsOnImage,
  raBranch,
  reach,
  readTokenObject,
  RealCa,
  realKiosk,
  requirePeers,
  rsaPublicKey,
  sameSerial,
  startIssuance,
  stopInOrder,
  teller,
  tellerRequestState,
  tokenObjects,
  type DrivePair,
  type RealKiosk,
  type Visitor,
} from '../support/kioskReal.js';
import { softhsmWorld } from '../support/softhsm.js';

// Issue 13, acceptance: whole visits headless against the real CA process (`kiosk ca serve
// --ra-listen`), SoftHSM2 tokens and FAT images, for a visitor whose ID has no chip (the teller's
// in-person check), and the lifecycle of a certificate the visitor brings: renewal on a drive and
// on a token, a copy from a drive onto a token. Faults as the real peers produce them: the CA
// process stopped under a visit (at the registration, at the request), a wrong PIN refused by
// SoftHSM, a blank drive taken for a formatted one (the chip's faults are in
// kioskVisitIssue.real.test.ts).
// Over 400 lines: one CA process and one kiosk serve all these visits (starting a CA costs
// seconds), so they share a file.

const softhsm = softhsmWorld();
const pin = '246810';
const password = 'Kiosk!2345-visit';
// A resident card without a chip: the number the visitor types is the one the teller reads off it.
const visitor: Visitor = { name: '홍길동', idn: '9001011234568' };

let ca: RealCa | undefined;
let kiosk: RealKiosk | undefined;
let service: KioskService | undefined;

beforeAll(async () => {
  requirePeers({});
  ca = await RealCa.create();
  kiosk = realKiosk(ca);
  service = await kiosk.service();
}, 90_000);

// A visit a failed test left running does not hold the kiosk for the next one.
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

/** Home → issue → form → no chip: the teller checks the resident card in person → storage. */
async function inPersonToStorage(visit: RunningVisit): Promise<string> {
  await startIssuance(visit, visitor);
  visit.send({ type: 'visitor.noChip' });
  await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
  await approveInPerson(visit, visitor.idn);
  const s = await reach(visit, 'storage', (snapshot) => flowState(snapshot) === 'storage');
  return s.context.ref ?? '';
}

/** A whole in-person issuance onto a FAT image (formatted by mkfs.vfat); its serial and ref. */
async function issueInPerson(image: string): Promise<{ serial: string; ref: string }> {
  const visit = peers().service.startVisit();
  const ref = await inPersonToStorage(visit);
  visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
  expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
  const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
  visit.send({ type: 'visitor.finish' });
  expect(await visit.ended).toBe('done');
  return { serial: done.context.issued?.serial ?? '', ref };
}

/** The one pair on an image, checked with openssl: the password opens it, the key is the cert's. */
function onlyPair(image: string): DrivePair & { r: Buffer } {
  expect(fsck(image)).toEqual({ status: 0, complaints: [] });
  const pairs = pairsOnImage(image);
  expect(pairs).toHaveLength(1);
  const pair = pairs[0] as DrivePair;
  const pkcs1 = opensslPkcs8Decrypt(stageKeyFile(pair.key, password));
  expect(rsaPublicKey(pkcs1)).toBe(certificatePublicKey(pair.cert));
  const { r } = opensslDecryptWithR(pair.key, password);
  expect(certificateCarriesVid(pair.cert, expectedVid(visitor.idn, r))).toBe(true);
  return { ...pair, r };
}

/**
 * Home → `purpose` (unless already there) → the held certificate's medium → its list; picks
 * `serial`, opens it with `secret`.
 */
async function holding(
  visit: RunningVisit,
  purpose: 'renew' | 'copy',
  medium: { device: string } | { label: string },
  serial: string,
  secret: string,
  fromHome = true,
): Promise<void> {
  if (fromHome) visit.send({ type: 'visitor.start', purpose });
  visit.send(
    'device' in medium
      ? { type: 'visitor.chooseDrive', device: medium.device, needsFormat: false }
      : { type: 'visitor.chooseToken', label: medium.label },
  );
  const listed = await reach(visit, 'the list', (s) => child(s, 'held')?.value === 'picking');
  const certificates = child(listed, 'held')?.context.certificates as HeldCertificate[];
  expect(certificates.map((c) => c.serial)).toEqual([serial]);
  // Renewable right after issuance: the CA and the kiosk open renewal 365 days before expiry, the
  // most npki.renewalWindowDays allows. A certificate whose year spans 29 February lasts 366
  // days: issued between March and the next February of such a year, it is not renewable yet,
  // and `kiosk ca serve` has no clock a test could move.
  if (purpose === 'renew')
    expect(
      certificates[0]?.renewable,
      `renewal not open for a certificate valid until ${String(certificates[0]?.notAfter)} (366 days: see the comment)`,
    ).toBe(true);
  visit.send({ type: 'visitor.pick', serial });
  await reach(visit, 'the secret', (s) => child(s, 'held')?.value === 'secret');
  visit.enterHeldSecret(Buffer.from(secret));
}

describe('a visitor whose ID has no chip', () => {
  it('the teller’s in-person check issues onto a USB image; the CA records the evidence as in person only', async () => {
    const { ca, kiosk } = peers();
    const image = imageFile(kiosk, 'in-person.img', true);
    const visit = peers().service.startVisit();
    await startIssuance(visit, visitor);
    visit.send({ type: 'visitor.noChip' });
    await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
    // No chip, no document recorded: no approval; the visit waits for the teller.
    approve(visit);
    // A document record sent as an outside event is refused: only the service's check makes one.
    expect(() => {
      visit.send({
        type: 'teller.approve',
        teller,
        inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
      });
    }).toThrow(/approveInPerson/);
    // A number that is no resident number (13th month) does not check: refused, nothing sent.
    const wrong = await visit.approveInPerson({
      teller,
      document: { type: 'residentCard', number: Buffer.from('9013011234568') },
    });
    expect(wrong.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(child(visit.snapshot(), 'identity')?.value).toBe('approval');
    expect(tellerRequestState(visit)).toBe('pending');
    const document = await approveInPerson(visit, visitor.idn);
    // The record keeps the card's type and its number masked, never the whole number.
    expect(document).toEqual({
      type: 'residentCard',
      numberMasked: expect.stringMatching(/^900101-1\*+$/) as string,
    });
    const atStorage = await reach(visit, 'storage', (s) => flowState(s) === 'storage');
    expect(atStorage.context.identity).toMatchObject({
      outcome: 'approved',
      approval: { evidence: 'inPersonOnly', inPerson: document },
    });
    const ref = atStorage.context.ref ?? '';
    visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
    expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const serial = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    const pair = onlyPair(image);
    expect(certificateSerial(pair.cert)).toBe(sameSerial(serial));
    expect(pair.folder).toMatch(/^\/NPKI\/yessign\/USER\/cn=홍길동\(\)\d+,/);
    // The CA's database, read with sqlite: in person only, the teller, the branch's RA client.
    expect(ca.registration(ref)).toEqual({
      name: visitor.name,
      profile: 'restricted',
      approvedBy: teller,
      evidence: 'inPersonOnly',
      raName: raBranch,
      raSerial: ca.raClientSerial(),
      usedAt: expect.any(Number) as number,
      holdsIdn: 0,
    });
    expect(ca.certificatesOf(ref).map((c) => [sameSerial(c.serial), c.status])).toEqual([
      [sameSerial(serial), 'issued'],
    ]);
    expectLogWithout(kiosk.logFile, '"visit step"', [visitor.idn, password]);
    expectLogWithout(ca.logFile, '"CA serving"', [visitor.idn, password]);
  });
});

describe('the certificate the visitor brings', () => {
  it('renews on the drive: a new key under the same password, the VID kept, the old certificate superseded', async () => {
    const { ca, kiosk } = peers();
    const image = imageFile(kiosk, 'renew.img', true);
    const first = await issueInPerson(image);
    const before = onlyPair(image);

    const visit = peers().service.startVisit();
    // A wrong password: the key file does not open, the CA is not asked, the drive is as it was;
    // the visitor goes back to the certificate and types it again.
    await holding(visit, 'renew', { device: image }, first.serial, 'Wrong!2345-pass');
    const refused = await reach(visit, 'the refusal', (s) => flowState(s) === 'mediumUnusable');
    expect(refused.context.failure).toMatchObject({ kind: 'wrongSecret', spent: 'nothing' });
    expect(onlyPair(image)).toEqual(before);
    expect(ca.certificate(first.serial)).toMatchObject({ status: 'issued' });
    visit.send({ type: 'visitor.back' });
    await reach(visit, 'the held certificate', (s) => child(s, 'held')?.value === 'choosing');
    await holding(visit, 'renew', { device: image }, first.serial, password, false);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const renewed = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    expect(sameSerial(renewed)).not.toBe(sameSerial(first.serial));
    // The renewed pair replaced the old one (same subject, same folder).
    const after = onlyPair(image);
    expect(after.folder).toBe(before.folder);
    expect(certificateSerial(after.cert)).toBe(sameSerial(renewed));
    expect(certificatePublicKey(after.cert)).not.toBe(certificatePublicKey(before.cert));
    expect(after.r.equals(before.r)).toBe(true);
    // At the CA: the new one issued as the old one's successor, the old one revoked (superseded).
    expect(ca.certificate(renewed)).toMatchObject({ status: 'issued', predecessor: first.serial });
    expect(ca.certificate(first.serial)).toMatchObject({ status: 'revoked' });
    expect(ca.revocationReason(first.serial)).toBe(4);
  });

  it('copies from the drive onto a token, then renews there with a key born on the token', async () => {
    const { ca, kiosk } = peers();
    const image = imageFile(kiosk, 'copy.img', true);
    const { label } = softhsm.newToken(pin);
    const { serial } = await issueInPerson(image);
    const onDrive = onlyPair(image);

    // Copy: the drive's certificate, opened with its password, onto the token with its PIN.
    const copy = peers().service.startVisit();
    await holding(copy, 'copy', { device: image }, serial, password);
    await reach(copy, 'the medium to copy onto', (s) => flowState(s) === 'storage');
    copy.send({ type: 'visitor.chooseToken', label });
    expect(copy.enterNewSecret(Buffer.from(pin))).toEqual([]);
    await reach(copy, 'done', (s) => flowState(s) === 'done');
    copy.send({ type: 'visitor.finish' });
    expect(await copy.ended).toBe('done');

    const copied = tokenObjects(label, pin);
    const keys = copied.filter((o) => o.heading.startsWith('Private Key Object'));
    expect(keys).toHaveLength(1);
    const id = keys[0]?.attributes.ID ?? '';
    // Imported: sensitive and not extractable from now on (neither local nor always sensitive).
    expect(keys[0]?.attributes.Access).toBe('sensitive');
    const certificate = readTokenObject(label, pin, 'cert', { id });
    expect(certificate.equals(onDrive.cert)).toBe(true);
    const r = readTokenObject(label, pin, 'data', { label: `R4VID=${id}` });
    expect(r.equals(onDrive.r)).toBe(true);
    expect(certificateCarriesVid(certificate, expectedVid(visitor.idn, r))).toBe(true);
    // A copy: the drive keeps its pair.
    expect(onlyPair(image).cert.equals(onDrive.cert)).toBe(true);

    // Renewal on the token, opened with the PIN: a new pair generated there, the copied one gone.
    const renewal = peers().service.startVisit();
    await holding(renewal, 'renew', { label }, serial, pin);
    const done = await reach(renewal, 'done', (s) => flowState(s) === 'done');
    const renewed = done.context.issued?.serial ?? '';
    renewal.send({ type: 'visitor.finish' });
    expect(await renewal.ended).toBe('done');

    const objects = tokenObjects(label, pin);
    const of = (kind: string) => objects.filter((o) => o.heading.startsWith(kind));
    expect(of('Private Key Object')).toHaveLength(1);
    const [key] = of('Private Key Object');
    const newId = key?.attributes.ID ?? '';
    expect(newId).not.toBe(id);
    expect(key?.attributes.Access).toBe('sensitive, always sensitive, never extractable, local');
    expect(of('Certificate Object').map((o) => o.attributes.ID)).toEqual([newId]);
    expect(of('Data object').map((o) => o.attributes.label)).toEqual([`'R4VID=${newId}'`]);
    const renewedCertificate = readTokenObject(label, pin, 'cert', { id: newId });
    expect(certificateSerial(renewedCertificate)).toBe(sameSerial(renewed));
    const renewedR = readTokenObject(label, pin, 'data', { label: `R4VID=${newId}` });
    expect(certificateCarriesVid(renewedCertificate, expectedVid(visitor.idn, renewedR))).toBe(
      true,
    );
    expect(ca.certificate(renewed)).toMatchObject({ status: 'issued', predecessor: serial });
    expect(ca.revocationReason(serial)).toBe(4);
  });
});

describe('the visitor’s medium refuses, the reference is kept', () => {
  it('a wrong token PIN: told, nothing made on the token; a drive that is not FAT: told; back, formatted, issued', async () => {
    const { ca, kiosk } = peers();
    const { label } = softhsm.newToken(pin);
    const image = imageFile(kiosk, 'not-fat.img', false);
    const visit = peers().service.startVisit();
    const ref = await inPersonToStorage(visit);

    // The token logs in with the PIN only when issuing: SoftHSM refuses it.
    visit.send({ type: 'visitor.chooseToken', label });
    expect(visit.enterNewSecret(Buffer.from('999999'))).toEqual([]);
    const wrongPin = await reach(visit, 'the refusal', (s) => flowState(s) === 'mediumUnusable');
    expect(wrongPin.context.failure).toMatchObject({ kind: 'wrongSecret', spent: 'nothing' });
    expect(tokenObjects(label, pin).map((o) => o.heading)).toEqual([]);
    visit.send({ type: 'visitor.back' });
    await reach(visit, 'the storage step', (s) => child(s, 'storage')?.value === 'choosing');

    // A blank drive chosen as if it were formatted: not FAT, refused before anything is written.
    visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
    expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
    const notFat = await reach(visit, 'the refusal', (s) => flowState(s) === 'mediumUnusable');
    expect(notFat.context.failure).toMatchObject({ kind: 'mediumUnusable', spent: 'nothing' });
    visit.send({ type: 'visitor.back' });
    await reach(visit, 'the storage step', (s) => child(s, 'storage')?.value === 'choosing');
    visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: true });
    visit.send({ type: 'visitor.confirmFormat' });
    await reach(visit, 'the password', (s) => child(s, 'storage')?.value === 'password');
    expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const serial = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');
    expect(certificateSerial(onlyPair(image).cert)).toBe(sameSerial(serial));
    expect(ca.certificatesOf(ref).map((c) => [sameSerial(c.serial), c.status])).toEqual([
      [sameSerial(serial), 'issued'],
    ]);
  });
});

describe.each(['usb', 'token'] as const)(
  'the CA down when the visit asks it, onto a %s',
  (kind) => {
    it('the visit shows the CA unreachable, nothing half-made; the reference still good, a retry issues once the CA is back', async () => {
      const { ca, kiosk } = peers();
      const image = kind === 'usb' ? imageFile(kiosk, 'ca-down.img', true) : '';
      const label = kind === 'token' ? softhsm.newToken(pin).label : '';
      /** What the medium holds, as mtools or pkcs11-tool read it. */
      const held = (): string[] =>
        kind === 'usb'
          ? pairsOnImage(image).map((p) => certificateSerial(p.cert))
          : tokenObjects(label, pin).map((o) => o.heading);
      const visit = peers().service.startVisit();
      const ref = await inPersonToStorage(visit);
      await ca.stop();
      try {
        if (kind === 'usb') {
          visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: false });
          expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
        } else {
          visit.send({ type: 'visitor.chooseToken', label });
          expect(visit.enterNewSecret(Buffer.from(pin))).toEqual([]);
        }
        const down = await reach(visit, 'the CA failure', (s) => flowState(s) === 'caUnreachable');
        expect(down.context.failure).toMatchObject({ kind: 'caUnreachable', spent: 'unanswered' });
        // Nothing half-made on the medium (the key made for the request is gone from the token);
        // the reference not spent.
        expect(held()).toEqual([]);
        expect(ca.registration(ref)).toMatchObject({ usedAt: null, holdsIdn: 1 });
      } finally {
        await ca.start();
      }
      visit.send({ type: 'visitor.retry' });
      const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
      const serial = done.context.issued?.serial ?? '';
      visit.send({ type: 'visitor.finish' });
      expect(await visit.ended).toBe('done');
      if (kind === 'usb') expect(held()).toEqual([sameSerial(serial)]);
      else {
        const objects = tokenObjects(label, pin);
        expect(objects.filter((o) => o.heading.startsWith('Private Key Object'))).toHaveLength(1);
        const id = objects.find((o) => o.heading.startsWith('Certificate Object'))?.attributes.ID;
        expect(certificateSerial(readTokenObject(label, pin, 'cert', { id: id ?? '' }))).toBe(
          sameSerial(serial),
        );
      }
      expect(ca.certificatesOf(ref).map((c) => [sameSerial(c.serial), c.status])).toEqual([
        [sameSerial(serial), 'issued'],
      ]);
    });
  },
);

describe('the CA down when the teller approves', () => {
  it('the registration fails as the CA unreachable; retried once the CA is back, it registers once', async () => {
    const { ca } = peers();
    const registrations = (): number =>
      ca.read(
        (db) => (db.prepare('select count(*) as n from registrations').get() as { n: number }).n,
      );
    const before = registrations();
    const visit = peers().service.startVisit();
    await startIssuance(visit, visitor);
    visit.send({ type: 'visitor.noChip' });
    await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
    await ca.stop();
    try {
      await approveInPerson(visit, visitor.idn);
      const down = await reach(visit, 'the CA failure', (s) => flowState(s) === 'caUnreachable');
      expect(down.context.failure).toMatchObject({ kind: 'caUnreachable' });
      expect(down.context.ref).toBeUndefined();
    } finally {
      await ca.start();
    }
    visit.send({ type: 'visitor.retry' });
    const atStorage = await reach(visit, 'storage', (s) => flowState(s) === 'storage');
    const ref = atStorage.context.ref ?? '';
    expect(registrations()).toBe(before + 1);
    expect(ca.registration(ref)).toMatchObject({ evidence: 'inPersonOnly', approvedBy: teller });
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
  });
});
