// Over 400 lines as one unit (issue 12): the CMP client against one CA's files (three RSA key
// generations made once for the file).
import { generateKeyPairSync } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CRLReasons } from '@peculiar/asn1-x509';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { hexSerial } from '../../../src/ca/responder.js';
import { CmpClient, type CertificateCheck } from '../../../src/cmp/client.js';
import { describeStatus, pkiStatus } from '../../../src/cmp/status.js';
import { chainsToAnchor } from '../../../src/cmp/trust.js';
import { softwareSigner, type Signer } from '../../../src/crypto/signer.js';
import {
  CmpMalformedError,
  CmpMismatchError,
  CmpProtectionError,
  CmpRejectedError,
  CmpUnconfirmedError,
  CmpTransportError,
} from '../../../src/errors/index.js';
import { maxRefusalsPerRegistration } from '../../../src/ca/database.js';
import { FakeCa, rejectionText } from '../../support/fakeCa.js';

// One CA's files for the whole file (three RSA key generations); each test gets its own FakeCa
// over them, with a fresh database in memory and its own faults.
let material: CaMaterial;
beforeAll(async () => {
  material = await FakeCa.newMaterial();
});

const opened: FakeCa[] = [];
afterEach(() => {
  for (const ca of opened.splice(0)) ca.close();
});

function newSigner(): Signer {
  return softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

interface World {
  readonly ca: FakeCa;
  readonly client: CmpClient;
  readonly sleep: ReturnType<typeof vi.fn<(ms: number) => Promise<void>>>;
  readonly ref: string;
  readonly secret: Buffer;
  readonly signer: Signer;
}

async function world(options: { maxPolls?: number } = {}): Promise<World> {
  // Key updates here renew a certificate just issued: the CA's renewal window covers it.
  const ca = await FakeCa.create({ material, renewalWindowDays: 366 });
  opened.push(ca);
  const sleep = vi.fn<(ms: number) => Promise<void>>(() => Promise.resolve());
  const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors, sleep, ...options });
  const { ref, authCode } = ca.register('홍길동', '8001011234567', 'restricted', 'optional');
  return { ca, client, sleep, ref, secret: Buffer.from(authCode, 'utf8'), signer: newSigner() };
}

function enrol(w: World, extra: { check?: CertificateCheck; signal?: AbortSignal } = {}) {
  return w.client.enrol({ ref: w.ref, secret: w.secret, signer: w.signer, ...extra });
}

function spki(certificate: Certificate): Buffer {
  return Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
}

function serialOf(certificate: Certificate): string {
  return hexSerial(new Uint8Array(certificate.tbsCertificate.serialNumber));
}

