import { generateKeyPairSync } from 'node:crypto';
import { Certificate, CRLReasons, GeneralName } from '@peculiar/asn1-x509';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PkiBody } from '../../../src/cmp/asn1/pkiMessage.js';
import { CmpClient } from '../../../src/cmp/client.js';
import { decodePkiMessage, encodePkiMessage } from '../../../src/cmp/message.js';
import { protectMessage } from '../../../src/cmp/protection.js';
import { pkiStatus, statusInfo } from '../../../src/cmp/status.js';
import type { CmpTransport } from '../../../src/cmp/transport.js';
import type { CaMaterial } from '../../../src/ca/caFiles.js';
import { hexSerial } from '../../../src/ca/responder.js';
import { softwareSigner, type Signer } from '../../../src/crypto/signer.js';
import { CmpRejectedError, CmpTransportError } from '../../../src/errors/index.js';
import { FakeCa } from '../../support/fakeCa.js';

// Issue 11 items 2 and 3, from their reproductions: a certConf is bound to the credential of its
// transaction, a rejection reopens only what that transaction spent, unconfirmed certificates
// are void when their transaction expires, and the CA itself keeps the renewal window, one
// renewal per certificate, and supersedes the old certificate.

const dayMs = 86_400_000;
const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signer = (): Signer => softwareSigner(key);

let material: CaMaterial;
beforeAll(async () => {
  material = await FakeCa.newMaterial();
}, 60_000);

const opened: FakeCa[] = [];
afterEach(() => {
  for (const ca of opened.splice(0)) ca.close();
});

/**
 * A CA whose clock the test moves; the certificates it issues are valid for a year. The kiosk's
 * client checks certificates on the real clock, so a certificate due for renewal is made by
 * enrolling 340 days in the past (`backdated`), not by moving the CA into the future.
 */
async function world(options: { transactionTimeoutMs?: number } = {}) {
  const clock = { now: Date.now() };
  const ca = await FakeCa.create({ material, now: () => new Date(clock.now), ...options });
  opened.push(ca);
  /** Everything reaches the CA except certConfs, which are kept (a kiosk that lost power). */
  const withheld: Uint8Array[] = [];
  const lossy: CmpTransport = {
    send: (request, signal) => {
      if (decodePkiMessage(request).bodyType !== 'certConf') return ca.send(request, signal);
      withheld.push(request);
      return Promise.reject(new CmpTransportError('connection lost'));
    },
  };
  const client = (transport: CmpTransport = ca) =>
    new CmpClient({ transport, anchors: ca.trust.anchors });
  const enrol = async (name: string, idn: string, s = signer()) => {
    const { ref, authCode } = ca.register(name, idn, 'general', 'optional');
    const certificate = await client().enrol({ ref, secret: Buffer.from(authCode), signer: s });
    return { ref, authCode, certificate, signer: s };
  };
  const backdated = async (name: string, idn: string, s = signer()) => {
    clock.now = Date.now() - 340 * dayMs;
    try {
      return await enrol(name, idn, s);
    } finally {
      clock.now = Date.now();
    }
  };
  return { ca, clock, client, lossy, withheld, enrol, backdated };
}

const serialOf = (c: Certificate): string =>
  hexSerial(new Uint8Array(c.tbsCertificate.serialNumber));

/** The certConf the kiosk sent, re-protected by someone else's certificate and key. */
async function certConfSignedBy(
  original: Uint8Array,
  by: { certificate: Certificate; signer: Signer },
  status: 'accept' | 'reject',
): Promise<Uint8Array> {
  const { header, body } = decodePkiMessage(original).message;
  const confirmation = body.certConf?.[0];
  if (confirmation === undefined) throw new Error('no CertStatus');
  if (status === 'reject')
    confirmation.statusInfo = statusInfo(pkiStatus.rejection, 'refused', ['badRequest']);
  else delete confirmation.statusInfo;
  header.sender = new GeneralName({ directoryName: by.certificate.tbsCertificate.subject });
  const message = await protectMessage(header, new PkiBody({ certConf: [confirmation] }), {
    kind: 'signature',
    signer: by.signer,
    certificate: by.certificate,
  });
  return encodePkiMessage(message);
}

