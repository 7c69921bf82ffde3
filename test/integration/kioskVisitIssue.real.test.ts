import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChipSummary } from '../../machines/types.js';
import type { RunningVisit } from '../../src/kiosk/service.js';
import { emrtdProfile, type EmrtdProfileFixture } from '../support/emrtdProfile.js';
import {
  approve,
  certificateCarriesVid,
  certificatePublicKey,
  certificateSerial,
  certificateText,
  child,
  cliCheck,
  expectedVid,
  expectLogWithout,
  flowState,
  imageFile,
  openssl,
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
  visitorOf,
  VpcdCard,
  type RealKiosk,
  type Visitor,
} from '../support/kioskReal.js';
import { fsck } from '../support/fatImages.js';
import { Pcscd } from '../support/pcscd.js';
import { softhsmWorld } from '../support/softhsm.js';
import { opensslPkcs8Decrypt, stageKeyFile } from '../../scripts/lib/openssl.mjs';

// Issue 13, acceptance: whole visits headless in this process with the ID chip on its real path
// (the virtual eMRTD through vpcd and the real pcscd, read by the kiosk's pcsc-lite driver), the
// CA in its own process (`kiosk ca serve --ra-listen`: RA registration over mutual TLS, CMP), and
// the visitor's medium a SoftHSM2 token or a FAT image through the real drive code. What each
// visit leaves is read back by other tools: pkcs11-tool, mtools, openssl, sqlite.

const softhsm = softhsmWorld();
const pin = '246810';
const password = 'Kiosk!2345-visit';

let pcscd: Pcscd | undefined;
let ca: RealCa | undefined;
let kiosk: RealKiosk | undefined;
let card: VpcdCard | undefined;
let document: EmrtdProfileFixture;
let visitor: Visitor;

beforeAll(async () => {
  requirePeers({ pcscd: true });
  pcscd = await Pcscd.start();
  // Side by side; the CA kept as soon as it runs, so afterAll stops it whatever fails next.
  const [started, profile] = await Promise.all([
    RealCa.create().then((c) => (ca = c)),
    emrtdProfile({ seed: 7 }),
  ]);
  document = profile;
  visitor = visitorOf(profile.profile.person);
  kiosk = realKiosk(started);
  card = await VpcdCard.of(document.dir, kiosk.ctx.devices.pcsc());
}, 90_000);

afterAll(async () => {
  // In this order, each one even when another fails: the card off the reader, the kiosk's
  // devices (pcsc-lite's context), the CA process, pcscd.
  await stopInOrder([
    () => card?.pull(),
    () => kiosk?.close(),
    () => ca?.stop(),
    () => pcscd?.close(),
  ]);
}, 30_000);

const peers = () => {
  if (ca === undefined || kiosk === undefined || card === undefined)
    throw new Error('the peers did not start (see beforeAll)');
  return { ca, kiosk, card };
};

/** The MRZ fields the visitor types (the BAC key). */
const mrz = () => ({
  documentNumber: document.profile.person.documentNumber,
  birthDate: document.profile.person.birthDate,
  expiryDate: document.profile.person.expiryDate,
});

/** The identity sub-flow's chip summary, as the teller's screen shows it. */
const chipOf = (visit: RunningVisit): ChipSummary | undefined =>
  child(visit.snapshot(), 'identity')?.context.chip as ChipSummary | undefined;

/** Form done → the chip read through pcscd → waiting for the teller. */
async function readChip(visit: RunningVisit): Promise<ChipSummary> {
  visit.send({ type: 'visitor.chip' });
  visit.send({ type: 'visitor.mrz', entry: mrz() });
  await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
  const chip = chipOf(visit);
  expect(chip).toBeDefined();
  return chip as ChipSummary;
}

