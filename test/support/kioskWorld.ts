import type { AddressInfo } from 'node:net';
import { FakePcscDriver } from '../../drivers/pcsc/fake.js';
import { issueRaClientCertificate } from '../../src/ca/ra/certificates.js';
import { createRaEndpoint } from '../../src/ca/ra/endpoint.js';
import { raInProcess } from '../../src/kiosk/raInProcess.js';
import { raOverNetwork } from '../../src/kiosk/raOverNetwork.js';
import type { IdAuthenticity } from '../../src/kiosk/idAuthenticity/contract.js';
import type { RaClient } from '../../src/kiosk/ra.js';
import type { VisitStore } from '../../src/kiosk/visitStore.js';
import { KioskService, type RunningVisit, type VisitSnapshot } from '../../src/kiosk/service.js';
import { loadProfile } from '../../src/virtualDocument/profile.js';
import {
  generateTestProfile,
  writeTestProfile,
  type TestProfile,
} from '../../src/virtualDocument/testProfile.js';
import { VirtualEmrtd } from '../../src/virtualDocument/virtualCard.js';
import { FakeCa } from './fakeCa.js';
import { servicePin, serviceWorld, type MediumKind } from './serviceWorld.js';
import { tempDir } from './tempDir.js';
import { defaultInstitutions } from '../../src/kiosk/institutions.js';

// The kiosk service over a service world (test/support/serviceWorld.ts) with the virtual eMRTD in
// a fake reader and the fake CA behind an in-process RA, and the steps of a visit a test walks.

const institutions = defaultInstitutions;
export const idn = '9001011234568';
export const password = 'Kiosk!2345';
export const reader = 'Fake Reader 00 00';

/**
 * A kiosk over a service world; `ra: 'network'` registers through the CA's RA endpoint over
 * mutual TLS (an in-process `createRaEndpoint` on the fake CA's database) instead of in process.
 */
