import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alice, bob, startTellerApiWorld, type TellerApiWorld } from './tellerApiWorld.js';

// Issue 14 item 1, the teller API over a real loopback server against a fake desk: login,
// sessions, the queue and a visit's view, the photo, and decisions with each refusal.

let world: TellerApiWorld;
beforeEach(async () => {
  world = await startTellerApiWorld();
});
afterEach(async () => {
  await world.close();
});

describe('login and sessions', () => {
  it('logs in with name and password: a bearer token, its expiry, and the session event', async () => {
    const answer = await world.request('/teller/login', { body: alice });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      teller: alice.name,
      expires: '2026-03-02T09:00:00.000Z',
      idleExpires: '2026-03-02T01:15:00.000Z',
      idleMs: 900_000,
    });
    expect(answer.json.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.headers['cache-control']).toBe('no-store');
    const who = await world.request('/teller/session', { token: answer.json.token as string });
    expect(who.json).toEqual({ teller: alice.name, expires: '2026-03-02T09:00:00.000Z' });
    expect(world.sessionEvents).toEqual([
      { at: '2026-03-02T01:00:00.000Z', teller: alice.name, event: 'login', address: '127.0.0.1' },
    ]);
  });

  it('a Hangul name and password, sent decomposed (NFD), log in as composed', async () => {
    const answer = await world.request('/teller/login', {
      body: { name: bob.name.normalize('NFD'), password: bob.password.normalize('NFD') },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.teller).toBe(bob.name);
  });

  it('a wrong password, an unknown name and a disabled account get the same 401', async () => {
    world.accounts.disable(bob.name, new Date('2026-03-02T00:30:00Z'));
    const wrong = await world.request('/teller/login', {
      body: { name: alice.name, password: 'not the password' },
    });
    const unknown = await world.request('/teller/login', {
      body: { name: 'nobody-here', password: alice.password },
    });
    const disabled = await world.request('/teller/login', { body: bob });
    for (const answer of [wrong, unknown, disabled]) {
      expect(answer.status).toBe(401);
      expect(answer.body.toString()).toBe('{"error":"wrong name or password"}');
    }
  });

  it('after the free failures a name waits: 429 with Retry-After, doubling, even with the right password', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await world.request('/teller/login', {
        body: { name: alice.name, password: `wrong password ${String(i)}` },
      });
      expect(answer.status).toBe(401);
    }
    // The fourth failure locked the name for 1 s (free 3, then 1 s doubling).
    const locked = await world.request('/teller/login', { body: alice });
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    expect(locked.json).toMatchObject({ retryAfterSeconds: 1 });
    world.advance(1000);
    expect(
      (await world.request('/teller/login', { body: { ...alice, password: 'wrong again!' } }))
        .status,
    ).toBe(401);
    const longer = await world.request('/teller/login', { body: alice });
    expect(longer.status).toBe(429);
    expect(longer.headers['retry-after']).toBe('2');
    world.advance(2000);
    // The right password after the wait: in, and the name starts afresh.
    expect((await world.request('/teller/login', { body: alice })).status).toBe(200);
  });

  it('an unknown name is throttled exactly as a real one (no enumeration)', async () => {
    const statuses = async (name: string): Promise<(number | string | undefined)[]> => {
      const seen: (number | string | undefined)[] = [];
      for (let i = 0; i < 6; i++) {
        const answer = await world.request('/teller/login', {
          body: { name, password: 'some wrong password' },
        });
        seen.push(answer.status, answer.headers['retry-after']);
      }
      return seen;
    };
    const real = await statuses(alice.name);
    const unknown = await statuses('no-such-teller');
    expect(unknown).toEqual(real);
    expect(real).toEqual([
      401,
      undefined,
      401,
      undefined,
      401,
      undefined,
      401,
      undefined,
      429,
      '1',
      429,
      '1',
    ]);
  });

  it('one address trying many names waits too; another address does not', async () => {
    // Ten free failures per address, each name under its own free three.
    for (let i = 0; i < 11; i++) {
      const answer = await world.request('/teller/login', {
        body: { name: `guess-${String(i)}`, password: 'spraying one password' },
        from: '127.0.0.2',
      });
      expect(answer.status).toBe(401);
    }
    const sprayer = await world.request('/teller/login', { body: alice, from: '127.0.0.2' });
    expect(sprayer.status).toBe(429);
    expect(sprayer.headers['retry-after']).toBe('1');
    expect((await world.request('/teller/login', { body: alice, from: '127.0.0.3' })).status).toBe(
      200,
    );
  });

  it('parallel guesses meet the lock their predecessors set', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        world.request('/teller/login', {
          body: { name: alice.name, password: `parallel guess ${String(i)}` },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    // Three free, the fourth sets the lock as it starts: at most four scrypts ran.
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
  });

  it('a session ends after 15 minutes idle, and after 8 hours however busy', async () => {
    const token = await world.login(alice);
    world.advance(14 * 60_000);
    expect((await world.request('/teller/queue', { token })).status).toBe(200);
    world.advance(15 * 60_000);
    const idle = await world.request('/teller/queue', { token });
    expect(idle.status).toBe(401);
    expect(idle.headers['www-authenticate']).toContain('invalid_token');
    expect(world.sessionEvents.at(-1)).toMatchObject({ teller: alice.name, event: 'expired' });

    const busy = await world.login(alice);
    for (let minutes = 0; minutes < 8 * 60 - 10; minutes += 10) {
      world.advance(10 * 60_000);
      expect((await world.request('/teller/queue', { token: busy })).status).toBe(200);
    }
    world.advance(10 * 60_000);
    expect((await world.request('/teller/queue', { token: busy })).status).toBe(401);
  });

  it('logout ends the token', async () => {
    const token = await world.login(alice);
    const out = await world.request('/teller/logout', { method: 'POST', token });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ loggedOut: true });
    expect((await world.request('/teller/queue', { token })).status).toBe(401);
    expect(world.sessionEvents.at(-1)).toMatchObject({ teller: alice.name, event: 'logout' });
  });

  it('a disabled teller’s token is refused at the next request, and every session ends', async () => {
    const first = await world.login(alice);
    const second = await world.login(alice);
    world.accounts.disable(alice.name, new Date('2026-03-02T01:01:00Z'));
    const refused = await world.request('/teller/queue', { token: first });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ error: 'the account is disabled' });
    expect(world.sessions.size).toBe(0);
    expect((await world.request('/teller/queue', { token: second })).status).toBe(401);
    expect(world.sessionEvents.at(-1)).toMatchObject({ teller: alice.name, event: 'disabled' });
  });

  it('a fifth login ends the teller’s oldest session', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await world.login(alice));
    const [oldest = '', , , , newest = ''] = tokens;
    expect((await world.request('/teller/queue', { token: oldest })).status).toBe(401);
    expect((await world.request('/teller/queue', { token: newest })).status).toBe(200);
  });

  it('no token, a malformed one and an unknown one: 401 with WWW-Authenticate', async () => {
    const none = await world.request('/teller/queue');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="teller"');
    for (const token of ['x', 'A'.repeat(43), 'not a token at all', 'B'.repeat(600)]) {
      const answer = await world.request('/teller/queue', { token });
      expect(answer.status).toBe(401);
    }
    const basic = await world.request('/teller/queue', {
      headers: { authorization: 'Basic a2ltOnB3' },
    });
    expect(basic.status).toBe(401);
  });
});

