import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { registrationLifetimeMs } from '../../../src/ca/database.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { CmpRejectedError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

const signer = () => softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

describe('registrations at the embedded CA', () => {
  let material: CaMaterial;
  beforeAll(async () => {
    material = await FakeCa.newMaterial();
  });

  it('an expired registration is refused and nothing is issued', async () => {
    let now = new Date();
    const ca = await FakeCa.create({ material, now: () => now });
    const { ref, authCode } = ca.register('홍길동', '9001011234568');
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

  it('each wrong code doubles the wait; after ten the reference is locked for good', async () => {
    const start = Date.now();
    let now = new Date(start);
    const ca = await FakeCa.create({ material, now: () => now });
    const { ref, authCode } = ca.register('홍길동', '9001011234568');
    const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, now: () => now });
    // One key for every attempt: twenty RSA key generations made this test time out on a busy CI.
    const key = signer();
    /** The CA's refusal of an enrolment with this code (an issued certificate fails the test). */
    const attempt = async (secret: string): Promise<CmpRejectedError> => {
      const error = await client.enrol({ ref, secret: Buffer.from(secret), signer: key }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof CmpRejectedError))
        throw new Error(`expected a refusal, got ${String(error)}`);
      return error;
    };
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      expect(await attempt('WRONG')).toMatchObject({ failInfo: ['badMessageCheck'] });
      const until = ca.db.registration(ref)?.lockedUntil ?? 0;
      waits.push(until - now.getTime());
      // Even the right code waits out the delay: nothing is checked while locked.
      if (i < 9) expect((await attempt(authCode)).statusText).toMatch(/try again in \d+ s/);
      now = new Date(until + 1);
    }
    expect(waits.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(await attempt(authCode)).toMatchObject({ failInfo: ['notAuthorized'] });
    ca.close();
  }, 60_000);
});