describe('a whole issuance with the chip read through pcscd and vpcd', () => {
  it('onto a SoftHSM2 token: the chip verifies, the key is born on the token, the VID is the form’s IDN', async () => {
    const { ca, kiosk, card } = peers();
    const { label } = softhsm.newToken(pin);
    const visit = (await kiosk.service(document.cscaDir)).startVisit();
    await card.insert();
    await startIssuance(visit, visitor);
    const chip = await readChip(visit);
    // The teller sees a genuine chip agreeing with the form (the Hangul name is theirs to compare)
    // and the photo the chip holds, byte for byte.
    expect(chip).toMatchObject({
      verified: true,
      failures: [],
      mismatches: [],
      nameNeedsTeller: true,
      documentNumber: document.manifest.documentNumber,
      birthDate: document.manifest.birthDate,
    });
    expect(Buffer.from(visit.chipReading()?.photo?.bytes ?? []).equals(document.profile.face)).toBe(
      true,
    );
    approve(visit);
    const atStorage = await reach(visit, 'the storage step', (s) => flowState(s) === 'storage');
    const ref = atStorage.context.ref ?? '';
    visit.send({ type: 'visitor.chooseToken', label });
    expect(visit.enterNewSecret(Buffer.from(pin))).toEqual([]);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const serial = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    // On the token, as pkcs11-tool reads it: one pair, its certificate and R under one CKA_ID.
    const objects = tokenObjects(label, pin);
    const of = (kind: string) => objects.filter((o) => o.heading.startsWith(kind));
    const [key] = of('Private Key Object');
    expect(of('Private Key Object')).toHaveLength(1);
    const id = key?.attributes.ID ?? '';
    expect(id).toMatch(/^[0-9a-f]+$/);
    const pairLabel = `kiosk ${new Date().toISOString().slice(0, 10)}`;
    // Generated on the token: sensitive, never extractable (DESIGN §3.3).
    expect(key?.attributes).toMatchObject({
      label: pairLabel,
      // Sign only: no decrypt or unwrap from the token's defaults.
      Usage: 'sign',
      Access: 'sensitive, always sensitive, never extractable, local',
    });
    expect(of('Public Key Object')[0]?.attributes.Usage).toBe('verify');
    for (const kind of ['Public Key Object', 'Certificate Object'])
      expect(of(kind).map((o) => [o.attributes.label, o.attributes.ID])).toEqual([[pairLabel, id]]);
    expect(of('Data object').map((o) => o.attributes.label)).toEqual([`'R4VID=${id}'`]);
    // CKA_PRIVATE: without the PIN pkcs11-tool sees the certificate, never the private key.
    const unauthenticated = tokenObjects(label).map((o) => o.heading);
    expect(unauthenticated.some((h) => h.startsWith('Certificate Object'))).toBe(true);
    expect(unauthenticated.some((h) => h.startsWith('Private Key Object'))).toBe(false);

    const certificate = readTokenObject(label, pin, 'cert', { id });
    expect(certificateSerial(certificate)).toBe(sameSerial(serial));
    // The receipt's validity is the certificate's (DESIGN §1 step 7).
    const notAfter = openssl(['x509', '-inform', 'DER', '-noout', '-enddate'], certificate)
      .toString()
      .trim()
      .replace(/^notAfter=/, '');
    expect(Date.parse(done.context.issued?.notAfter ?? '')).toBe(Date.parse(notAfter));
    // The token's public key is the certificate's.
    const tokenKey = openssl(
      ['pkey', '-pubin', '-inform', 'DER'],
      readTokenObject(label, pin, 'pubkey', { id }),
    ).toString();
    expect(tokenKey).toMatch(/BEGIN PUBLIC KEY/);
    expect(tokenKey).toBe(certificatePublicKey(certificate));
    // The bank/insurance-restricted policy of the type chosen (DESIGN §4.4, yessign).
    expect(certificateText(certificate)).toContain('1.2.410.200005.1.1.4');
    // The VID, recomputed here from R on the token and the IDN typed in the form.
    const r = readTokenObject(label, pin, 'data', { label: `R4VID=${id}` });
    expect(certificateCarriesVid(certificate, expectedVid(visitor.idn, r))).toBe(true);
    expect(certificateCarriesVid(certificate, expectedVid('8001011234561', r))).toBe(false);
    expect(cliCheck(kiosk, `token:${label}`, { pin }, visitor.idn)).toMatchObject({
      status: 0,
      report: { keyMatchesCert: true, vidOk: true },
    });

    // The CA recorded the registration: the branch's RA client, the teller, a verified chip.
    expect(ca.registration(ref)).toEqual({
      name: visitor.name,
      profile: 'restricted',
      approvedBy: teller,
      evidence: 'chipVerified',
      raName: raBranch,
      raSerial: ca.raClientSerial(),
      usedAt: expect.any(Number) as number,
      // The IDN is forgotten once the certificate is confirmed (DESIGN §5).
      holdsIdn: 0,
    });
    expect(ca.certificatesOf(ref).map((c) => [sameSerial(c.serial), c.status])).toEqual([
      [sameSerial(serial), 'issued'],
    ]);
    await card.pull();
  });

  it('onto a blank USB image the kiosk formats: a general-purpose certificate with its fee, read back with mtools and openssl', async () => {
    const { ca, kiosk, card } = peers();
    const image = imageFile(kiosk, 'blank.img', false);
    const visit = (await kiosk.service(document.cscaDir)).startVisit();
    await card.insert();
    await startIssuance(visit, visitor, 'general');
    expect((await readChip(visit)).verified).toBe(true);
    approve(visit);
    // The general-purpose type has a fee: the teller takes it before the RA is asked.
    await reach(visit, 'the fee', (s) => child(s, 'identity')?.value === 'fee');
    visit.send({ type: 'teller.feePaid', teller });
    const atStorage = await reach(visit, 'the storage step', (s) => flowState(s) === 'storage');
    const ref = atStorage.context.ref ?? '';
    // Blank: formatted only after the visitor confirms (mkfs.vfat through the drive code).
    visit.send({ type: 'visitor.chooseDrive', device: image, needsFormat: true });
    expect(child(visit.snapshot(), 'storage')?.value).toBe('confirmFormat');
    visit.send({ type: 'visitor.confirmFormat' });
    await reach(visit, 'the password', (s) => child(s, 'storage')?.value === 'password');
    expect(visit.enterNewSecret(Buffer.from(password), Buffer.from(password))).toEqual([]);
    const done = await reach(visit, 'done', (s) => flowState(s) === 'done');
    const serial = done.context.issued?.serial ?? '';
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');

    // mtools: one pair under NPKI/yessign/USER/<the subject's DN, leaf first>, on a clean FAT.
    expect(fsck(image)).toEqual({ status: 0, complaints: [] });
    const pairs = pairsOnImage(image);
    expect(pairs.map((p) => p.folder)).toEqual([
      expect.stringMatching(/^\/NPKI\/yessign\/USER\/cn=[^,]+,ou=[^/]*,o=yessign,c=kr$/i) as string,
    ]);
    const [pair] = pairs;
    if (pair === undefined) throw new Error('no pair on the image');
    expect(pair.folder).toContain(`cn=${visitor.name}`);
    expect(certificateSerial(pair.cert)).toBe(sameSerial(serial));
    // The general-purpose policy (DESIGN §4.4, yessign).
    expect(certificateText(pair.cert)).toContain('1.2.410.200005.1.1.1');
    // `openssl pkcs8` decrypts signPri.key with the password; the key is the certificate's.
    const pkcs1 = opensslPkcs8Decrypt(stageKeyFile(pair.key, password));
    expect(rsaPublicKey(pkcs1)).toBe(certificatePublicKey(pair.cert));
    // R from the decrypted key's randomNum attribute; the VID of the form's IDN.
    const { r } = opensslDecryptWithR(pair.key, password);
    expect(certificateCarriesVid(pair.cert, expectedVid(visitor.idn, r))).toBe(true);
    expect(certificateCarriesVid(pair.cert, expectedVid('8001011234561', r))).toBe(false);
    expect(cliCheck(kiosk, `usb:${image}`, { password }, visitor.idn)).toMatchObject({
      status: 0,
      report: { passwordOk: true, keyMatchesCert: true, vidOk: true },
    });
    expect(ca.registration(ref)).toMatchObject({
      profile: 'general',
      approvedBy: teller,
      evidence: 'chipVerified',
      raName: raBranch,
    });
    expectLogWithout(kiosk.logFile, '"visit step"', [visitor.idn, password, pin]);
    expectLogWithout(ca.logFile, '"CA serving"', [visitor.idn, password, pin]);
    await card.pull();
  });
});