function errorText(answer: Uint8Array): string | undefined {
  return decodePkiMessage(answer).message.body.error?.pkiStatusInfo.statusString?.join(' ');
}

describe('certConf bound to its transaction (item 2)', () => {
  it('another holder cannot confirm or reject a renewal; the renewer still can', async () => {
    const w = await world();
    const victim = await w.backdated('홍길동', '9001011234568');
    const attacker = await w.enrol('김철수', '8501012234565', softwareSigner(attackerKey));

    const renewal = w.client(w.lossy).keyUpdate({
      current: { signer: victim.signer, certificate: victim.certificate },
      signer: softwareSigner(otherKey),
    });
    await expect(renewal).rejects.toThrow();
    const [genuine] = w.withheld;
    if (genuine === undefined) throw new Error('the certConf was not sent');
    const renewed = w.ca.certificatesSent.at(-1);
    if (renewed === undefined) throw new Error('no kup');

    // The reproduction: a rejecting certConf signed by the attacker's own certificate.
    const forged = await w.ca.send(await certConfSignedBy(genuine, attacker, 'reject'));
    expect(errorText(forged)).toBe('the certConf is not signed by the requester');
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('pending');
    expect(w.ca.db.registration(victim.ref)?.usedAt).toBeDefined();
    const accepting = await w.ca.send(await certConfSignedBy(genuine, attacker, 'accept'));
    expect(errorText(accepting)).toBe('the certConf is not signed by the requester');
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('pending');

    // The renewer's own certConf still goes through.
    const answer = await w.ca.send(genuine);
    expect(decodePkiMessage(answer).bodyType).toBe('pkiconf');
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('issued');
  }, 60_000);

  it('a rejected renewal reopens nothing: the original reference stays spent', async () => {
    const w = await world();
    const first = await w.backdated('홍길동', '9001011234568');
    await expect(
      w.client().keyUpdate({
        current: { signer: first.signer, certificate: first.certificate },
        signer: softwareSigner(otherKey),
        check: () => {
          throw new Error('the medium went away');
        },
      }),
    ).rejects.toThrow('the medium went away');
    expect(w.ca.bodyTypes.slice(-2)).toEqual(['kur', 'certConf']);
    const registration = w.ca.db.registration(first.ref);
    expect(registration?.usedAt).toBeDefined();
    // The original enrolment's reference and code, replayed while they were still current.
    const expiresAt = registration?.expiresAt ?? 0;
    w.clock.now = expiresAt - 13 * dayMs;
    const replay = w
      .client()
      .enrol({ ref: first.ref, secret: Buffer.from(first.authCode), signer: signer() });
    await expect(replay).rejects.toMatchObject({
      statusText: 'the reference number was already used',
    });
    w.clock.now = Date.now();
    // The refused renewal does not count as the one renewal: the holder may renew again.
    const renewed = await w.client().keyUpdate({
      current: { signer: first.signer, certificate: first.certificate },
      signer: softwareSigner(otherKey),
    });
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('issued');
  }, 60_000);

  it('an enrolment never confirmed is revoked when its transaction expires, and the reference reopens', async () => {
    const w = await world({ transactionTimeoutMs: 60_000 });
    const { ref, authCode } = w.ca.register('홍길동', '9001011234568', 'general', 'optional');
    await expect(
      w.client(w.lossy).enrol({ ref, secret: Buffer.from(authCode), signer: signer() }),
    ).rejects.toThrow();
    const sent = w.ca.certificatesSent.at(-1);
    const [late] = w.withheld;
    if (sent === undefined || late === undefined) throw new Error('no ip or certConf');
    w.clock.now += 59_000;
    w.ca.responder.expireTransactions();
    expect(w.ca.db.certificate(serialOf(sent))?.status).toBe('pending');

    w.clock.now += 2_000;
    w.ca.responder.expireTransactions();
    expect(w.ca.db.certificate(serialOf(sent))?.status).toBe('rejected');
    expect(w.ca.db.revocations().map((r) => r.serial)).toContain(serialOf(sent));
    expect(errorText(await w.ca.send(late))).toBe('no transaction is waiting for this certConf');
    const retry = await w.client().enrol({ ref, secret: Buffer.from(authCode), signer: signer() });
    expect(w.ca.db.certificate(serialOf(retry))?.status).toBe('issued');
  }, 60_000);
});