describe('the queue, a visit and its photo', () => {
  let token: string;
  beforeEach(async () => {
    token = await world.login(alice);
  });

  it('lists the visits waiting, oldest first, with masked numbers and the chip summary', async () => {
    world.desk.addVisit({ id: 'visit-1', basis: 'chipVerified' });
    world.desk.addVisit({ id: 'visit-2', basis: 'chipNotVerified' });
    world.desk.addVisit({ id: 'visit-3', basis: 'noChip' });
    const answer = await world.request('/teller/queue', { token });
    expect(answer.status).toBe(200);
    const visits = answer.json.visits as Record<string, unknown>[];
    expect(visits.map((v) => v.visitId)).toEqual(['visit-1', 'visit-2', 'visit-3']);
    expect(visits[0]).toMatchObject({
      waitingFor: 'approval',
      idnMasked: '900101-1******',
      basis: 'chipVerified',
      chip: { verified: true, failures: [], mismatches: [] },
    });
    expect(visits[2]?.chip).toBeUndefined();
  });

  it('shows the form beside the chip, every mismatch named, the verdicts and what approval needs', async () => {
    world.desk.addVisit({ id: 'visit-2', basis: 'chipNotVerified' });
    const answer = await world.request('/teller/visits/visit-2', { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      form: { name: '홍길동', idnMasked: '900101-1******', birthDate: '1990-01-01' },
      chipData: {
        documentNumber: 'M12345678',
        verified: false,
        mismatches: [{ field: 'birthDate' }],
        passiveAuthentication: { outcome: 'failed' },
        activeAuthentication: { outcome: 'passed' },
      },
      basis: 'chipNotVerified',
      needs: { overrideReason: true, document: false },
    });
    const words = answer.json.basisText as { ko: string; en: string };
    expect(words.en).toMatch(/override/);
    expect(words.ko).toMatch(/사유/);
  });

  it('an unknown visit, or an id that is no id, is 404', async () => {
    expect((await world.request('/teller/visits/nope', { token })).status).toBe(404);
    expect((await world.request('/teller/visits/..%2Fetc', { token })).status).toBe(404);
    expect((await world.request(`/teller/visits/${'a'.repeat(65)}`, { token })).status).toBe(404);
  });

  it('serves the photo as read: JPEG and JPEG 2000 with their content types', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    const jp2 = Buffer.from('0000000c6a5020200d0a870a', 'hex');
    world.desk.addVisit({
      id: 'v-jpeg',
      basis: 'chipVerified',
      photo: { type: 'image/jpeg', bytes: jpeg },
    });
    world.desk.addVisit({
      id: 'v-jp2',
      basis: 'chipVerified',
      photo: { type: 'image/jp2', bytes: jp2 },
    });
    world.desk.addVisit({ id: 'v-none', basis: 'noChip' });
    const first = await world.request('/teller/visits/v-jpeg/photo', { token });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/jpeg');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.body.equals(jpeg)).toBe(true);
    const second = await world.request('/teller/visits/v-jp2/photo', { token });
    expect(second.headers['content-type']).toBe('image/jp2');
    expect(second.body.equals(jp2)).toBe(true);
    expect((await world.request('/teller/visits/v-none/photo', { token })).status).toBe(404);
    // Not without a session.
    expect((await world.request('/teller/visits/v-jpeg/photo')).status).toBe(401);
  });
});

