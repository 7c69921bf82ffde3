import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expireTransactions } from '../../../src/ca/confirm.js';
import { CaDatabase } from '../../../src/ca/database.js';
import { closeRegistration } from '../../../src/ca/ra/holderRequests.js';
import { hexSerial } from '../../../src/ca/recordKeys.js';
import type { ResponderContext } from '../../../src/ca/responderContext.js';
import { parseCertificate, serialHex } from '../../../src/npki/certificate.js';
import { nodeCrypto, rsaSha256, x509 } from '../../../src/shared/x509.js';

// The attack review of `POST /ra/close` (issue 14 item 3): what a branch's RA client, a crafted
// body or an unlucky moment can make the close confirm, void or spend. The confirmation a close
// carries is a certConf sent without the authorization code, so it must never confirm more than
// that certConf could have: the one open enrolment of the reference, by its exact hash, while its
// transaction is still awaited (RFC 4210 §5.3.18; `ca.transactionTimeoutMs`).

const day = 86_400_000;
/** The configuration's default `ca.transactionTimeoutMs`. */
const timeout = 300_000;
const idn = '9001011234568';
const hong = { name: '홍길동', idn, profile: 'restricted' as const, vidRequired: true };

const raClient = (serial: string) => ({
  name: `branch-${serial}`,
  serial,
  issuedAt: 0,
  notAfter: Date.now() + 800 * day,
  revokedAt: undefined,
});

const sha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** A CA database with branches `0a` and `0b`, and a registration of `0a` for 홍길동. */
function world(t0 = Date.now()) {
  const db = new CaDatabase(':memory:', randomBytes(32));
  db.addRaClient(raClient('0a'));
  db.addRaClient(raClient('0b'));
  const register = (ra: string) => {
    const made = db.registerThroughRa(ra, hong, 'teller-07', 'chipVerified', t0);
    if (made === undefined) throw new Error('not registered');
    return made.registration.ref;
  };
  return { db, ref: register('0a'), register, t0 };
}

/** What the responder records for an ir on `ref` (enrol.ts certificateResponse). */
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
  const certificate = { serial, ref, der, notAfter: now + 365 * day, holder: db.holderTag(idn) };
  expect(db.recordIssued(certificate, transaction, now, ref)).toBeUndefined();
  return { serial, der, certHash: sha256(der), transaction };
}

/** What a certConf accepting it does (confirm.ts). */
function confirmedByCertConf(db: CaDatabase, ref: string, serial: string) {
  expect(db.closeTransaction(`tx-${serial}`)).toBe(true);
  db.forgetIdn(ref);
  expect(db.markIssued(serial)).toBe(true);
}

/** A kur renewing `predecessor`: its record names the original reference (enrol.ts keyUpdate). */
function renewed(db: CaDatabase, ref: string, predecessor: string, serial: string, now: number) {
  const der = randomBytes(300);
  const transaction = {
    id: `tx-${serial}`,
    kind: 'keyUpdate' as const,
    ref,
    protection: 'signature' as const,
    certSerial: serial,
    signerSerial: predecessor,
    senderNonce: randomBytes(16),
    createdAt: now,
  };
  const record = {
    serial,
    ref,
    der,
    notAfter: now + 365 * day,
    holder: db.holderTag(idn),
    predecessor,
  };
  expect(db.recordIssued(record, transaction, now, undefined)).toBeUndefined();
  return { serial, certHash: sha256(der) };
}

/** expireTransactions as the responder runs it on every request, at `now`. */
function expireAt(db: CaDatabase, now: number): void {
  const ctx = { db, now: () => new Date(now), options: { transactionTimeoutMs: timeout } };
  expireTransactions(ctx as unknown as ResponderContext);
}