describe('a certificate revoked before its confirmation', () => {
  it('stays revoked when the certConf arrives, and renews nothing', async () => {
    // The attack review's reproduction: revoked for keyCompromise by an rr signed with its own
    // key while its certConf was held back; the certConf made it 'issued' and trusted again.
    const w = await world();
    w.clock.now = Date.now() - 340 * dayMs;
    const { ref, authCode } = w.ca.register('홍길동', '9001011234568', 'general', 'optional');
    await expect(
      w.client(w.lossy).enrol({ ref, secret: Buffer.from(authCode), signer: signer() }),
    ).rejects.toThrow();
    const sent = w.ca.certificatesSent.at(-1);
    const [late] = w.withheld;
    if (sent === undefined || late === undefined) throw new Error('no ip or certConf');
    // Within the transaction's lifetime (the clock stays put): the rr, then the held certConf.
    await w
      .client()
      .revoke({ signer: signer(), certificate: sent, reason: CRLReasons.keyCompromise });
    expect(errorText(await w.ca.send(late))).toBe(
      'the certificate was revoked before it was confirmed',
    );
    expect(w.ca.db.certificate(serialOf(sent))?.status).toBe('revoked');
    // The transaction is over: the IDN kept for it is gone too.
    expect(w.ca.db.registration(ref)?.idn).toBeUndefined();
    w.clock.now = Date.now(); // inside the renewal window
    await expect(
      w.client().keyUpdate({
        current: { signer: signer(), certificate: sent },
        signer: softwareSigner(otherKey),
      }),
    ).rejects.toBeInstanceOf(CmpRejectedError);
    expect(w.ca.certificatesSent).toHaveLength(1);
  }, 60_000);
});