describe('decisions', () => {
  let token: string;
  beforeEach(async () => {
    token = await world.login(alice);
  });

  it('approves a verified chip as the session’s teller; the visit continues', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const answer = await world.request('/teller/visits/v1/approve', { token, body: {} });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      visitId: 'v1',
      decided: 'approve',
      teller: alice.name,
      override: false,
      evidence: 'chipVerified',
    });
    expect(world.desk.state('v1')).toBe('approved');
    expect(world.desk.received).toEqual([
      { visitId: 'v1', decision: { kind: 'approve', teller: alice.name } },
    ]);
    expect(world.decisions).toEqual([
      {
        at: '2026-03-02T01:00:00.000Z',
        teller: alice.name,
        visitId: 'v1',
        kind: 'approve',
        outcome: 'accepted',
        override: false,
        evidence: 'chipVerified',
      },
    ]);
    expect((await world.request('/teller/queue', { token })).json.visits).toEqual([]);
  });

  it('the teller is the session’s: a teller named in the body is refused, not used', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const answer = await world.request('/teller/visits/v1/approve', {
      token,
      body: { teller: bob.name },
    });
    expect(answer.status).toBe(400);
    expect(world.desk.received).toEqual([]);
  });

  it('rejects with a reason', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const answer = await world.request('/teller/visits/v1/reject', {
      token,
      body: { reason: '사진과 얼굴이 다릅니다' },
    });
    expect(answer.status).toBe(200);
    expect(world.desk.state('v1')).toBe('rejected');
    expect(world.decisions[0]).toMatchObject({
      kind: 'reject',
      outcome: 'accepted',
      reason: '사진과 얼굴이 다릅니다',
    });
    const noReason = await world.request('/teller/visits/v1/reject', { token, body: {} });
    expect(noReason.status).toBe(400);
    const blank = await world.request('/teller/visits/v1/reject', {
      token,
      body: { reason: '   ' },
    });
    expect(blank.status).toBe(400);
  });

  it('overriding a chip that did not verify needs a reason (422), and is marked with it', async () => {
    world.desk.addVisit({ id: 'v2', basis: 'chipNotVerified' });
    const bare = await world.request('/teller/visits/v2/approve', { token, body: {} });
    expect(bare.status).toBe(422);
    expect(bare.json).toMatchObject({ refusal: 'needsOverrideReason' });
    expect(world.desk.state('v2')).toBe('waitingApproval');
    const reason = 'CSCA for this country not installed; passport checked under UV';
    const answer = await world.request('/teller/visits/v2/approve', {
      token,
      body: { overrideReason: reason },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ override: true, evidence: 'chipNotVerifiedOverride' });
    expect(world.decisions.map((d) => [d.outcome, d.override, d.reason])).toEqual([
      ['needsOverrideReason', false, undefined],
      ['accepted', true, reason],
    ]);
  });

  it('without a chip, the ID held in person (422 without one; its number zeroed and masked)', async () => {
    world.desk.addVisit({ id: 'v3', basis: 'noChip' });
    const none = await world.request('/teller/visits/v3/approve', { token, body: {} });
    expect(none.status).toBe(422);
    expect(none.json).toMatchObject({ refusal: 'needsDocument' });
    const bad = await world.request('/teller/visits/v3/approve', {
      token,
      body: { inPerson: { type: 'driverLicence', number: '99-23-123456-01' } },
    });
    expect(bad.status).toBe(422);
    expect((bad.json.problem as { en: string }).en).not.toContain('123456');
    const answer = await world.request('/teller/visits/v3/approve', {
      token,
      body: { inPerson: { type: 'residentCard', number: '900101-1234568' } },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      evidence: 'inPersonOnly',
      inPerson: { type: 'residentCard', numberMasked: '900101-1******' },
    });
    expect(JSON.stringify(world.decisions)).not.toContain('1234568');
    for (const number of world.desk.numbers) expect(number.every((b) => b === 0)).toBe(true);
  });

  it('a second decision on the same visit is refused (409), by the same teller or another', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    expect((await world.request('/teller/visits/v1/approve', { token, body: {} })).status).toBe(
      200,
    );
    const again = await world.request('/teller/visits/v1/approve', { token, body: {} });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ refusal: 'alreadyDecided' });
    const other = await world.login(bob);
    const reject = await world.request('/teller/visits/v1/reject', {
      token: other,
      body: { reason: 'second opinion' },
    });
    expect(reject.status).toBe(409);
    expect(world.desk.state('v1')).toBe('approved');
  });

  it('two tellers racing for one visit reach the desk in turn: one wins, one hears 409', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const other = await world.login(bob);
    const release = world.desk.holdDecisions();
    const racing = Promise.all([
      world.request('/teller/visits/v1/approve', { token, body: {} }),
      world.request('/teller/visits/v1/reject', { token: other, body: { reason: 'not them' } }),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [approve, reject] = await racing;
    expect([approve.status, reject.status].sort()).toEqual([200, 409]);
  });

  it('a decision for a visit the visitor cancelled meanwhile is refused (409)', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    expect((await world.request('/teller/visits/v1', { token })).status).toBe(200);
    world.desk.cancel('v1');
    const answer = await world.request('/teller/visits/v1/approve', { token, body: {} });
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ refusal: 'visitGone' });
    expect((answer.json.message as { ko: string }).ko).toMatch(/끝났습니다/);
  });

  it('a logged-out or disabled teller’s decision is refused (401) and never reaches the desk', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    await world.request('/teller/logout', { method: 'POST', token });
    expect((await world.request('/teller/visits/v1/approve', { token, body: {} })).status).toBe(
      401,
    );
    const other = await world.login(bob);
    world.accounts.disable(bob.name, new Date());
    expect(
      (await world.request('/teller/visits/v1/reject', { token: other, body: { reason: 'x y' } }))
        .status,
    ).toBe(401);
    expect(world.desk.received).toEqual([]);
    expect(world.desk.state('v1')).toBe('waitingApproval');
  });

  it('the fee is confirmed after the approval, once', async () => {
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified', feeWon: 4400 });
    const early = await world.request('/teller/visits/v1/fee-paid', { token, method: 'POST' });
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ refusal: 'notWaiting' });
    expect((await world.request('/teller/visits/v1/approve', { token, body: {} })).status).toBe(
      200,
    );
    expect((await world.request('/teller/visits/v1', { token })).json.waitingFor).toBe('fee');
    const paid = await world.request('/teller/visits/v1/fee-paid', { token, body: {} });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ decided: 'feePaid', teller: alice.name });
    expect(world.desk.state('v1')).toBe('approved');
    expect((await world.request('/teller/visits/v1/fee-paid', { token, body: {} })).status).toBe(
      409,
    );
  });
});

