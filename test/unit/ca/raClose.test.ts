import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CaDatabase } from '../../../src/ca/database.js';
import { closeRegistration } from '../../../src/ca/ra/holderRequests.js';
import { raInProcess } from '../../../src/kiosk/raInProcess.js';
import { RaRefusedError } from '../../../src/errors/index.js';

// Crash recovery (issue 14 item 3): a kiosk that restarts mid-issuance has lost the visitor's
// authorization code, so it settles the visit's registration with `POST /ra/close`: the enrolment
// left open is confirmed when the kiosk stored the certificate completely (serial and hash), else
// voided as an expired one is, and the registration is spent, never reopened. The answer says what
// the CA holds of every certificate enrolled under the reference.

const day = 86_400_000;
const hong = {
  name: '홍길동',
  idn: '9001011234568',
  profile: 'restricted' as const,
  vidRequired: true,
};

const raClient = (serial: string) => ({
  name: `branch-${serial}`,
  serial,
  issuedAt: 0,
  notAfter: Date.now() + 800 * day,
  revokedAt: undefined,
});

const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** A CA database, two RA clients, and a registration `0a` made for 홍길동. */
function world(t0 = Date.now()) {
  const db = new CaDatabase(':memory:', randomBytes(32));
  db.addRaClient(raClient('0a'));
  db.addRaClient(raClient('0b'));
  const made = db.registerThroughRa('0a', hong, 'teller-07', 'chipVerified', t0);
  if (made === undefined) throw new Error('not registered');
  return { db, ref: made.registration.ref, t0 };
}

/** What the responder records for an ir on `ref` (enrol.ts certificateResponse): its serial. */
function enrolled(db: CaDatabase, ref: string, serial: string, now: number) {
  const der = randomBytes(300);
  const transaction = {
    id: `tx-${serial}`,
    kind: 'enrol' as const,
    ref,
    protection: 'pbm' as const,
    certSerial: serial,
    senderNonce: randomBytes(16),
    createdAt: now,
  };
  const certificate = { serial, ref, der, notAfter: now + 365 * day, holder: db.holderTag('x') };
  expect(db.recordIssued(certificate, transaction, now, ref)).toBeUndefined();
  return { serial, der, certHash: sha256(der), transaction };
}

