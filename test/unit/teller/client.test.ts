import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import { cscaTrustFrom } from '../../../drivers/emrtd/sod.js';
import { defaultConfig, type Config } from '../../../src/config/index.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { startKiosk, type KioskView, type RunningKiosk } from '../../../src/kiosk/run/kiosk.js';
import type { RunningVisit } from '../../../src/kiosk/service.js';
import { TellerAccounts } from '../../../src/teller/accounts.js';
import { visitAnswer } from '../../../src/teller/answers.js';
import { TellerClient } from '../../../src/teller/client.js';
import { TellerClientError } from '../../../src/teller/clientErrors.js';
import { jsonStringBytes } from '../../../src/teller/jsonBytes.js';
import { loadProfile } from '../../../src/virtualDocument/profile.js';
import {
  generateTestProfile,
  writeTestProfile,
  type TestProfile,
} from '../../../src/virtualDocument/testProfile.js';
import { VirtualEmrtd } from '../../../src/virtualDocument/virtualCard.js';
import { FakeCa } from '../../support/fakeCa.js';
import { childState, idn, mrzOf, until } from '../../support/kioskWorld.js';
import { serviceWorld, type ServiceWorld } from '../../support/serviceWorld.js';
import { tempDir } from '../../support/tempDir.js';
import { cheapScrypt } from './tellerApiWorld.js';

// Issue 15 item 3: the teller console's HTTP client against the real teller API of a running
// kiosk on fakes (as test/unit/kiosk/tellerDesk.test.ts sets it up): the virtual eMRTD in a fake
// reader, the fake CA behind the in-process RA. Every decision kind, every refusal as a typed
// answer or error, the password sent as bytes; then what the client refuses to read.

const reader = 'Fake Reader 00 00';
const alice = { name: 'kim-teller', password: 'correct horse battery' };

const expectKind = async (promise: Promise<unknown>, kind: string): Promise<TellerClientError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TellerClientError);
  expect((error as TellerClientError).kind).toBe(kind);
  return error as TellerClientError;
};