describe('a chip that fails Passive Authentication (the kiosk trusts another CSCA)', () => {
  it('the teller sees it not verified; no approval without an override reason; with one, the CA records the override', async () => {
    const { ca, kiosk, card } = peers();
    // Another country's signing authority, as far as this kiosk knows: the chip's Document
    // Signer chains to no CSCA the kiosk trusts.
    const stranger = await emrtdProfile({ seed: 7 });
    const visit = (await kiosk.service(stranger.cscaDir)).startVisit();
    await card.insert();
    await startIssuance(visit, visitor);
    const chip = await readChip(visit);
    expect(chip.verified).toBe(false);
    expect(chip.failures).toContain('Document Signer chain: issuerNotTrusted');
    expect(visit.chipReading()?.passiveAuthentication.ok).toBe(false);
    // Approving a chip that did not verify without saying why is no approval: the visit waits.
    approve(visit);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(flowState(visit.snapshot())).toBe('identity');
    expect(child(visit.snapshot(), 'identity')?.value).toBe('approval');
    expect(tellerRequestState(visit)).toBe('pending');
    approve(visit, { overrideReason: 'photo and printed page match the visitor; CSCA not held' });
    const atStorage = await reach(visit, 'the storage step', (s) => flowState(s) === 'storage');
    const ref = atStorage.context.ref ?? '';
    expect(atStorage.context.identity).toMatchObject({
      outcome: 'approved',
      approval: { evidence: 'chipNotVerifiedOverride' },
    });
    expect(ca.registration(ref)).toMatchObject({
      approvedBy: teller,
      evidence: 'chipNotVerifiedOverride',
      raName: raBranch,
      usedAt: null,
    });
    // The visitor leaves: nothing was issued under the reference.
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    expect(ca.certificatesOf(ref)).toEqual([]);
    await card.pull();
  });
});

