import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyTimeout } from '../../support/property.js';
import { alice, startTellerApiWorld, type TellerApiWorld } from './tellerApiWorld.js';

// Hostile input at the teller API (DESIGN §8: every parser of outside bytes rejects malformed
// input with a typed answer, bounded in time and memory): huge and control-laden names,
// `__proto__`, and random bodies. No 500, no crash, no echo of the client's bytes, the server
// still serving afterwards.

let world: TellerApiWorld;
let token: string;
beforeAll(async () => {
  // A throttle that never bites: these tests are about parsing, not waiting.
  world = await startTellerApiWorld({
    throttle: { accountFree: 1_000_000, addressFree: 1_000_000, baseMs: 1000, maxMs: 300_000 },
  });
  token = await world.login(alice);
});
afterAll(async () => {
  await world.close();
});

const refusals = [400, 401, 409, 413, 415, 422];

describe('hostile input', () => {
  it('a million-character name is refused by the body bound (413), a long one by the name rule (400)', async () => {
    const huge = await world.request('/teller/login', {
      body: { name: 'a'.repeat(1_000_000), password: 'x' },
    });
    expect(huge.status).toBe(413);
    const long = await world.request('/teller/login', {
      body: { name: 'a'.repeat(10_000), password: 'x' },
    });
    expect(long.status).toBe(400);
    const justOver = await world.request('/teller/login', {
      body: { name: 'a'.repeat(65), password: 'correct horse battery' },
    });
    expect(justOver.status).toBe(400);
    expect(justOver.json.error).toMatch(/^name: 1 to 64 characters/);
  });

  it('control, escape and direction characters in names and reasons: 400, never echoed', async () => {
    for (const name of ['kim\u001b[2J', 'kim\nteller', 'kim\u202eellet', 'kim\u0000', '\u200b']) {
      const answer = await world.request('/teller/login', {
        body: { name, password: alice.password },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.toString()).not.toContain('\\u001b');
    }
    world.desk.addVisit({ id: 'hostile-1', basis: 'chipNotVerified' });
    for (const reason of ['ok\u001b]0;owned\u0007', 'line\r\nInjected: header', '\u202egnp.exe']) {
      for (const path of ['reject', 'approve']) {
        const answer = await world.request(`/teller/visits/hostile-1/${path}`, {
          token,
          body: path === 'reject' ? { reason } : { overrideReason: reason },
        });
        expect(answer.status).toBe(400);
      }
    }
    expect(world.desk.received).toEqual([]);
  });

  it('`__proto__` and `constructor` fields are refused, and pollute nothing', async () => {
    world.desk.addVisit({ id: 'hostile-2', basis: 'chipVerified' });
    const bodies = [
      '{"name":"kim-teller","password":"correct horse battery","__proto__":{"polluted":1}}',
      '{"__proto__":{"name":"kim-teller","password":"correct horse battery"}}',
      '{"constructor":{"prototype":{"polluted":1}},"name":"kim-teller","password":"x"}',
    ];
    for (const body of bodies) {
      const answer = await world.request('/teller/login', { body });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatch(/unknown field/);
    }
    for (const body of [
      '{"__proto__":{"overrideReason":"because"}}',
      '{"inPerson":{"__proto__":{"type":"passport"},"type":"passport","number":"M12345678"}}',
    ]) {
      const answer = await world.request('/teller/visits/hostile-2/approve', { token, body });
      expect(answer.status).toBe(400);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(world.desk.state('hostile-2')).toBe('waitingApproval');
  });

  it('a huge or odd Authorization header: 401, nothing else', async () => {
    for (const authorization of [
      `Bearer ${'A'.repeat(8000)}`,
      'Bearer',
      'Bearer  ',
      `Bearer ${token} extra`,
      `bearer ${token.toLowerCase()}`,
    ]) {
      const answer = await world.request('/teller/queue', { headers: { authorization } });
      expect(answer.status).toBe(401);
    }
    // Scheme names are case-insensitive (RFC 9110 §11.1): the real token works so.
    expect(
      (await world.request('/teller/queue', { headers: { authorization: `bearer ${token}` } }))
        .status,
    ).toBe(200);
  });

  it(
    'any JSON at the login and decision routes: a refusal or an answer, never a 500',
    async () => {
      world.desk.addVisit({ id: 'hostile-3', basis: 'noChip' });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/teller/login',
            '/teller/visits/hostile-3/approve',
            '/teller/visits/hostile-3/reject',
          ),
          fc.oneof(
            fc.jsonValue(),
            fc.record({ name: fc.string(), password: fc.string() }),
            fc.record({
              overrideReason: fc.string(),
              inPerson: fc.record({ type: fc.string(), number: fc.string() }),
            }),
            fc.record({ reason: fc.string({ unit: 'binary' }) }),
          ),
          async (path, body) => {
            const answer = await world.request(path, { token, body });
            expect([200, ...refusals]).toContain(answer.status);
          },
        ),
        { numRuns: 150 },
      );
      // Random bytes as a body, with and without the JSON type.
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), async (bytes, typed) => {
          const answer = await world.request('/teller/login', {
            body: Buffer.from(bytes),
            ...(typed ? {} : { contentType: 'application/octet-stream' }),
          });
          expect(refusals.concat(200)).toContain(answer.status);
        }),
        { numRuns: 100 },
      );
      expect((await world.request('/teller/queue', { token })).status).toBe(200);
    },
    propertyTimeout,
  );
});
