import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CmpClient } from '../../../src/cmp/client.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { CmpRejectedError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 11 item 19: one reference number, one certificate, even when two enrolments arrive at
// once. Both pass the "not used yet" check while the CA signs; only the conditional update in
// CaDatabase.markUsed (`and used_at is null`) decides, so this is the test that pins it.

const signer = () => softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

describe('two enrolments racing on one reference', () => {
  it('exactly one gets a certificate; the other is refused and nothing else is issued', async () => {
    const ca = await FakeCa.create();
    const { ref, authCode } = ca.register('홍길동', '9001011234568');
    const enrol = () =>
      new CmpClient({ transport: ca, anchors: ca.trust.anchors }).enrol({
        ref,
        secret: Buffer.from(authCode),
        signer: signer(),
      });
    const [a, b, c] = await Promise.allSettled([enrol(), enrol(), enrol()]);
    const results = [a, b, c];
    const issued = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
    expect(issued).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const reason of refused) {
      expect(reason).toBeInstanceOf(CmpRejectedError);
      expect(reason).toMatchObject({ statusText: 'the reference number was already used' });
    }
    // The CA sent one certificate and holds one: no second certificate exists, confirmed or not.
    expect(ca.certificatesSent).toHaveLength(1);
    expect(ca.bodyTypes.filter((t) => t === 'ir')).toHaveLength(3);
    expect(ca.bodyTypes.filter((t) => t === 'certConf')).toHaveLength(1);
    ca.close();
  }, 60_000);
});
