import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import { cscaTrustFrom } from '../../../drivers/emrtd/sod.js';
import { defaultConfig, type Config } from '../../../src/config/index.js';
import { FakeIdAuthenticity } from '../../../src/kiosk/idAuthenticity/fake.js';
import { defaultInstitutions } from '../../../src/kiosk/institutions.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { startKiosk, type KioskView, type RunningKiosk } from '../../../src/kiosk/run/kiosk.js';
import { KioskService, type RunningVisit } from '../../../src/kiosk/service.js';
import { kioskTellerDesk, type KioskTellerDesk } from '../../../src/kiosk/tellerDesk.js';
import { list } from '../../../src/service/list.js';
import { TellerAccounts } from '../../../src/teller/accounts.js';
import type { DecisionRecord } from '../../../src/teller/desk.js';
import { loadProfile } from '../../../src/virtualDocument/profile.js';
import {
  generateTestProfile,
  writeTestProfile,
  type TestProfile,
} from '../../../src/virtualDocument/testProfile.js';
import { VirtualEmrtd } from '../../../src/virtualDocument/virtualCard.js';
import { FakeCa } from '../../support/fakeCa.js';
import { childState, chooseMedium, idn, mrzOf, until } from '../../support/kioskWorld.js';
import { serviceWorld, type ServiceWorld } from '../../support/serviceWorld.js';
import { tempDir } from '../../support/tempDir.js';
import { cheapScrypt } from '../teller/tellerApiWorld.js';

// Issue 14 item 1: the teller API in front of the running kiosk (startKiosk with its teller API on
// 127.0.0.1:0), over HTTP, on fakes: the virtual eMRTD in a fake reader, the fake CA behind the
// in-process RA, a fake drive. Teller accounts made with the accounts module in the kiosk's state
// folder. The approval arrives in the visit and the visit goes on to the drive; a rejection ends
// it; every refusal is the API's status with the desk's reason. The teller API's clock is the
// test's (session expiry, login throttling: no real waits).

const reader = 'Fake Reader 00 00';
const alice = { name: 'kim-teller', password: 'correct horse battery' };
const bob = { name: 'lee-teller', password: 'staple gun and paper' };
const carol = { name: 'park-teller', password: 'orange juice at noon' };

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
  readonly json: Record<string, unknown>;
}

