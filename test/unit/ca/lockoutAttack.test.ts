import { createHmac, generateKeyPairSync } from 'node:crypto';
import { AsnConvert, BitString } from '@peculiar/asn1-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { afterFailure, MemoryLockouts } from '../../../src/ca/lockout.js';
import { CmpResponder } from '../../../src/ca/responder.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { PbmParameter, PkiMessage } from '../../../src/cmp/asn1/pkiMessage.js';
import { decodePkiMessage, encodePkiMessage, protectedPartOf } from '../../../src/cmp/message.js';
import { defaultPbmSettings, pbmAlgorithm, pbmKey } from '../../../src/cmp/pbm.js';
import type { CmpTransport } from '../../../src/cmp/transport.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { CmpRejectedError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

// The attack review of issue 11 (defects 2-4), each from its reproduction: an unknown reference
// was forgotten on a restart or after 10,000 other numbers while a known one stayed locked (so
// the lock told them apart); an address at its longest lock got its free failures back; any
// string a client sent became a key in memory; a PBM of one iteration was computed.

const key = softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const policy = { baseMs: 1000, maxMs: 8000 };

let material: CaMaterial;
beforeAll(async () => {
  material = await FakeCa.newMaterial();
}, 60_000);

/** What the CA answers an enrolment with a wrong code (a certificate fails the test). */
async function answer(client: CmpClient, ref: string): Promise<string> {
  const error = await client.enrol({ ref, secret: Buffer.from('WRONG'), signer: key }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CmpRejectedError)) throw new Error(`expected a refusal: ${String(error)}`);
  return `${error.failInfo.join(',')}: ${error.statusText}`;
}

describe('locks on reference numbers the CA holds and on those it does not', () => {
  it('are the same after a restart, and decay alike only after the quiet time past the lock', async () => {
    let now = Date.now();
    const ca = await FakeCa.create({ material, now: () => new Date(now), lockout: policy });
    const known = ca.register('홍길동', '9001011234568', 'restricted', 'optional').ref;
    const unknown = known === '12345678' ? '87654321' : '12345678';
    // A restart: another responder over the same database (its memory is new).
    const restarted = new CmpResponder(material, ca.db, {
      now: () => new Date(now),
      lockout: policy,
    });
    const via = (responder: CmpResponder) =>
      new CmpClient({
        transport: { send: (bytes) => responder.handle(bytes) },
        anchors: ca.trust.anchors,
        now: () => new Date(now),
      });

    const story = async (ref: string): Promise<string[]> => {
      const start = now;
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        seen.push(await answer(via(ca.responder), ref));
        now = (ca.db.lockout(ref)?.lockedUntil ?? now) + 1;
      }
      // Locked for 4 s now, after a restart as before it.
      now -= 2;
      seen.push(await answer(via(restarted), ref));
      now += 2;
      // Quiet for less than maxMs after the lock: the count goes on (8 s).
      now += 7000;
      seen.push(await answer(via(restarted), ref));
      seen.push(String((ca.db.lockout(ref)?.lockedUntil ?? 0) - now));
      // Quiet for maxMs after the end of that lock: afresh (1 s).
      now = (ca.db.lockout(ref)?.lockedUntil ?? 0) + policy.maxMs;
      seen.push(await answer(via(restarted), ref));
      seen.push(String((ca.db.lockout(ref)?.lockedUntil ?? 0) - now));
      now = start;
      return seen;
    };
    const knownStory = await story(known);
    expect(await story(unknown)).toEqual(knownStory);
    expect(knownStory).toEqual([
      'badMessageCheck: wrong authorization code, or the message was altered',
      'badMessageCheck: wrong authorization code, or the message was altered',
      'badMessageCheck: wrong authorization code, or the message was altered',
      'badMessageCheck: too many failed attempts; try again in 1 s',
      'badMessageCheck: wrong authorization code, or the message was altered',
      '8000',
      'badMessageCheck: wrong authorization code, or the message was altered',
      '1000',
    ]);
    ca.close();
  }, 60_000);

  it('an address at its longest lock gets that lock again, not its free failures', () => {
    const sources = new MemoryLockouts(2);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      sources.recordFailure('198.51.100.7', now, policy);
      const until = sources.lockedUntil('198.51.100.7');
      waits.push(until === 0 ? 0 : until - now);
      now = Math.max(until, now) + 1;
    }
    expect(waits).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000]);
    // Quiet for maxMs past the end of the lock: the free failures again.
    now = sources.lockedUntil('198.51.100.7') + policy.maxMs;
    sources.recordFailure('198.51.100.7', now, policy);
    expect(sources.lockedUntil('198.51.100.7')).toBe(0);
    expect(afterFailure(undefined, 5, policy, 0)).toEqual({
      failures: 1,
      lockedUntil: 1005,
      quietFrom: 1005,
    });
  });

  it('a senderKID that is no reference number is answered as a wrong code and stored nowhere', async () => {
    const now = new Date();
    const ca = await FakeCa.create({ material, now: () => now, lockout: policy });
    const client = new CmpClient({
      transport: { send: (bytes) => ca.responder.handle(bytes, '198.51.100.7') },
      anchors: ca.trust.anchors,
      now: () => now,
    });
    const wrong = 'badMessageCheck: wrong authorization code, or the message was altered';
    const kids = ['x'.repeat(20_000), '01234567', '123456789', '1234567', '１２３４５６７８'];
    for (const kid of kids) {
      expect(await answer(client, kid)).toBe(wrong);
      expect(ca.db.lockout(kid)).toBeUndefined();
    }
    // They count against the address: ten free failures (ca.sourceFreeFailures), then it waits.
    for (let i = kids.length; i < 10; i++) expect(await answer(client, 'nope')).toBe(wrong);
    expect(await answer(client, 'nope')).toBe(wrong);
    expect(await answer(client, 'nope')).toBe(
      'badMessageCheck: too many failed attempts; try again in 1 s',
    );
    ca.close();
  }, 60_000);

  it('a PBM of fewer than 100 iterations (RFC 4211 §4.4) is refused, even with the right code', async () => {
    const now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const secret = Buffer.from(authCode);
    // The kiosk's client will not make such a message: the attacker re-protects its ir by hand.
    let answered: Uint8Array | undefined;
    const cheapen: CmpTransport = {
      send: async (bytes) => {
        const { header, body } = decodePkiMessage(bytes).message;
        header.protectionAlg = pbmAlgorithm({ ...defaultPbmSettings, iterations: 99 });
        const parameter = AsnConvert.parse(
          header.protectionAlg.parameters ?? new ArrayBuffer(0),
          PbmParameter,
        );
        const k = pbmKey(secret, new Uint8Array(parameter.salt), 'sha256', 99);
        const mac = createHmac('sha1', k).update(protectedPartOf(header, body)).digest();
        const message = new PkiMessage({
          header,
          body,
          protection: new BitString(new Uint8Array(mac)),
        });
        answered = await ca.responder.handle(encodePkiMessage(message));
        return answered;
      },
    };
    const error = await new CmpClient({
      transport: cheapen,
      anchors: ca.trust.anchors,
      now: () => now,
    })
      .enrol({ ref, secret, signer: key })
      .catch((e: unknown) => e);
    expect(answered && decodePkiMessage(answered).bodyType).toBe('error');
    expect(error).toMatchObject({ failInfo: ['badMessageCheck'] });
    expect(ca.certificatesSent).toEqual([]);
    expect(ca.db.lockout(ref)?.failures).toBe(1);
    expect(ca.db.registration(ref)?.usedAt).toBeUndefined();
    ca.close();
  }, 60_000);
});