describe('the HTTP surface', () => {
  it('bodies over 16 KiB: 413', async () => {
    const token = await world.login(alice);
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const answer = await world.request('/teller/visits/v1/reject', {
      token,
      body: { reason: 'x'.repeat(20_000) },
    });
    expect(answer.status).toBe(413);
    const login = await world.request('/teller/login', {
      body: { name: alice.name, password: 'p'.repeat(20_000) },
    });
    expect(login.status).toBe(413);
  });

  it('malformed JSON: 400; another content type: 415', async () => {
    const token = await world.login(alice);
    world.desk.addVisit({ id: 'v1', basis: 'chipVerified' });
    const broken = await world.request('/teller/visits/v1/reject', { token, body: '{"reason": ' });
    expect(broken.status).toBe(400);
    expect(broken.json).toEqual({ error: 'the body is not JSON' });
    const form = await world.request('/teller/login', {
      body: 'name=kim&password=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    for (const body of ['null', '[]', '"text"', '42', '{"name": 1, "password": "x"}']) {
      expect((await world.request('/teller/login', { body })).status).toBe(400);
    }
  });

  it('unknown paths: 404; wrong methods: 405 with Allow', async () => {
    expect((await world.request('/teller/nothing')).status).toBe(404);
    expect((await world.request('/')).status).toBe(404);
    const get = await world.request('/teller/login');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const post = await world.request('/teller/queue', { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });
});