describe('the document lifted off the reader mid-read', () => {
  it('the visit asks for it again; put back, the read starts over and completes', async () => {
    const { kiosk, card } = peers();
    const visit = (await kiosk.service(document.cscaDir)).startVisit();
    // BAC takes 3 APDUs; the data groups (DG2's photo is ~20 KB) many more.
    await card.insert({ pullAfter: 20 });
    await startIssuance(visit, visitor);
    visit.send({ type: 'visitor.chip' });
    visit.send({ type: 'visitor.mrz', entry: mrz() });
    await reach(
      visit,
      'the card put back',
      (s) => JSON.stringify(child(s, 'identity')?.value) === '{"chip":"waitingForCard"}',
    );
    expect(child(visit.snapshot(), 'identity')?.context.failure).toMatchObject({
      kind: 'cardRemoved',
    });
    expect(card.answeredBeforePull).toBe(20);
    await card.gone();
    await card.insert();
    visit.send({ type: 'device.cardInserted' });
    await reach(visit, 'the teller’s approval', (s) => child(s, 'identity')?.value === 'approval');
    expect(chipOf(visit)?.verified).toBe(true);
    // The whole read again, well past where the first one stopped.
    expect(card.answered).toBeGreaterThan(20);
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    await card.pull();
  });
});