function issuingAsn(): Certificate {
  return AsnConvert.parse(material.issuing.certificate.rawData, Certificate);
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The error a promise rejects with, for its typed fields. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('CmpClient against the fake CA: enrolment', () => {
  it('a clean enrolment returns a certificate for our key that chains to the root; ir then certConf', async () => {
    const w = await world();
    const certificate = await enrol(w);
    expect(spki(certificate).equals(Buffer.from(w.signer.publicKey))).toBe(true);
    const root = w.ca.trust.anchors.filter((a) => a.subject === a.issuer);
    expect(root).toHaveLength(1);
    expect(await chainsToAnchor(certificate, root, [issuingAsn()], new Date())).toBe(true);
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
    expect(w.ca.db.certificate(serialOf(certificate))?.status).toBe('issued');
    expect(w.ca.db.registration(w.ref)?.usedAt).toBeDefined();
    // certConf accepted implicitly: a CertStatus without statusInfo.
    expect(w.ca.seen[1]?.message.body.certConf?.[0]?.statusInfo).toBeUndefined();
  });

  it('bad protection on the ip: CmpProtectionError, nothing confirmed', async () => {
    const w = await world();
    w.ca.failNext('badProtection');
    await expect(enrol(w)).rejects.toBeInstanceOf(CmpProtectionError);
    expect(w.ca.bodyTypes).toEqual(['ir']);
  });

  it.each([
    ['wrongNonce', 'recipNonce'],
    ['wrongTransaction', 'transactionID'],
  ] as const)('%s: CmpMismatchError on %s', async (fault, what) => {
    const w = await world();
    w.ca.failNext(fault);
    const error = await failure(enrol(w));
    expect(error).toBeInstanceOf(CmpMismatchError);
    expect((error as CmpMismatchError).what).toBe(what);
    expect(w.ca.bodyTypes).toEqual(['ir']);
  });

  it('an error message: CmpRejectedError with the failures and the text, nothing issued', async () => {
    const w = await world();
    w.ca.failNext('rejection');
    const error = await failure(enrol(w));
    expect(error).toBeInstanceOf(CmpRejectedError);
    const rejected = error as CmpRejectedError;
    expect(rejected.status).toBe(pkiStatus.rejection);
    expect(rejected.failInfo).toEqual(['badRequest']);
    expect(rejected.statusText).toBe(rejectionText);
    expect(w.ca.bodyTypes).toEqual(['ir']);
    expect(w.ca.db.registration(w.ref)?.usedAt).toBeUndefined();
  });

  it('an ip with status rejection: CmpRejectedError with the failures and the text', async () => {
    const w = await world();
    w.ca.failNext('rejectedStatus');
    const error = await failure(enrol(w));
    expect(error).toBeInstanceOf(CmpRejectedError);
    expect((error as CmpRejectedError).failInfo).toEqual(['badRequest']);
    expect((error as CmpRejectedError).statusText).toBe(rejectionText);
  });

  it('the CA’s own refusal (a wrong authorization code) arrives as CmpRejectedError', async () => {
    const w = await world();
    const error = await failure(
      w.client.enrol({ ref: w.ref, secret: Buffer.from('WRONG-CODE'), signer: w.signer }),
    );
    expect(error).toBeInstanceOf(CmpRejectedError);
    expect((error as CmpRejectedError).failInfo).toEqual(['badMessageCheck']);
  });

  it('garbage: CmpMalformedError', async () => {
    const w = await world();
    w.ca.failNext('garbage');
    await expect(enrol(w)).rejects.toBeInstanceOf(CmpMalformedError);
  });

  it('silence until the caller aborts: CmpTransportError', async () => {
    const w = await world();
    w.ca.failNext('silence');
    const controller = new AbortController();
    const pending = enrol(w, { signal: controller.signal });
    await vi.waitFor(() => {
      expect(w.ca.bodyTypes).toEqual(['ir']);
    });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CmpTransportError);
  });

  it('silence with a timeout signal: CmpTransportError', async () => {
    const w = await world();
    w.ca.failNext('silence');
    await expect(enrol(w, { signal: AbortSignal.timeout(20) })).rejects.toBeInstanceOf(
      CmpTransportError,
    );
  });

  it('a certificate for another key: CmpMismatchError on publicKey, refused by certConf', async () => {
    const w = await world();
    w.ca.failNext('otherKey');
    const error = await failure(enrol(w));
    expect(error).toBeInstanceOf(CmpMismatchError);
    expect((error as CmpMismatchError).what).toBe('publicKey');
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
    const status = w.ca.seen[1]?.message.body.certConf?.[0]?.statusInfo;
    expect(status?.status).toBe(pkiStatus.rejection);
    const [other] = w.ca.certificatesSent;
    if (other === undefined) throw new Error('the fake CA sent no certificate');
    expect(spki(other).equals(Buffer.from(w.signer.publicKey))).toBe(false);
    expect(w.ca.db.certificate(serialOf(other))?.status).toBe('rejected');
    expect(w.ca.db.revocations().map((r) => r.serial)).toContain(serialOf(other));
  });

  it('waiting: polls after checkAfter (1 s, slept through the injected sleep) to completion', async () => {
    const w = await world();
    w.ca.failNext('waiting');
    const certificate = await enrol(w);
    expect(w.sleep.mock.calls.map(([ms]) => ms)).toEqual([1000]);
    expect(w.ca.bodyTypes).toEqual(['ir', 'pollReq', 'pollReq', 'certConf']);
    expect(spki(certificate).equals(Buffer.from(w.signer.publicKey))).toBe(true);
    expect(w.ca.db.certificate(serialOf(certificate))?.status).toBe('issued');
  });

  it('waiting: each pollRep’s checkAfter is honoured, capped by maxCheckAfterSeconds', async () => {
    const w = await world();
    w.ca.failNext('waiting', { polls: 2, checkAfter: 90 });
    await enrol(w);
    expect(w.sleep.mock.calls.map(([ms]) => ms)).toEqual([30_000, 30_000]);
  });

  // Regression: maxPolls once bounded only `waiting` answers, not pollReps.
  it('waiting: a CA that keeps answering pollRep is polled at most maxPolls times', async () => {
    const w = await world({ maxPolls: 3 });
    w.ca.failNext('waiting', { polls: 20 });
    await expect(enrol(w)).rejects.toBeInstanceOf(CmpRejectedError);
    expect(w.sleep.mock.calls.length).toBeLessThanOrEqual(3);
  });

  // Regression: the wait between pollReqs once ignored the request's AbortSignal.
  it('an abort while waiting to poll ends the enrolment at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const ca = await FakeCa.create({ material });
      opened.push(ca);
      const client = new CmpClient({ transport: ca, anchors: ca.trust.anchors });
      const { ref, authCode } = ca.register('홍길동', '8001011234567', 'restricted', 'optional');
      ca.failNext('waiting', { checkAfter: 30 });
      const controller = new AbortController();
      const pending = client.enrol({
        ref,
        secret: Buffer.from(authCode),
        signer: newSigner(),
        signal: controller.signal,
      });
      const outcome = pending.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      // The client is asleep once it has a timer pending (the CA asked it to wait 30 s).
      for (let i = 0; i < 10_000 && vi.getTimerCount() === 0; i++) await tick();
      expect(ca.bodyTypes).toEqual(['ir', 'pollReq']);
      controller.abort();
      for (let i = 0; i < 10; i++) await tick();
      expect(await Promise.race([outcome, tick().then(() => 'still pending')])).toBeInstanceOf(
        CmpTransportError,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failed check: certConf rejects the certificate with the reason, the CA revokes it', async () => {
    const w = await world();
    let seen: Certificate | undefined;
    const check: CertificateCheck = (certificate) => {
      seen = certificate;
      throw new CmpMismatchError('vid', 'the VID is not that of the registered IDN');
    };
    const error = await failure(enrol(w, { check }));
    expect(error).toBeInstanceOf(CmpMismatchError);
    expect((error as CmpMismatchError).what).toBe('vid');
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
    const status = w.ca.seen[1]?.message.body.certConf?.[0]?.statusInfo;
    if (status === undefined) throw new Error('certConf without statusInfo');
    expect(status.status).toBe(pkiStatus.rejection);
    expect(describeStatus(status)).toEqual({
      failures: ['incorrectData'],
      text: 'vid: the VID is not that of the registered IDN',
    });
    if (seen === undefined) throw new Error('the check never ran');
    const serial = serialOf(seen);
    expect(w.ca.db.certificate(serial)?.status).toBe('rejected');
    expect(w.ca.db.revocations().map((r) => r.serial)).toEqual([serial]);
  });

  it('after the client refused its certificate, the same reference and code work again', async () => {
    const w = await world();
    const refuse: CertificateCheck = () => {
      throw new CmpMismatchError('vid', 'the medium went away before the pair was stored');
    };
    await failure(enrol(w, { check: refuse }));
    const certificate = await enrol(w);
    expect(spki(certificate).equals(Buffer.from(w.signer.publicKey))).toBe(true);
    expect(w.ca.db.certificate(serialOf(certificate))?.status).toBe('issued');
    // Once confirmed, the reference is spent.
    expect(await failure(enrol(w))).toBeInstanceOf(CmpRejectedError);
  });

  it('a registration is reopened after each of the first three refusals, then spent', async () => {
    const w = await world();
    const refuse: CertificateCheck = () => {
      throw new CmpMismatchError('vid', 'refused by the test');
    };
    for (let i = 0; i < maxRefusalsPerRegistration; i++)
      expect(await failure(enrol(w, { check: refuse }))).toBeInstanceOf(CmpMismatchError);
    // A refusal beyond the limit does not reopen it: the next request is refused by the CA.
    expect(await failure(enrol(w, { check: refuse }))).toBeInstanceOf(CmpMismatchError);
    expect(await failure(enrol(w))).toBeInstanceOf(CmpRejectedError);
  });

  it.each([
    ['wrongNonce', CmpMismatchError],
    ['badProtection', CmpProtectionError],
    ['garbage', CmpMalformedError],
  ] as const)(
    'a pkiConf answered with %s: CmpUnconfirmedError naming the serial, caused by the fault',
    async (fault, type) => {
      const w = await world();
      let stored: Certificate | undefined;
      const error = await failure(
        enrol(w, {
          check: (certificate) => {
            stored = certificate;
            w.ca.failNext(fault);
          },
        }),
      );
      // The pair was stored and accepted: the caller keeps it and tells staff.
      expect(error).toBeInstanceOf(CmpUnconfirmedError);
      expect((error as CmpUnconfirmedError).cause).toBeInstanceOf(type);
      if (stored === undefined) throw new Error('the check never ran');
      expect((error as CmpUnconfirmedError).serial).toBe(serialOf(stored));
      expect(w.ca.bodyTypes).toEqual(['ir', 'certConf']);
    },
  );

  it('a check failing with any other error: refused without leaking its message', async () => {
    const w = await world();
    const error = await failure(
      enrol(w, {
        check: () => {
          throw new Error('disk full at /secret/path');
        },
      }),
    );
    expect((error as Error).message).toBe('disk full at /secret/path');
    const status = w.ca.seen[1]?.message.body.certConf?.[0]?.statusInfo;
    if (status === undefined) throw new Error('certConf without statusInfo');
    expect(describeStatus(status).text).toBe('the kiosk could not accept the certificate');
    expect(w.ca.certificatesSent).toHaveLength(1);
  });
});