describe('the teller API over the running kiosk', { timeout: 30_000 }, () => {
  let world: ServiceWorld;
  let kiosk: RunningKiosk;
  let caAnswer: Server;
  let stateDir: string;
  let verified: TestProfile;
  let unverified: { profile: TestProfile; card: VirtualEmrtd };
  let verifiedCard: VirtualEmrtd;
  const pcsc = new FakePcscDriver();
  const decisions: DecisionRecord[] = [];
  let clock = Date.now();

  beforeAll(async () => {
    const [material, mine, foreign] = await Promise.all([
      FakeCa.newMaterial(),
      generateTestProfile({ seed: 5 }),
      generateTestProfile({ seed: 11 }),
    ]);
    verified = mine;
    const cards = await Promise.all(
      [mine, foreign].map(async (profile) => {
        const dir = tempDir('teller-profile-');
        await writeTestProfile(profile, dir);
        return new VirtualEmrtd(await loadProfile(dir));
      }),
    );
    verifiedCard = cards[0] as VirtualEmrtd;
    unverified = { profile: foreign, card: cards[1] as VirtualEmrtd };
    pcsc.addReader(reader);
    pcsc.insert(reader, verifiedCard);

    stateDir = join(tempDir('teller-kiosk-'), 'state');
    const accounts = TellerAccounts.inStateDir(stateDir, cheapScrypt);
    for (const who of [alice, bob, carol])
      await accounts.add(who.name, Buffer.from(who.password), new Date());
    accounts.close();

    caAnswer = createServer((_request, response) => {
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => caAnswer.listen(0, '127.0.0.1', resolve));
    const { port } = caAnswer.address() as AddressInfo;

    const base = defaultConfig();
    const config: Config = { ...base, stateDir };
    world = await serviceWorld('usb', material, { pcsc, config });
    const raEncryption = world.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('no RA encryption certificate');
    kiosk = await startKiosk(world.ctx, {
      setup: {
        institutions: defaultInstitutions,
        ca: { url: `http://127.0.0.1:${String(port)}/pkix/`, trust: world.ca.trust, raEncryption },
        ra: raInProcess(world.ca.db),
        // The seed-5 document's CSCA only: the seed-11 document's chip does not verify.
        cscaTrust: cscaTrustFrom([mine.csca.certificate]),
        close: () => Promise.resolve(),
      },
      teller: {
        listen: '127.0.0.1:0',
        now: () => new Date(clock),
        scrypt: cheapScrypt,
        onDecision: (record) => decisions.push(record),
      },
    });
  }, 60_000);

  // A test that fails midway leaves no visit and no other card behind for the next.
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

  async function call(path: string, token?: string, body?: unknown): Promise<Answer> {
    const url = kiosk.tellerUrl;
    if (url === undefined) throw new Error('no teller API');
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      // the photo
    }
    return { status: response.status, headers: response.headers, bytes, json };
  }

  async function login(who: { name: string; password: string }): Promise<string> {
    const answer = await call('/teller/login', undefined, who);
    expect(answer.status).toBe(200);
    return answer.json.token as string;
  }

  /** A decision by `token` on `visitId`: its status and body. */
  const decide = (token: string, visitId: string, kind: string, body: unknown = {}) =>
    call(`/teller/visits/${visitId}/${kind}`, token, body);

  /** The next visitor, once the kiosk is ready for one. */
  async function nextVisit(): Promise<RunningVisit> {
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
    return visit;
  }

  /** Home → issue of `type` → the form → the chip of `profile` read, or no chip. */
  async function toTeller(
    visit: RunningVisit,
    profile: TestProfile | 'noChip',
    type: 'bank' | 'general' = 'bank',
  ): Promise<void> {
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: type });
    const form = visit.submitForm({
      name: '홍길동',
      idn: Buffer.from(idn),
      phone: '010-1234-5678',
      ...(type === 'general' ? { account: '110-123-456789' } : {}),
    });
    expect(form.ok).toBe(true);
    if (profile === 'noChip') visit.send({ type: 'visitor.noChip' });
    else {
      visit.send({ type: 'visitor.chip' });
      visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    }
    await until(visit, (s) => childState(s, 'identity') === 'approval');
  }

  it('login; a wrong password is slowed down; sessions end idle, at logout, when disabled', async () => {
    expect((await call('/teller/queue')).status).toBe(401);
    const token = await login(alice);
    expect((await call('/teller/session', token)).json).toMatchObject({ teller: alice.name });

    // Three free failures, the fourth locks the name for a second: then even the right password
    // waits (429 with Retry-After) until the clock has moved on.
    for (let i = 0; i < 4; i++)
      expect(
        (await call('/teller/login', undefined, { ...bob, password: `wrong ${String(i)}` })).status,
      ).toBe(401);
    const slowed = await call('/teller/login', undefined, bob);
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('retry-after')).toBe('1');
    clock += 1000;
    const bobToken = await login(bob);

    // Fifteen minutes without a request: the session has ended.
    clock += 15 * 60_000;
    expect((await call('/teller/queue', token)).status).toBe(401);
    expect((await call('/teller/queue', bobToken)).status).toBe(401);
    const again = await login(alice);
    expect((await call('/teller/queue', again)).json).toEqual({ visits: [] });

    // Logged out: the token is no more.
    expect((await call('/teller/logout', again, {})).status).toBe(200);
    expect((await call('/teller/queue', again)).status).toBe(401);

    // Disabled with the accounts module (as `kiosk teller disable` does, another handle on the
    // same database): the next request with its token is refused, and so is a login.
    const carolToken = await login(carol);
    expect((await call('/teller/queue', carolToken)).status).toBe(200);
    const accounts = TellerAccounts.inStateDir(stateDir, cheapScrypt);
    accounts.disable(carol.name, new Date());
    accounts.close();
    expect((await call('/teller/queue', carolToken)).status).toBe(401);
    expect((await call('/teller/login', undefined, carol)).status).toBe(401);
  });

  it('a verified chip: queued, viewed beside the form, approved; the visit goes on to the drive', async () => {
    const token = await login(alice);
    const visit = await nextVisit();
    expect((await call('/teller/queue', token)).json).toEqual({ visits: [] });
    const before = Date.now();
    await toTeller(visit, verified);
    const after = Date.now();

    const queue = (await call('/teller/queue', token)).json.visits as Record<string, unknown>[];
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({
      visitId: visit.id,
      purpose: 'issue',
      waitingFor: 'approval',
      name: '홍길동',
      idnMasked: '900101-1******',
      basis: 'chipVerified',
      chip: { verified: true, failures: [] },
    });
    // When it began to wait, by the kiosk's clock.
    const since = Date.parse(String(queue[0]?.since));
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(after);
    expect(JSON.stringify(queue)).not.toContain(idn.slice(6));

    const view = await call(`/teller/visits/${visit.id}`, token);
    expect(view.status).toBe(200);
    const birthDiffers = verified.person.birthDate !== idn.slice(0, 6);
    expect(view.json).toMatchObject({
      basis: 'chipVerified',
      institution: { en: 'Demo Bank' },
      feeWon: 0,
      form: {
        name: '홍길동',
        idnMasked: '900101-1******',
        birthDate: '1990-01-01',
        phone: '010-1234-5678',
        documentNumber: verified.person.documentNumber,
      },
      chipData: {
        documentNumber: verified.person.documentNumber,
        birthDate: verified.person.birthDate,
        verified: true,
        nameNeedsTeller: true,
        nationality: 'KOR',
        expiryDate: verified.person.expiryDate,
        photo: { type: 'image/jpeg' },
        passiveAuthentication: { outcome: 'passed' },
        activeAuthentication: { outcome: 'passed' },
      },
      needs: { overrideReason: false, document: false },
    });
    const mismatches = (view.json.chipData as { mismatches: { field: string }[] }).mismatches;
    expect(mismatches.map((m) => m.field)).toEqual(birthDiffers ? ['birthDate'] : []);

    const photo = await call(`/teller/visits/${visit.id}/photo`, token);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.bytes.equals(verified.face)).toBe(true);

    // Nothing to pay on a free certificate, and not before the approval anyway.
    expect((await decide(token, visit.id, 'fee-paid')).json).toMatchObject({
      refusal: 'notWaiting',
    });
    const approved = await decide(token, visit.id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      visitId: visit.id,
      decided: 'approve',
      teller: alice.name,
      override: false,
      evidence: 'chipVerified',
    });
    // The approval arrived in the visit: it left the approval step and waits for the medium.
    const storage = await until(visit, (s) => s.matches({ flow: 'storage' }));
    expect(storage.context.identity).toMatchObject({
      outcome: 'approved',
      approval: { decision: { teller: alice.name }, evidence: 'chipVerified' },
    });
    for (const kind of ['approve', 'reject'] as const) {
      const second = await decide(
        token,
        visit.id,
        kind,
        kind === 'reject' ? { reason: 'late' } : {},
      );
      expect(second.status).toBe(409);
      expect(second.json).toMatchObject({ refusal: 'alreadyDecided' });
    }
    expect((await call('/teller/queue', token)).json).toEqual({ visits: [] });
    expect((await call(`/teller/visits/${visit.id}`, token)).status).toBe(404);
    expect((await call(`/teller/visits/${visit.id}/photo`, token)).status).toBe(404);

    // The visit continues to its end: the certificate on the drive, registered as alice approved.
    chooseMedium(visit, 'usb');
    const done = await until(visit, (s) => s.matches({ flow: 'done' }));
    const serial = done.context.issued?.serial;
    expect((await list(world.ctx, { medium: world.medium })).certificates).toContainEqual(
      expect.objectContaining({ ok: true, facts: expect.objectContaining({ serial }) as unknown }),
    );
    expect(world.ca.db.registration(done.context.ref ?? '')?.approval).toMatchObject({
      approvedBy: alice.name,
      evidence: 'chipVerified',
    });
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('done');
    expect((await decide(token, visit.id, 'approve')).json).toMatchObject({ refusal: 'visitGone' });
  });

  it('a rejection with its reason ends the visit rejected', async () => {
    const token = await login(bob);
    const visit = await nextVisit();
    await toTeller(visit, verified);
    expect((await decide(token, visit.id, 'reject', {})).status).toBe(400);
    const rejected = await decide(token, visit.id, 'reject', { reason: '사진과 얼굴이 다릅니다' });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ decided: 'reject', teller: bob.name });
    expect(visit.snapshot().matches({ flow: 'rejected' })).toBe(true);
    expect(visit.snapshot().context.identity).toMatchObject({
      outcome: 'rejected',
      reason: '사진과 얼굴이 다릅니다',
      teller: bob.name,
    });
    expect((await decide(token, visit.id, 'approve')).json).toMatchObject({
      refusal: 'alreadyDecided',
    });
    visit.send({ type: 'visitor.finish' });
    expect(await visit.ended).toBe('rejected');
    expect(decisions.at(-2)).toMatchObject({
      teller: bob.name,
      visitId: visit.id,
      kind: 'reject',
      outcome: 'accepted',
      reason: '사진과 얼굴이 다릅니다',
    });
  });

  it('a chip that does not verify: 422 without a reason, an override with one', async () => {
    const token = await login(alice);
    pcsc.insert(reader, unverified.card);
    const visit = await nextVisit();
    await toTeller(visit, unverified.profile);
    const view = await call(`/teller/visits/${visit.id}`, token);
    expect(view.json).toMatchObject({
      basis: 'chipNotVerified',
      chipData: { verified: false, passiveAuthentication: { outcome: 'failed' } },
      needs: { overrideReason: true, document: false },
    });
    // A physical ID is no evidence beside a chip that was read.
    const inPerson = await decide(token, visit.id, 'approve', {
      overrideReason: 'the ID card instead',
      inPerson: { type: 'residentCard', number: idn },
    });
    expect(inPerson.status).toBe(422);
    expect(inPerson.json).toMatchObject({ refusal: 'invalid', problem: { en: /no physical ID/ } });
    const bare = await decide(token, visit.id, 'approve');
    expect(bare.status).toBe(422);
    expect(bare.json).toMatchObject({ refusal: 'needsOverrideReason' });
    expect(childState(visit.snapshot(), 'identity')).toBe('approval');
    const reason = 'passport checked under UV; photo matches';
    const overridden = await decide(token, visit.id, 'approve', { overrideReason: reason });
    expect(overridden.status).toBe(200);
    expect(overridden.json).toMatchObject({ override: true, evidence: 'chipNotVerifiedOverride' });
    const storage = await until(visit, (s) => s.matches({ flow: 'storage' }));
    expect(storage.context.identity).toMatchObject({
      approval: { evidence: 'chipNotVerifiedOverride', overrideReason: reason },
    });
    expect(decisions.at(-1)).toMatchObject({ override: true, reason, outcome: 'accepted' });
    expect(decisions.at(-2)).toMatchObject({ outcome: 'needsOverrideReason', override: false });
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
  });

  it('no chip: the physical ID recorded masked; a bad number 422; a cancelled visit is gone', async () => {
    const token = await login(alice);
    const gone = await nextVisit();
    await toTeller(gone, 'noChip');
    gone.send({ type: 'visit.cancel' });
    await gone.ended;
    const late = await decide(token, gone.id, 'approve', {
      inPerson: { type: 'residentCard', number: idn },
    });
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ refusal: 'visitGone' });

    const visit = await nextVisit();
    await toTeller(visit, 'noChip');
    expect((await call(`/teller/visits/${visit.id}`, token)).json).toMatchObject({
      basis: 'noChip',
      needs: { overrideReason: false, document: true },
    });
    expect((await call(`/teller/visits/${visit.id}/photo`, token)).status).toBe(404);
    expect((await decide(token, visit.id, 'approve')).json).toMatchObject({
      refusal: 'needsDocument',
    });
    const bad = await decide(token, visit.id, 'approve', {
      inPerson: { type: 'residentCard', number: '901301-1234568' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({
      refusal: 'needsDocument',
      problem: { en: expect.any(String) as unknown },
    });
    expect(bad.bytes.toString()).not.toContain('1234568');
    const good = await decide(token, visit.id, 'approve', {
      inPerson: { type: 'driverLicence', number: '11-91-123456-01' },
    });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({
      evidence: 'inPersonOnly',
      inPerson: { type: 'driverLicence', numberMasked: '11-91-********' },
    });
    const storage = await until(visit, (s) => s.matches({ flow: 'storage' }));
    expect(storage.context.identity).toMatchObject({
      approval: { evidence: 'inPersonOnly', inPerson: { numberMasked: '11-91-********' } },
    });
    visit.send({ type: 'visit.cancel' });
    await visit.ended;
  });

  it('a fee: taken only after the approval, once; then the visit goes on', async () => {
    const token = await login(bob);
    const visit = await nextVisit();
    await toTeller(visit, verified, 'general');
    expect((await decide(token, visit.id, 'fee-paid')).json).toMatchObject({
      refusal: 'notWaiting',
    });
    expect((await decide(token, visit.id, 'approve')).status).toBe(200);
    const queue = (await call('/teller/queue', token)).json.visits as Record<string, unknown>[];
    expect(queue).toMatchObject([{ visitId: visit.id, waitingFor: 'fee' }]);
    expect((await call(`/teller/visits/${visit.id}`, token)).json).toMatchObject({ feeWon: 4400 });
    expect((await decide(token, visit.id, 'fee-paid')).status).toBe(200);
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    expect((await decide(token, visit.id, 'fee-paid')).json).toMatchObject({
      refusal: 'alreadyDecided',
    });
    visit.send({ type: 'visit.cancel' });
    await visit.ended;
  });

  it('close() stops the teller API with the kiosk', async () => {
    const url = kiosk.tellerUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await kiosk.close();
    expect(kiosk.tellerUrl).toBeUndefined();
    await expect(fetch(`${String(url)}/teller/queue`)).rejects.toThrow();
  });
});