describe('the teller client against the running kiosk', { timeout: 30_000 }, () => {
  let world: ServiceWorld;
  let kiosk: RunningKiosk;
  let caAnswer: Server;
  let verified: TestProfile;
  let verifiedCard: VirtualEmrtd;
  let unverified: { profile: TestProfile; card: VirtualEmrtd };
  const pcsc = new FakePcscDriver();

  beforeAll(async () => {
    const [material, mine, foreign] = await Promise.all([
      FakeCa.newMaterial(),
      generateTestProfile({ seed: 5 }),
      generateTestProfile({ seed: 11 }),
    ]);
    verified = mine;
    const cards = await Promise.all(
      [mine, foreign].map(async (profile) => {
        const dir = tempDir('client-profile-');
        await writeTestProfile(profile, dir);
        return new VirtualEmrtd(await loadProfile(dir));
      }),
    );
    verifiedCard = cards[0] as VirtualEmrtd;
    unverified = { profile: foreign, card: cards[1] as VirtualEmrtd };
    pcsc.addReader(reader);
    pcsc.insert(reader, verifiedCard);
    const stateDir = join(tempDir('client-kiosk-'), 'state');
    const accounts = TellerAccounts.inStateDir(stateDir, cheapScrypt);
    await accounts.add(alice.name, Buffer.from(alice.password), new Date());
    accounts.close();
    caAnswer = createServer((_request, response) => {
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => caAnswer.listen(0, '127.0.0.1', resolve));
    const { port } = caAnswer.address() as AddressInfo;
    const config: Config = { ...defaultConfig(), stateDir };
    world = await serviceWorld('usb', material, { pcsc, config });
    const raEncryption = world.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('no RA encryption certificate');
    kiosk = await startKiosk(world.ctx, {
      setup: {
        institutions: defaultInstitutions,
        ca: { url: `http://127.0.0.1:${String(port)}/pkix/`, trust: world.ca.trust, raEncryption },
        ra: raInProcess(world.ca.db),
        cscaTrust: cscaTrustFrom([mine.csca.certificate]),
        close: () => Promise.resolve(),
      },
      teller: { listen: '127.0.0.1:0', scrypt: cheapScrypt },
    });
  }, 60_000);

  afterEach(async () => {
    pcsc.insert(reader, verifiedCard);
    const visit = kiosk.visit();
    if (visit === undefined) return;
    try {
      visit.send({ type: 'visit.cancel' });
    } catch {
      // ending already
    }
    await visit.ended;
  });

  afterAll(async () => {
    await kiosk.close();
    await new Promise<void>((resolve) => {
      caAnswer.close(() => {
        resolve();
      });
      caAnswer.closeAllConnections();
    });
    world.ca.close();
  });

  const client = (): TellerClient => new TellerClient({ url: kiosk.tellerUrl ?? '' });

  async function loggedIn(): Promise<TellerClient> {
    const c = client();
    const password = Buffer.from(alice.password);
    const session = await c.login(alice.name, password);
    expect(session.teller).toBe(alice.name);
    return c;
  }

  async function waitingVisit(profile: TestProfile | 'noChip'): Promise<RunningVisit> {
    await new Promise<KioskView>((resolve) => {
      const look = (view: KioskView): void => {
        if (view.state !== 'ready') return;
        stop();
        resolve(view);
      };
      const stop = kiosk.subscribe(look);
      look(kiosk.snapshot());
    });
    kiosk.send({ type: 'kiosk.visitor' });
    const visit = kiosk.visit();
    if (visit === undefined) throw new Error('no visit');
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    if (profile === 'noChip') visit.send({ type: 'visitor.noChip' });
    else {
      visit.send({ type: 'visitor.chip' });
      visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    }
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    return visit;
  }

  it('login with the password as bytes; refused, then a session that ends at logout', async () => {
    const c = client();
    await expectKind(c.login(alice.name, Buffer.from('wrong password here')), 'loginRefused');
    await expectKind(c.queue(), 'sessionEnded');
    await c.login(alice.name, Buffer.from(alice.password));
    expect(c.loggedIn).toBe(true);
    expect(await c.queue()).toEqual([]);
    await c.logout();
    expect(c.loggedIn).toBe(false);
    await expectKind(c.queue(), 'sessionEnded');
  });

  it('a verified chip: queue, view with verdicts, photo bytes, approve', async () => {
    const c = await loggedIn();
    const visit = await waitingVisit(verified);
    const queue = await c.queue();
    expect(queue).toMatchObject([{ visitId: visit.id, basis: 'chipVerified', name: '홍길동' }]);
    const view = await c.view(visit.id);
    expect(view).toMatchObject({
      form: { name: '홍길동', idnMasked: '900101-1******' },
      chipData: {
        documentNumber: verified.person.documentNumber,
        passiveAuthentication: { outcome: 'passed' },
        activeAuthentication: { outcome: 'passed' },
        photo: { type: 'image/jpeg' },
      },
      needs: { overrideReason: false, document: false },
    });
    const photo = await c.photo(visit.id);
    expect(photo?.type).toBe('image/jpeg');
    expect(photo?.bytes.equals(verified.face)).toBe(true);
    expect(await c.approve(visit.id)).toMatchObject({ accepted: true, evidence: 'chipVerified' });
    expect(await c.approve(visit.id)).toMatchObject({ accepted: false, refusal: 'alreadyDecided' });
    expect(await c.view(visit.id)).toBeUndefined();
    expect(await c.photo(visit.id)).toBeUndefined();
  });

  it('a chip that did not verify: refused without a reason, the override with one', async () => {
    pcsc.insert(reader, unverified.card);
    const c = await loggedIn();
    const visit = await waitingVisit(unverified.profile);
    expect((await c.view(visit.id))?.needs).toEqual({ overrideReason: true, document: false });
    expect(await c.approve(visit.id)).toMatchObject({
      accepted: false,
      refusal: 'needsOverrideReason',
      message: { en: /approving needs a reason/ },
    });
    // A reason the API will not record (a control character): refused, not thrown.
    expect(await c.override(visit.id, 'bell\u0007')).toMatchObject({
      accepted: false,
      refusal: 'badRequest',
    });
    expect(await c.override(visit.id, 'passport checked under UV')).toMatchObject({
      accepted: true,
      override: true,
      evidence: 'chipNotVerifiedOverride',
    });
  });

  it('no chip: the in-person check with the number as bytes; a bad number refused', async () => {
    const c = await loggedIn();
    const visit = await waitingVisit('noChip');
    expect(await c.photo(visit.id)).toBeUndefined();
    const bad = await c.inPerson(visit.id, {
      type: 'residentCard',
      number: Buffer.from('901301-1234568'),
    });
    expect(bad).toMatchObject({ accepted: false, refusal: 'needsDocument' });
    expect(JSON.stringify(bad)).not.toContain('1234568');
    const good = await c.inPerson(visit.id, {
      type: 'driverLicence',
      number: Buffer.from('11-91-123456-01'),
    });
    expect(good).toMatchObject({
      accepted: true,
      evidence: 'inPersonOnly',
      inPerson: { type: 'driverLicence', numberMasked: '11-91-********' },
    });
  });

  it('a rejection with its reason; the fee refused when not waiting', async () => {
    const c = await loggedIn();
    const visit = await waitingVisit(verified);
    expect(await c.feePaid(visit.id)).toMatchObject({ accepted: false, refusal: 'notWaiting' });
    expect(await c.reject(visit.id, '사진과 얼굴이 다릅니다')).toMatchObject({
      accepted: true,
      decided: 'reject',
      teller: alice.name,
    });
    expect(visit.snapshot().matches({ flow: 'rejected' })).toBe(true);
  });
});

describe('what the teller client refuses', () => {
  it('plain http off loopback, and a visit id the API would not route', async () => {
    expect(() => new TellerClient({ url: 'http://192.0.2.1:8830' })).toThrow(/use https/);
    expect(() => new TellerClient({ url: 'not a url' })).toThrow(TellerClientError);
    expect(new TellerClient({ url: 'https://192.0.2.1:8830' }).loggedIn).toBe(false);
    const c = new TellerClient({ url: 'http://127.0.0.1:1' });
    await expect(c.view('../login')).rejects.toThrow(/not a visit id/);
    await expect(c.approve('a/b')).rejects.toThrow(/not a visit id/);
  });

  it('encodes a secret as a JSON string byte by byte', () => {
    for (const secret of ['plain', 'q"uote\\back', 'tab\there\u0001', '비밀번호 열두 자']) {
      const bytes = jsonStringBytes(Buffer.from(secret));
      expect(JSON.parse(bytes.toString('utf8'))).toBe(secret);
    }
  });

  it('an answer that is too large, not JSON or not the API shape: malformed; no answer: unreachable', async () => {
    let reply = (res: import('node:http').ServerResponse): void => {
      res.end();
    };
    const server = createServer((_req, res) => {
      reply(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const json = (value: unknown) => (res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    try {
      const c = new TellerClient({ url, timeoutMs: 300 });
      reply = json({ token: 'short' });
      await expectKind(c.login('kim', Buffer.from('x')), 'malformed');
      reply = json({
        token: 'A'.repeat(43),
        teller: 'kim',
        expires: '',
        idleExpires: '',
        idleMs: 1,
      });
      await c.login('kim', Buffer.from('x'));
      reply = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(300 * 1024));
      };
      await expectKind(c.queue(), 'malformed');
      reply = json({ visits: [{ visitId: 'a b' }] });
      await expectKind(c.queue(), 'malformed');
      reply = () => undefined;
      await expectKind(c.queue(), 'unreachable');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });

  it('makes every shown string inert: escapes, bidi controls, ambiguous-width symbols', () => {
    const hostile = 'KIM\u001b]0;owned\u0007\u001b[2J\u202eLIAM\u2066·※{red-bg}';
    const view = visitAnswer.parse({
      visitId: 'v-1',
      since: '2026-03-02T01:00:00.000Z',
      purpose: 'issue',
      waitingFor: 'approval',
      name: hostile,
      idnMasked: '900101-1******',
      basis: 'chipVerified',
      feeWon: 0,
      form: { name: hostile, idnMasked: '900101-1******', birthDate: '1990-01-01', phone: '010' },
      basisText: { ko: '확인', en: 'ok' },
      needs: { overrideReason: false, document: false },
    });
    for (const value of [view.name, view.form.name]) {
      // eslint-disable-next-line no-control-regex -- none may be left
      expect(value).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069·※]/);
      expect(value).toContain('KIM');
    }
  });
});