describe('CmpClient against the fake CA: key update and revocation', () => {
  async function enrolled(): Promise<World & { certificate: Certificate }> {
    const w = await world();
    return { ...w, certificate: await enrol(w) };
  }

  it('kur signed with the current key returns a confirmed certificate for the new key', async () => {
    const w = await enrolled();
    const next = newSigner();
    const renewed = await w.client.keyUpdate({
      current: { signer: w.signer, certificate: w.certificate },
      signer: next,
    });
    expect(spki(renewed).equals(Buffer.from(next.publicKey))).toBe(true);
    expect(
      Buffer.from(AsnConvert.serialize(renewed.tbsCertificate.subject)).equals(
        Buffer.from(AsnConvert.serialize(w.certificate.tbsCertificate.subject)),
      ),
    ).toBe(true);
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf', 'kur', 'certConf']);
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('issued');
  });

  it('kur: a signature-protected kup with a flipped byte is CmpProtectionError', async () => {
    const w = await enrolled();
    w.ca.failNext('badProtection');
    await expect(
      w.client.keyUpdate({
        current: { signer: w.signer, certificate: w.certificate },
        signer: newSigner(),
      }),
    ).rejects.toBeInstanceOf(CmpProtectionError);
  });

  it('kur: wrong nonce on a signature-protected kup is CmpMismatchError on recipNonce', async () => {
    const w = await enrolled();
    w.ca.failNext('wrongNonce');
    const error = await failure(
      w.client.keyUpdate({
        current: { signer: w.signer, certificate: w.certificate },
        signer: newSigner(),
      }),
    );
    expect((error as CmpMismatchError).what).toBe('recipNonce');
  });

  it('kur: waiting polls to completion', async () => {
    const w = await enrolled();
    w.ca.failNext('waiting');
    const next = newSigner();
    const renewed = await w.client.keyUpdate({
      current: { signer: w.signer, certificate: w.certificate },
      signer: next,
    });
    expect(spki(renewed).equals(Buffer.from(next.publicKey))).toBe(true);
    expect(w.sleep.mock.calls.map(([ms]) => ms)).toEqual([1000]);
    expect(w.ca.bodyTypes.slice(2)).toEqual(['kur', 'pollReq', 'pollReq', 'certConf']);
  });

  it('rr signed by the certificate’s key revokes it with the reason', async () => {
    const w = await enrolled();
    await w.client.revoke({
      signer: w.signer,
      certificate: w.certificate,
      reason: CRLReasons.keyCompromise,
    });
    const serial = serialOf(w.certificate);
    expect(w.ca.bodyTypes).toEqual(['ir', 'certConf', 'rr']);
    expect(w.ca.db.certificate(serial)?.status).toBe('revoked');
    expect(w.ca.db.revocations()).toEqual([
      expect.objectContaining({ serial, reason: CRLReasons.keyCompromise }),
    ]);
  });

  it('rr refused by the CA: CmpRejectedError, nothing revoked', async () => {
    const w = await enrolled();
    w.ca.failNext('rejection');
    const error = await failure(
      w.client.revoke({
        signer: w.signer,
        certificate: w.certificate,
        reason: CRLReasons.keyCompromise,
      }),
    );
    expect(error).toBeInstanceOf(CmpRejectedError);
    expect((error as CmpRejectedError).failInfo).toEqual(['badRequest']);
    expect(w.ca.db.certificate(serialOf(w.certificate))?.status).toBe('issued');
  });

  it('rr answered by an rp with status rejection: CmpRejectedError with the failures', async () => {
    const w = await enrolled();
    w.ca.failNext('rejectedStatus');
    const error = await failure(
      w.client.revoke({
        signer: w.signer,
        certificate: w.certificate,
        reason: CRLReasons.superseded,
      }),
    );
    expect(error).toBeInstanceOf(CmpRejectedError);
    expect((error as CmpRejectedError).failInfo).toEqual(['badRequest']);
    expect((error as CmpRejectedError).statusText).toBe(rejectionText);
  });
});

describe('FakeCa', () => {
  it('close() ends a request left in silence with CmpTransportError', async () => {
    const w = await world();
    w.ca.failNext('silence');
    const pending = enrol(w);
    await vi.waitFor(() => {
      expect(w.ca.bodyTypes).toEqual(['ir']);
    });
    w.ca.close();
    await expect(pending).rejects.toBeInstanceOf(CmpTransportError);
  });
});