// The desk on a KioskService of its own, without HTTP: what only time or a race shows.
describe('the kiosk teller desk on its own', { timeout: 30_000 }, () => {
  let world: ServiceWorld;
  let service: KioskService;
  let desk: KioskTellerDesk;
  const visitClock = new SimulatedClock();
  const authenticity = new FakeIdAuthenticity({ otherwise: { result: 'authentic' } });
  let deskNow = Date.parse('2026-03-02T01:00:00Z');

  beforeAll(async () => {
    world = await serviceWorld('usb', await FakeCa.newMaterial());
    const raEncryption = world.ca.trust.raEncryption;
    if (raEncryption === undefined) throw new Error('no RA encryption certificate');
    service = new KioskService({
      ctx: world.ctx,
      institutions: defaultInstitutions,
      ra: raInProcess(world.ca.db),
      ca: { url: 'http://ca.invalid/', trust: world.ca.trust, raEncryption },
      delays: { inactivityWarning: 600_000, inactivityWipe: 60_000, tellerApproval: 600_000 },
      clock: visitClock,
      idAuthenticity: authenticity,
    });
    desk = kioskTellerDesk(service, { now: () => new Date(deskNow) });
  }, 60_000);

  afterAll(() => {
    desk.close();
    service.close();
    world.ca.close();
  });

  /** A visit without a chip, waiting for the teller. */
  async function waiting(): Promise<RunningVisit> {
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    desk.notice();
    visit.send({ type: 'visitor.noChip' });
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    return visit;
  }

  it('a timed-out approval waits for no one until the visitor asks again, from then on', async () => {
    const visit = await waiting();
    expect(desk.queue()).toMatchObject([{ visitId: visit.id, since: '2026-03-02T01:00:00.000Z' }]);
    visitClock.increment(600_000);
    expect(childState(visit.snapshot(), 'identity')).toBe('approvalTimedOut');
    expect(desk.queue()).toEqual([]);
    expect(await desk.decide(visit.id, { kind: 'reject', teller: 'kim', reason: 'late' })).toEqual({
      accepted: false,
      refusal: 'notWaiting',
    });
    deskNow += 60_000;
    visit.send({ type: 'visitor.retry' });
    expect(desk.queue()).toMatchObject([{ visitId: visit.id, since: '2026-03-02T01:01:00.000Z' }]);
    // Another visit's id, or a teller name the visit would not record, is refused.
    expect(await desk.decide('no-such-visit', { kind: 'feePaid', teller: 'kim' })).toEqual({
      accepted: false,
      refusal: 'visitGone',
    });
    expect(
      await desk.decide(visit.id, { kind: 'reject', teller: 'kim\u0007', reason: 'bell' }),
    ).toEqual({ accepted: false, refusal: 'invalid' });
    visit.send({ type: 'visit.cancel' });
    await visit.ended;
  });

  it('the visitor cancels while the ID authenticity service answers: the visit is gone', async () => {
    const visit = await waiting();
    authenticity.delayMs = 200;
    const number = Buffer.from(idn);
    const deciding = desk.decide(visit.id, {
      kind: 'approve',
      teller: 'kim',
      inPerson: { type: 'residentCard', number },
    });
    visit.send({ type: 'visit.cancel' });
    expect(await deciding).toEqual({ accepted: false, refusal: 'visitGone' });
    expect(number.every((b) => b === 0)).toBe(true);
    expect(authenticity.calls).toHaveLength(1);
    await visit.ended;
    authenticity.delayMs = 0;
  });

  it('an in-person approval: the number is zeroed whether it is taken or refused', async () => {
    const visit = await waiting();
    const number = Buffer.from(idn);
    const refused = await desk.decide(visit.id, { kind: 'feePaid', teller: 'kim' });
    expect(refused).toEqual({ accepted: false, refusal: 'notWaiting' });
    const approved = await desk.decide(visit.id, {
      kind: 'approve',
      teller: 'kim',
      inPerson: { type: 'residentCard', number },
    });
    expect(approved).toEqual({
      accepted: true,
      evidence: 'inPersonOnly',
      inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
    });
    expect(number.every((b) => b === 0)).toBe(true);
    const again = Buffer.from(idn);
    expect(
      await desk.decide(visit.id, {
        kind: 'approve',
        teller: 'kim',
        inPerson: { type: 'residentCard', number: again },
      }),
    ).toEqual({ accepted: false, refusal: 'alreadyDecided' });
    expect(again.every((b) => b === 0)).toBe(true);
    visit.send({ type: 'visit.cancel' });
    await visit.ended;
  });
});
