import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { registrationLifetimeMs } from '../../../src/ca/database.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { defaultPbmSettings } from '../../../src/cmp/pbm.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { CmpRejectedError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

const signer = () => softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

/** One key for every attempt: twenty RSA key generations made a test time out on a busy CI. */
const key = signer();

/** The CA's refusal of an enrolment with this code (an issued certificate fails the test). */
function refusal(client: CmpClient, ref: string, signerKey: ReturnType<typeof signer>) {
  return async (secret: string): Promise<CmpRejectedError> => {
    const error = await client.enrol({ ref, secret: Buffer.from(secret), signer: signerKey }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof CmpRejectedError))
      throw new Error(`expected a refusal, got ${String(error)}`);
    return error;
  };
}

describe('registrations at the embedded CA', () => {
  let material: CaMaterial;
  beforeAll(async () => {
    material = await FakeCa.newMaterial();
  });

  it('an expired registration is refused and nothing is issued', async () => {
    let now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    now = new Date(now.getTime() + registrationLifetimeMs + 1000);
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const error = await client
      .enrol({ ref, secret: Buffer.from(authCode), signer: signer() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmpRejectedError);
    expect(error).toMatchObject({
      failInfo: ['badTime'],
      statusText: 'the registration has expired',
    });
    expect(ca.db.revocations()).toEqual([]);
    expect(ca.bodyTypes).toEqual(['ir']);
    // The IDN of a registration that expired unused is not kept.
    expect(ca.db.registration(ref)?.idn).toBe('9001011234568');
    expect(ca.db.forgetExpiredIdns(now.getTime())).toBe(1);
    expect(ca.db.registration(ref)?.idn).toBeUndefined();
    ca.close();
  });

  it('each wrong code doubles the wait up to the longest; the lock is never for good', async () => {
    const start = Date.now();
    let now = new Date(start);
    const ca = await FakeCa.create({
      material,
      now: () => now,
      lockout: { baseMs: 1000, maxMs: 60_000 },
    });
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const attempt = refusal(client, ref, key);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      expect(await attempt('WRONG')).toMatchObject({
        failInfo: ['badMessageCheck'],
        statusText: 'wrong authorization code, or the message was altered',
      });
      const until = ca.db.lockout(ref)?.lockedUntil ?? 0;
      waits.push(until - now.getTime());
      // Even the right code waits out the delay: nothing is checked while locked.
      expect((await attempt(authCode)).statusText).toMatch(/try again in \d+ s/);
      now = new Date(until + 1);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
    // Once the wait is over the holder's code works: a stranger can delay, not deny.
    await client.enrol({ ref, secret: Buffer.from(authCode), signer: key });
    expect(ca.db.registration(ref)?.usedAt).toBeDefined();
    ca.close();
  }, 60_000);

  it('the RA releases a locked reference at once', async () => {
    const now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const attempt = refusal(client, ref, key);
    await attempt('WRONG');
    expect((await attempt(authCode)).statusText).toMatch(/try again in \d+ s/);
    expect(ca.db.unlock(ref)).toBe(true);
    expect(ca.db.unlock('00000000')).toBe(false);
    await client.enrol({ ref, secret: Buffer.from(authCode), signer: key });
    ca.close();
  }, 60_000);

  it('an unknown reference is answered, and locks, exactly as a known one with a wrong code', async () => {
    let now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const known = ca.register('홍길동', '9001011234568', 'restricted', 'optional').ref;
    const unknown = known === '12345678' ? '87654321' : '12345678';
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const answers = async (ref: string) => {
      const first = await refusal(client, ref, key)('WRONG');
      const second = await refusal(client, ref, key)('WRONG');
      now = new Date(now.getTime() + 1001);
      const third = await refusal(client, ref, key)('WRONG');
      return [first, second, third].map((e) => [e.failInfo, e.statusText]);
    };
    const knownAnswers = await answers(known);
    now = new Date();
    const unknownAnswers = await answers(unknown);
    expect(unknownAnswers).toEqual(knownAnswers);
    expect(knownAnswers.map(([, text]) => text)).toEqual([
      'wrong authorization code, or the message was altered',
      'too many failed attempts; try again in 1 s',
      'wrong authorization code, or the message was altered',
    ]);
    ca.close();
  }, 60_000);

  it('a PBM iteration count above ca.pbmMaxIterations is refused without computing it', async () => {
    const now = new Date();
    const ca = await FakeCa.create({ material, now: () => now, pbmMaxIterations: 1000 });
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const greedy = new CmpClient({
      transport: ca,
      anchors: ca.trust.anchors,
      now: () => now,
      pbmSettings: { ...defaultPbmSettings, iterations: 1001 },
    });
    // The right code, but parameters the CA will not compute: a failure that counts.
    expect(await refusal(greedy, ref, key)(authCode)).toMatchObject({
      failInfo: ['badMessageCheck'],
    });
    expect(ca.db.lockout(ref)?.failures).toBe(1);
    expect(ca.db.registration(ref)?.usedAt).toBeUndefined();
    ca.close();
  }, 60_000);

  it('a request without R is refused on a registration that requires a VID; optional ones issue without it', async () => {
    // Issue 11 item 4: any standard CMP client got a personal certificate with no identifyData.
    const now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    const required = ca.register('홍길동', '9001011234568');
    expect(await refusal(client, required.ref, key)(required.authCode)).toMatchObject({
      failInfo: ['badRequest'],
      statusText:
        'R (the VID random number, regInfo randomNum) is missing: this registration requires a VID',
    });
    expect(ca.certificatesSent).toEqual([]);
    // The refusal spends nothing: the kiosk, which sends R, can still use the reference.
    expect(ca.db.registration(required.ref)?.usedAt).toBeUndefined();

    const optional = ca.register('김철수', '8501012234565', 'general', 'optional');
    const certificate = await client.enrol({
      ref: optional.ref,
      secret: Buffer.from(optional.authCode),
      signer: key,
    });
    const ids = certificate.tbsCertificate.extensions?.map((e) => e.extnID);
    expect(ids).toContain('2.5.29.32'); // certificate policies: the extensions were read
    expect(ids).not.toContain('2.5.29.17'); // no subjectAltName, so no identifyData
    ca.close();
  }, 60_000);

  it('one address trying a code on each of many references waits after ca.sourceFreeFailures', async () => {
    // Item 5: locks per source as well as per reference. One wrong code per reference never
    // locks a reference twice; the address is what is throttled.
    let now = new Date();
    const ca = await FakeCa.create({
      material,
      now: () => now,
      lockout: { baseMs: 60_000, maxMs: 600_000 },
    });
    const from = (source: string) =>
      new CmpClient({
        transport: { send: (bytes) => ca.responder.handle(bytes, source) },
        anchors: ca.trust.anchors,
        now: () => now,
      });
    const attacker = from('198.51.100.7');
    for (let i = 0; i < 10; i++) {
      const { ref } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
      expect((await refusal(attacker, ref, key)('WRONG')).statusText).toBe(
        'wrong authorization code, or the message was altered',
      );
    }
    const eleventh = ca.register('김철수', '8501012234565', 'restricted', 'optional');
    expect((await refusal(attacker, eleventh.ref, key)('WRONG')).statusText).toBe(
      'wrong authorization code, or the message was altered',
    );
    // Now even a right code from that address waits, unread; the reference itself is not locked
    // any longer than its one failure says, and from another address it works.
    const victim = ca.register('이영희', '9505052234563', 'restricted', 'optional');
    expect((await refusal(attacker, victim.ref, key)(victim.authCode)).statusText).toMatch(
      /^too many failed attempts; try again in 60 s$/,
    );
    expect(ca.db.lockout(victim.ref)).toBeUndefined();
    await from('203.0.113.5').enrol({
      ref: victim.ref,
      secret: Buffer.from(victim.authCode),
      signer: key,
    });
    // The wait is temporary.
    now = new Date(now.getTime() + 60_001);
    const later = ca.register('박민수', '7702021234564', 'restricted', 'optional');
    await attacker.enrol({ ref: later.ref, secret: Buffer.from(later.authCode), signer: key });
    ca.close();
  }, 60_000);
});