describe('POST /ra/close attacked (holderRequests.ts closeRegistration)', () => {
  it('a branch cannot confirm, void or spend another branch’s reference, even naming it exactly', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const answer = closeRegistration(db, '0b', { ref, confirm: { serial, certHash } }, t0 + 2000);
    expect(answer).toMatchObject({ ok: false, status: 404 });
    expect(db.certificate(serial)?.status).toBe('pending');
    expect(db.transaction('tx-c1')).toBeDefined();
    expect(db.registration(ref)?.idn).toBe(idn);
    // Its own branch, once revoked, is refused before anything is looked at.
    db.revokeRaClient('branch-0a', t0 + 1500);
    expect(
      closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, t0 + 2000),
    ).toMatchObject({ ok: false, status: 401 });
    expect(db.certificate(serial)?.status).toBe('pending');
    db.close();
  });

  it('a renewal (kur) under the reference is neither confirmed nor voided by a close naming it', () => {
    const { db, ref, t0 } = world();
    const first = enrolled(db, ref, 'c1', t0 + 1000);
    confirmedByCertConf(db, ref, first.serial);
    const kur = renewed(db, ref, first.serial, 'e1', t0 + 2000);
    const answer = closeRegistration(db, '0a', { ref, confirm: kur }, t0 + 3000);
    // Only the enrolment is the registration's; the renewal waits for its own signed certConf.
    expect(answer).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial: 'c1', status: 'issued' }] },
    });
    expect(db.certificate('e1')?.status).toBe('pending');
    expect(db.transaction('tx-e1')).toBeDefined();
    // The certificate it renews is not superseded by a confirmation that did not happen.
    expect(db.revocation('c1')).toBeUndefined();
    db.close();
  });

  it('a serial of the same branch’s other reference is not confirmed through this one', () => {
    const { db, ref, register, t0 } = world();
    enrolled(db, ref, 'c1', t0 + 1000);
    const other = register('0a');
    const theirs = enrolled(db, other, 'd1', t0 + 1000);
    const answer = closeRegistration(
      db,
      '0a',
      { ref, confirm: { serial: theirs.serial, certHash: theirs.certHash } },
      t0 + 2000,
    );
    expect(answer).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial: 'c1', status: 'rejected' }] },
    });
    expect(db.certificate('d1')?.status).toBe('pending');
    expect(db.transaction('tx-d1')).toBeDefined();
    expect(db.registration(other)?.usedAt).toBe(t0 + 1000);
    expect(db.registration(other)?.idn).toBe(idn);
    db.close();
  });

  it('a certHash of another certificate of the same reference confirms neither', () => {
    const { db, ref, t0 } = world();
    const first = enrolled(db, ref, 'c1', t0 + 1000);
    // Refused by the kiosk, reopened, enrolled again: both under the reference.
    db.closeTransaction('tx-c1');
    db.revoke('c1', 0, t0 + 1500);
    db.setCertificateStatus('c1', 'rejected');
    db.reopen(ref);
    enrolled(db, ref, 'c2', t0 + 2000);
    const confirm = { serial: 'c2', certHash: first.certHash };
    expect(closeRegistration(db, '0a', { ref, confirm }, t0 + 3000)).toEqual({
      ok: true,
      value: {
        ref,
        certificates: [
          { serial: 'c1', status: 'rejected' },
          { serial: 'c2', status: 'rejected' },
        ],
      },
    });
    // The refused one named with its own hash is not brought back either.
    expect(
      closeRegistration(
        db,
        '0a',
        { ref, confirm: { serial: 'c1', certHash: first.certHash } },
        t0 + 3000,
      ),
    ).toMatchObject({
      ok: true,
      value: { certificates: [{ status: 'rejected' }, { status: 'rejected' }] },
    });
    db.close();
  });

  it('an enrolment whose certConf is overdue is voided, not confirmed, whether or not expiry ran first', () => {
    // Decided (RFC 4210 §5.3.18, DESIGN §5 "transactions expire and unconfirmed certificates are
    // revoked"): a close is a certConf without the code, so it confirms only what a certConf
    // still could. Expiry runs lazily (on each CMP request), so without this the certificate's
    // fate would depend on whether any request reached the CA between the crash and the close.
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const late = t0 + 1000 + timeout + 1;
    expect(closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, late)).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial, status: 'rejected' }] },
    });
    expect(db.revocation(serial)).toMatchObject({ reason: 0 });
    expect(db.registration(ref)).toMatchObject({ idn: undefined });
    expect(db.registration(ref)?.usedAt).toBeDefined();
    db.close();
  });

  it('at its deadline exactly it is still confirmable, as expireTransactions has not taken it yet', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const edge = t0 + 1000 + timeout;
    expireAt(db, edge);
    expect(db.transaction('tx-c1')).toBeDefined();
    expect(closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, edge)).toMatchObject(
      {
        ok: true,
        value: { certificates: [{ serial, status: 'issued' }] },
      },
    );
    db.close();
  });

  it('a CA configured to wait longer confirms what it still awaits', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const later = t0 + 1000 + 2 * timeout;
    const answer = closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, later, {
      transactionTimeoutMs: 3_600_000,
    });
    expect(answer).toMatchObject({
      ok: true,
      value: { certificates: [{ serial, status: 'issued' }] },
    });
    db.close();
  });

  it('expiry first (the reference reopened by discard), then the close: voided and spent again', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const late = t0 + 1000 + timeout + 1;
    expireAt(db, late);
    expect(db.registration(ref)?.usedAt).toBeUndefined(); // discard reopened it
    const answer = closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, late + 1);
    expect(answer).toEqual({
      ok: true,
      value: { ref, certificates: [{ serial, status: 'rejected' }] },
    });
    expect(db.registration(ref)).toMatchObject({ usedAt: late + 1, idn: undefined });
    db.close();
  });

  it('the close first, then expiry: nothing left to expire, nothing reopened', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, t0 + 2000);
    expireAt(db, t0 + 10 * timeout);
    expect(db.certificate(serial)?.status).toBe('issued');
    expect(db.revocation(serial)).toBeUndefined();
    expect(db.registration(ref)?.usedAt).toBe(t0 + 1000);
  });

  it('an ir still being signed when the close spends the reference records nothing after it', () => {
    const { db, ref, t0 } = world();
    // The crash left no enrolment yet; the CA was still signing the ir when the kiosk came back.
    db.reopen(ref);
    closeRegistration(db, '0a', { ref }, t0 + 1000);
    const late = {
      serial: 'c9',
      ref,
      der: randomBytes(300),
      notAfter: t0 + 365 * day,
      holder: db.holderTag(idn),
    };
    const transaction = {
      id: 'tx-c9',
      kind: 'enrol' as const,
      ref,
      protection: 'pbm' as const,
      certSerial: 'c9',
      senderNonce: randomBytes(16),
      createdAt: t0 + 1100,
    };
    expect(db.recordIssued(late, transaction, t0 + 1100, ref)).toBe('referenceUsed');
    expect(db.certificate('c9')).toBeUndefined();
    db.close();
  });

  it('two closes at once with different confirmations: the first decides, both answers agree', async () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const [a, b] = await Promise.all([
      Promise.resolve().then(() => closeRegistration(db, '0a', { ref }, t0 + 2000)),
      Promise.resolve().then(() =>
        closeRegistration(db, '0a', { ref, confirm: { serial, certHash } }, t0 + 2000),
      ),
    ]);
    expect(a).toEqual(b);
    expect(db.certificate(serial)?.status).toBe('rejected');
    db.close();
  });

  it('refuses odd bodies quickly and changes nothing: huge, unicode digits, case, proto keys', () => {
    const { db, ref, t0 } = world();
    const { serial, certHash } = enrolled(db, ref, 'c1', t0 + 1000);
    const bad: unknown[] = [
      { ref, confirm: { serial: '1'.repeat(1_000_000), certHash } },
      { ref, confirm: { serial, certHash: 'f'.repeat(1_000_000) } },
      { ref: '1'.repeat(1_000_000) },
      { ref: '１２３４５６７８' }, // fullwidth digits
      { ref: '١٢٣٤٥٦٧٨' }, // Arabic-Indic digits
      { ref: `${ref}\n` },
      { ref: ` ${ref}` },
      { ref, confirm: { serial: serial.toUpperCase(), certHash } },
      { ref, confirm: { serial, certHash: certHash.toUpperCase() } },
      { ref, confirm: { serial: 'ｃ１', certHash } },
      { ref, confirm: [serial, certHash] },
      JSON.parse(`{"ref":"${ref}","__proto__":{"confirm":{"serial":"${serial}"}}}`) as unknown,
      JSON.parse(
        `{"ref":"${ref}","confirm":{"serial":"${serial}","certHash":"${certHash}","__proto__":{}}}`,
      ) as unknown,
      null,
      [],
      'ref',
    ];
    const started = performance.now();
    for (const body of bad)
      expect(closeRegistration(db, '0a', body, t0 + 2000)).toMatchObject({
        ok: false,
        status: 400,
      });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(db.certificate(serial)?.status).toBe('pending');
    expect(db.registration(ref)?.idn).toBe(idn);
    db.close();
  });

  it('a confirmation with leading zeros names another serial: voided, never matched loosely', () => {
    const { db, ref, t0 } = world();
    const { certHash } = enrolled(db, ref, '0a1b', t0 + 1000);
    const answer = closeRegistration(
      db,
      '0a',
      { ref, confirm: { serial: '000a1b', certHash } },
      t0 + 2000,
    );
    expect(answer).toMatchObject({
      ok: true,
      value: { certificates: [{ serial: '0a1b', status: 'rejected' }] },
    });
    db.close();
  });
});

describe('the serial the kiosk journals is the CA’s key for it', () => {
  it('for serials with a high bit, a zero nibble, leading zero bytes and 20 octets', async () => {
    const keys = await nodeCrypto.subtle.generateKey({ ...rsaSha256, modulusLength: 1024 }, true, [
      'sign',
      'verify',
    ]);
    for (const serialNumber of ['0a', '00ff01', '7f' + 'ab'.repeat(19), '0001', '80', '0080aa']) {
      const certificate = await x509.X509CertificateGenerator.createSelfSigned(
        { serialNumber, name: 'CN=s', keys, signingAlgorithm: rsaSha256 },
        nodeCrypto,
      );
      // The CA's key (enrol.ts serialOf) and the kiosk's journal (issue.ts receivedFact).
      const atCa = hexSerial(Buffer.from(certificate.serialNumber, 'hex'));
      const atKiosk = serialHex(parseCertificate(new Uint8Array(certificate.rawData)));
      expect(atKiosk, serialNumber).toBe(atCa);
      expect(atKiosk).toMatch(/^[0-9a-f]{1,42}$/);
    }
  });
});
