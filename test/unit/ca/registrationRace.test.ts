import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PkiBody } from '../../../src/cmp/asn1/pkiMessage.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { decodePkiMessage, encodePkiMessage } from '../../../src/cmp/message.js';
import { protectMessage } from '../../../src/cmp/protection.js';
import { pkiStatus, statusInfo } from '../../../src/cmp/status.js';
import { hexSerial } from '../../../src/ca/responder.js';
import { softwareSigner } from '../../../src/crypto/signer.js';
import { CmpRejectedError, CmpTransportError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 11 item 19: one reference number, one certificate, even when two enrolments arrive at
// once. Both pass the "not used yet" check while the CA signs; only the conditional update in
// CaDatabase.markUsed (`and used_at is null`) decides, so this is the test that pins it.

const signer = () => softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

describe('two enrolments racing on one reference', () => {
  it('exactly one gets a certificate; the other is refused and nothing else is issued', async () => {
    const ca = await FakeCa.create();
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
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

describe('two certConfs racing on one transaction', () => {
  it('one decides: an acceptance and a rejection sent at once never both take effect', async () => {
    const ca = await FakeCa.create();
    const { ref, authCode } = ca.register('홍길동', '9001011234568', 'restricted', 'optional');
    const secret = Buffer.from(authCode);
    let certConf: Uint8Array | undefined;
    const enrolment = new CmpClient({
      transport: {
        send: (request, signal) => {
          if (decodePkiMessage(request).bodyType !== 'certConf') return ca.send(request, signal);
          certConf = request;
          return Promise.reject(new CmpTransportError('connection lost'));
        },
      },
      anchors: ca.trust.anchors,
    }).enrol({ ref, secret, signer: signer() });
    await expect(enrolment).rejects.toThrow();
    if (certConf === undefined) throw new Error('no certConf');
    // The same certConf, and one saying the opposite, both properly protected with the code.
    const { header, body } = decodePkiMessage(certConf).message;
    const status = body.certConf?.[0];
    if (status === undefined) throw new Error('no CertStatus');
    status.statusInfo = statusInfo(pkiStatus.rejection, 'refused', ['badRequest']);
    const rejection = encodePkiMessage(
      await protectMessage(header, new PkiBody({ certConf: [status] }), { kind: 'pbm', secret }),
    );

    const answers = await Promise.all([ca.send(certConf), ca.send(rejection)]);
    const types = answers.map((a) => decodePkiMessage(a).bodyType);
    expect(types.filter((t) => t === 'pkiconf')).toHaveLength(1);
    expect(types.filter((t) => t === 'error')).toHaveLength(1);
    // The acceptance came first: the certificate stands and the reference stays spent.
    const [issued] = ca.certificatesSent;
    if (issued === undefined) throw new Error('no certificate sent');
    const serial = hexSerial(new Uint8Array(issued.tbsCertificate.serialNumber));
    expect(ca.db.certificate(serial)?.status).toBe('issued');
    expect(ca.db.registration(ref)?.usedAt).toBeDefined();
    ca.close();
  }, 60_000);
});