describe('POST /ra/close settling an open enrolment (holderRequests.ts closeRegistration)', () => {
  it('confirms the open enrolment the kiosk names with its hash: issued, closed, IDN forgotten, spent', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash, transaction } = enrolled(db, ref, 'c1', t0 + 1000);
    const closed = closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, t0 + 2000);
    expect(closed).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial, status: 'issued' }] },
    });
    expect(db.certificate(serial)?.status).toBe('issued');
    expect(db.transaction(transaction.id)).toBeUndefined();
    expect(db.revocation(serial)).toBeUndefined();
    const registration = db.registration(ref);
    expect(registration?.idn).toBeUndefined();
    expect(registration?.usedAt).toBe(t0 + 1000); // spent by the ir, and stays so
    db.close();
  });

  it('without a confirmation voids it: rejected, revoked on the CRL list, the reference stays spent', () => {
    const { db, ref, t0 } = world();
    const { serial, transaction } = enrolled(db, ref, 'c1', t0 + 1000);
    const closed = closeRegistration(db, '0a', { ref }, t0 + 2000);
    expect(closed).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial, status: 'rejected' }] },
    });
    expect(db.transaction(transaction.id)).toBeUndefined();
    expect(db.revocations()).toEqual([{ serial, reason: 0, revokedAt: t0 + 2000 }]);
    // Not reopened, as a certConf rejection or an expiry would have: nothing issues on it again.
    expect(db.registration(ref)?.usedAt).toBe(t0 + 1000);
    expect(db.registration(ref)?.idn).toBeUndefined();
    db.close();
  });

  it('a confirmation with a wrong hash, or naming another serial, voids it and confirms nothing', () => {
    const confirmations = [
      (c: { certHash: string }) => ({ serial: 'c1', certHash: sha256(Buffer.from(c.certHash)) }),
      (c: { certHash: string }) => ({ serial: 'c2', certHash: c.certHash }),
    ];
    for (const confirmationOf of confirmations) {
      const { db, ref, t0 } = world();
      const confirm = confirmationOf(enrolled(db, ref, 'c1', t0 + 1000));
      expect(closeRegistration(db, '0a', { ref, confirm }, t0 + 2000)).toEqual({
        ok: true,
        value: { ref, certificates: [{ serial: 'c1', status: 'rejected' }] },
      });
      expect(db.revocation('c1')).toBeDefined();
      db.close();
    }
  });

  it('a certificate confirmed before the crash (its certConf reached the CA) is answered issued', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash, transaction } = enrolled(db, ref, 'c1', t0 + 1000);
    // What confirm.ts did with the certConf before the kiosk died.
    db.closeTransaction(transaction.id);
    db.forgetIdn(ref);
    db.markIssued(serial);
    for (const body of [{ ref }, { ref, confirm: { serial, certHash } }]) {
      expect(closeRegistration(db, '0a', body, t0 + 2000)).toEqual({
        ok: true,
        value: { ref, certificates: [{ serial, status: 'issued' }] },
      });
    }
    expect(db.revocations()).toEqual([]);
    db.close();
  });

  it('after refusals and a reopen, every certificate of the reference is listed oldest first', () => {
    const { db, ref, t0 } = world();
    enrolled(db, ref, 'c1', t0 + 1000);
    // The kiosk rejected the first one (certConf with a rejection): voided, the reference reopened.
    db.closeTransaction('tx-c1');
    db.revoke('c1', 0, t0 + 1500);
    db.setCertificateStatus('c1', 'rejected');
    db.reopen(ref);
    const second = enrolled(db, ref, 'c2', t0 + 2000);
    const body = { ref, confirm: { serial: 'c2', certHash: second.certHash } };
    expect(closeRegistration(db, '0a', body, t0 + 3000)).toEqual({
      ok: true,
      value: {
        ref,
        certificates: [
          { serial: 'c1', status: 'rejected' },
          { serial: 'c2', status: 'issued' },
        ],
      },
    });
    db.close();
  });

  it('a certificate revoked before its confirmation stays revoked, and the close still spends', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    db.revoke(serial, 1, t0 + 1500); // an rr signed by its own key
    const closed = closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, t0 + 2000);
    expect(closed).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial, status: 'revoked' }] },
    });
    expect(db.transaction('tx-c1')).toBeUndefined();
    expect(db.revocation(serial)?.reason).toBe(1);
    db.close();
  });

  it('another RA client’s close is refused and changes nothing', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash, transaction } = enrolled(db, ref, 'c1', t0 + 1000);
    for (const body of [{ ref }, { ref, confirm: { serial, certHash } }]) {
      expect(closeRegistration(db, '0b', body, t0 + 2000)).toMatchObject({
        ok: false,
        status: 404,
      });
      expect(closeRegistration(db, undefined, body, t0 + 2000)).toMatchObject({
        ok: false,
        status: 404,
      });
    }
    expect(db.transaction(transaction.id)).toBeDefined();
    expect(db.certificate(serial)?.status).toBe('pending');
    expect(db.registration(ref)?.idn).toBe(hong.idn);
    db.close();
  });

  it('a second close changes nothing and says the same, with or without a confirmation', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const first = closeRegistration(db, '0a', { ref }, t0 + 2000);
    const revocations = db.revocations();
    for (const body of [{ ref }, { ref, confirm: { serial, certHash } }])
      expect(closeRegistration(db, '0a', body, t0 + 3000)).toEqual(first);
    expect(db.revocations()).toEqual(revocations);
    expect(db.certificate(serial)?.status).toBe('rejected');
    db.close();
  });

  it('a close with nothing enrolled spends the registration and lists nothing', () => {
    const { db, ref, t0 } = world();
    expect(closeRegistration(db, '0a', { ref }, t0 + 1000)).toEqual({
      ok: true,
      value: { ref, certificates: [] },
    });
    expect(db.registration(ref)).toMatchObject({ usedAt: t0 + 1000, idn: undefined });
    db.close();
  });

  it('refuses a body that is not { ref, confirm?: { serial, certHash } }, lower-case hex, bounded', () => {
    const { db, ref, t0 } = world();
    const hash = 'a'.repeat(64);
    const bad: unknown[] = [
      { ref, confirm: { serial: 'C1', certHash: hash } },
      { ref, confirm: { serial: 'c1', certHash: hash.toUpperCase() } },
      { ref, confirm: { serial: 'c1', certHash: 'a'.repeat(63) } },
      { ref, confirm: { serial: 'c1', certHash: 'a'.repeat(100_000) } },
      { ref, confirm: { serial: 'a'.repeat(43), certHash: hash } },
      { ref, confirm: { serial: 'c1' } },
      { ref, confirm: { serial: 'c1', certHash: hash, status: 'issued' } },
      { ref, confirm: null },
      { ref, confirm: 'c1' },
      { ref, extra: 1 },
      { ref: 12345678 },
    ];
    for (const body of bad)
      expect(closeRegistration(db, '0a', body, t0 + 1000)).toMatchObject({
        ok: false,
        status: 400,
      });
    expect(db.registration(ref)?.usedAt).toBeUndefined();
    db.close();
  });
});

describe('the operator’s in-process RA closing (raInProcess.ts)', () => {
  it('confirms through the kiosk’s RaClient and resolves with the statuses', async () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    const t0 = Date.now();
    const ra = raInProcess(db, () => new Date(t0 + 2000));
    const { ref } = await ra.register({
      name: hong.name,
      idn: Buffer.from(hong.idn),
      profile: 'restricted',
      approvedBy: 'teller-07',
      evidence: 'chipVerified',
    });
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    // Extra fields of the caller's object are not sent on (the schema is strict).
    const confirm = { serial, certHash, der: 'not sent' };
    await expect(ra.close(ref, undefined, confirm)).resolves.toEqual({
      certificates: [{ serial, status: 'issued' }],
    });
    // The kiosk service's call, unchanged, still closes and resolves.
    await expect(ra.close(ref, AbortSignal.timeout(1000))).resolves.toEqual({
      certificates: [{ serial, status: 'issued' }],
    });
    await expect(ra.close('12345678')).rejects.toBeInstanceOf(RaRefusedError);
    db.close();
  });
});