export async function kiosk(
  kind: Exclude<MediumKind, 'dir'>,
  options: {
    ra?: 'inProcess' | 'network';
    idAuthenticity?: IdAuthenticity;
    /** Where the visits are recorded (crash recovery, issue 14 item 3). */
    store?: VisitStore;
  } = {},
) {
  const material = await FakeCa.newMaterial();
  const profile = await generateTestProfile({ seed: 5 });
  const dir = tempDir('visit-profile-');
  await writeTestProfile(profile, dir);
  const pcsc = new FakePcscDriver();
  pcsc.addReader(reader);
  const card = new VirtualEmrtd(await loadProfile(dir));
  pcsc.insert(reader, card);
  const world = await serviceWorld(kind, material, { pcsc });
  const codes: string[] = [];
  // The operator's in-process RA on the fake CA's database, noting each code for the leak checks.
  const operatorRa = raInProcess(world.ca.db);
  const inProcess: RaClient = {
    ...operatorRa,
    register: async (request, signal) => {
      const registration = await operatorRa.register(request, signal);
      codes.push(registration.authCode.toString('ascii'));
      return registration;
    },
  };
  const network = options.ra === 'network' ? await raEndpointFor(world.ca) : undefined;
  const ra = network?.client ?? inProcess;
  const raEncryption = world.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('no RA certificate');
  const service = new KioskService({
    ctx: world.ctx,
    institutions,
    ra,
    ca: { url: 'http://ca.invalid/', trust: world.ca.trust, raEncryption },
    delays: { inactivityWarning: 600_000, inactivityWipe: 60_000, tellerApproval: 600_000 },
    ...(options.idAuthenticity === undefined ? {} : { idAuthenticity: options.idAuthenticity }),
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  return {
    world,
    service,
    ra,
    profile,
    codes,
    pcsc,
    card,
    close: () => {
      service.close();
      network?.close();
      world.ca.close();
    },
  };
}

/** Resolves when the visit's snapshot satisfies `ready`; rejects if the visit ends first. */
export function until(
  visit: RunningVisit,
  ready: (s: VisitSnapshot) => boolean,
): Promise<VisitSnapshot> {
  return new Promise((resolve, reject) => {
    const look = (snapshot: VisitSnapshot) => {
      if (ready(snapshot)) {
        stop();
        resolve(snapshot);
      } else if (snapshot.matches({ flow: 'finished' })) {
        stop();
        reject(new Error(`the visit ended: ${JSON.stringify(snapshot.context.failure)}`));
      }
    };
    const stop = visit.subscribe(look);
    look(visit.snapshot());
  });
}

export const childState = (s: VisitSnapshot, id: string): unknown =>
  (s.children as Record<string, { getSnapshot(): { value: unknown } } | undefined>)[
    id
  ]?.getSnapshot().value;

/** The MRZ fields of the test document, as the visitor types them. */
export function mrzOf(profile: TestProfile) {
  return {
    documentNumber: profile.person.documentNumber,
    birthDate: profile.person.birthDate,
    expiryDate: profile.person.expiryDate,
  };
}

/**
 * Home → `purpose` (a type chosen where the purpose needs one) → the form for `who` → chip read →
 * the teller's override. Returns at once: the caller awaits the step it wants next.
 */
export async function walkThroughIdentity(
  visit: RunningVisit,
  profile: TestProfile,
  purpose: 'issue' | 'reissue' | 'revoke' = 'issue',
  who: { name: string; idn: string } = { name: '홍길동', idn },
): Promise<void> {
  visit.send({ type: 'visitor.start', purpose });
  if (purpose !== 'revoke')
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  visit.submitForm({ name: who.name, idn: Buffer.from(who.idn), phone: '010-1234-5678' });
  visit.send({ type: 'visitor.chip' });
  visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
  await until(visit, (s) => childState(s, 'identity') === 'approval');
  visit.send({
    type: 'teller.approve',
    teller: 'kim',
    at: new Date().toISOString(),
    overrideReason: 'test chip without a CSCA; photo matches the visitor',
  });
}

/** Home → issue → form → chip read → the teller's override; resolves in the storage step. */
export async function walkToStorage(visit: RunningVisit, profile: TestProfile): Promise<void> {
  await walkThroughIdentity(visit, profile);
  await until(visit, (s) => s.matches({ flow: 'storage' }));
}

/** The storage step done: the world's drive with the password, or its token with the PIN. */
export function chooseMedium(visit: RunningVisit, kind: Exclude<MediumKind, 'dir'>): void {
  if (kind === 'usb') {
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    visit.enterNewSecret(Buffer.from(password), Buffer.from(password));
  } else {
    visit.send({ type: 'visitor.chooseToken', label: 'visitor' });
    visit.enterNewSecret(Buffer.from(servicePin));
  }
}

/** The fake CA's RA endpoint on a loopback port, and a branch's RA client for it. */
async function raEndpointFor(ca: FakeCa) {
  const now = new Date();
  const endpoint = await createRaEndpoint({
    material: ca.material,
    db: ca.db,
    names: ['127.0.0.1'],
    now: () => new Date(),
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const { port } = endpoint.address() as AddressInfo;
  const branch = await issueRaClientCertificate(ca.material, 'Gangnam', now);
  ca.db.addRaClient({
    name: 'Gangnam',
    serial: branch.serial,
    issuedAt: now.getTime(),
    notAfter: branch.certificate.notAfter.getTime(),
    revokedAt: undefined,
  });
  const client = raOverNetwork({
    url: `https://127.0.0.1:${String(port)}`,
    cert: branch.certificate.toString('pem'),
    key: branch.keyPem,
    ca: [
      ca.material.issuing.certificate.toString('pem'),
      ca.material.root.certificate.toString('pem'),
    ],
  });
  return {
    client,
    close: () => {
      endpoint.closeAllConnections();
      endpoint.close();
    },
  };
}

/**
 * Resolves after the screen driver's pending draw: it draws the kiosk's changes once per turn of
 * the event loop (ScreenDriver.#drawSoon), so a test that changed the visit directly waits for it.
 */
export function nextDraw(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