describe('key update as the CA allows it (item 3)', () => {
  it('is refused before the renewal window opens, whatever the client thinks', async () => {
    const w = await world();
    const first = await w.enrol('홍길동', '9001011234568');
    const early = w.client().keyUpdate({
      current: { signer: first.signer, certificate: first.certificate },
      signer: softwareSigner(otherKey),
    });
    await expect(early).rejects.toBeInstanceOf(CmpRejectedError);
    await expect(early).rejects.toMatchObject({
      statusText: expect.stringMatching(/^renewal opens 30 days before expiry/) as unknown,
    });
    expect(w.ca.certificatesSent).toHaveLength(1);
  }, 60_000);

  it('once confirmed, the renewal supersedes the old certificate, which renews no more', async () => {
    const w = await world();
    const first = await w.backdated('홍길동', '9001011234568');
    const update = () =>
      w.client().keyUpdate({
        current: { signer: first.signer, certificate: first.certificate },
        signer: softwareSigner(otherKey),
      });
    const renewed = await update();
    expect(w.ca.db.revocations()).toContainEqual(
      expect.objectContaining({ serial: serialOf(first.certificate), reason: 4 }),
    );
    expect(w.ca.db.certificate(serialOf(first.certificate))?.status).toBe('revoked');
    // The reproduction: a second kur from the same certificate on the same day.
    await expect(update()).rejects.toBeInstanceOf(CmpRejectedError);
    expect(w.ca.certificatesSent.map(serialOf)).toEqual([
      serialOf(first.certificate),
      serialOf(renewed),
    ]);
  }, 60_000);

  it('a key reported compromised after a renewal voids that renewal (a thief may have made it)', async () => {
    // The attack review: a thief with the old key renewed to a key of theirs; the holder's rr
    // (keyCompromise) was accepted but the old certificate stayed "superseded" and the thief's
    // renewal good.
    const w = await world();
    const first = await w.backdated('홍길동', '9001011234568');
    const stolen = await w.client().keyUpdate({
      current: { signer: first.signer, certificate: first.certificate },
      signer: softwareSigner(attackerKey),
    });
    const before = w.ca.db.revocationCount();
    // A retry of an older request with another reason changes nothing...
    await w.client().revoke({
      signer: first.signer,
      certificate: first.certificate,
      reason: CRLReasons.unspecified,
    });
    expect(w.ca.db.revocation(serialOf(first.certificate))?.reason).toBe(CRLReasons.superseded);
    expect(w.ca.db.revocationCount()).toBe(before);
    // ...the holder's keyCompromise does.
    await w.client().revoke({
      signer: first.signer,
      certificate: first.certificate,
      reason: CRLReasons.keyCompromise,
    });
    expect(w.ca.db.revocation(serialOf(first.certificate))?.reason).toBe(CRLReasons.keyCompromise);
    expect(w.ca.db.certificate(serialOf(stolen))?.status).toBe('revoked');
    expect(w.ca.db.revocation(serialOf(stolen))?.reason).toBe(CRLReasons.keyCompromise);
    // One reason changed, one certificate revoked: the CRL cache sees a change.
    expect(w.ca.db.revocationCount()).toBe(before + 2);
  }, 60_000);

  it('a renewal made in the last minute of the old certificate is confirmed after it expires', async () => {
    // The attack review (defect 7): the kur was accepted, its certConf refused as signed by an
    // expired certificate, and the renewal voided: the holder lost both.
    const w = await world();
    const first = await w.enrol('홍길동', '9001011234568');
    const notAfter = first.certificate.tbsCertificate.validity.notAfter.getTime().getTime();
    w.clock.now = notAfter - 30_000;
    const late = new CmpClient({
      transport: w.lossy,
      anchors: w.ca.trust.anchors,
      now: () => new Date(w.clock.now),
    });
    await expect(
      late.keyUpdate({
        current: { signer: first.signer, certificate: first.certificate },
        signer: softwareSigner(otherKey),
      }),
    ).rejects.toThrow();
    const [certConf] = w.withheld;
    const renewed = w.ca.certificatesSent.at(-1);
    if (certConf === undefined || renewed === undefined) throw new Error('no kup or certConf');
    w.clock.now = notAfter + 60_000;
    expect(decodePkiMessage(await w.ca.send(certConf)).bodyType).toBe('pkiconf');
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('issued');
  }, 60_000);

  it('an abandoned renewal (its certConf never came) is voided by the next one: one stands', async () => {
    const w = await world();
    const first = await w.backdated('홍길동', '9001011234568');
    const update = (transport?: CmpTransport) =>
      w.client(transport).keyUpdate({
        current: { signer: first.signer, certificate: first.certificate },
        signer: softwareSigner(otherKey),
      });
    await expect(update(w.lossy)).rejects.toThrow();
    const abandoned = w.ca.certificatesSent.at(-1);
    const [late] = w.withheld;
    if (abandoned === undefined || late === undefined) throw new Error('no kup or certConf');
    const renewed = await update();
    expect(w.ca.db.certificate(serialOf(abandoned))?.status).toBe('rejected');
    expect(w.ca.db.revocations().map((r) => r.serial)).toContain(serialOf(abandoned));
    expect(w.ca.db.certificate(serialOf(renewed))?.status).toBe('issued');
    // The abandoned one can no longer be confirmed.
    expect(errorText(await w.ca.send(late))).toBe('no transaction is waiting for this certConf');
    expect(w.ca.db.certificate(serialOf(abandoned))?.status).toBe('rejected');
  }, 60_000);
});
