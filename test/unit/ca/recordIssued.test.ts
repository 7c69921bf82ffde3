import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CaDatabase, type TransactionRecord } from '../../../src/ca/database.js';

// The checks a kur makes before signing are made again where the CA commits (recordIssued): an
// rr accepted while the renewal was being signed wins, and a certConf arriving after a
// revocation confirms nothing (the attack review of issue 11, defect 1).

const der = Buffer.from([0x30, 0x00]);
const transaction = (id: string, certSerial: string): TransactionRecord => ({
  id,
  kind: 'keyUpdate',
  ref: undefined,
  protection: 'signature',
  certSerial,
  signerSerial: '01',
  senderNonce: randomBytes(16),
  createdAt: 1,
});

describe('CaDatabase.recordIssued and markIssued', () => {
  it('a renewal of a certificate revoked meanwhile is recorded nowhere', () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    db.insertCertificate('01', undefined, der, 10, 1);
    db.setCertificateStatus('01', 'issued');
    db.revoke('01', 1, 2);
    const renewal = { serial: '02', ref: undefined, der, notAfter: 10, predecessor: '01' };
    expect(db.recordIssued(renewal, transaction('t1', '02'), 3, undefined)).toBe(
      'predecessorNotValid',
    );
    expect(db.certificate('02')).toBeUndefined();
    expect(db.transaction('t1')).toBeUndefined();
    db.close();
  });

  it('a valid predecessor renews once; a pending certificate is confirmed once, a revoked one never', () => {
    const db = new CaDatabase(':memory:', randomBytes(32));
    db.insertCertificate('01', undefined, der, 10, 1);
    expect(db.markIssued('01')).toBe(true);
    expect(db.markIssued('01')).toBe(false);
    const renewal = { serial: '02', ref: undefined, der, notAfter: 10, predecessor: '01' };
    expect(db.recordIssued(renewal, transaction('t1', '02'), 3, undefined)).toBeUndefined();
    expect(db.certificate('02')?.status).toBe('pending');
    db.revoke('02', 1, 4);
    expect(db.markIssued('02')).toBe(false);
    expect(db.certificate('02')?.status).toBe('revoked');
    db.close();
  });
});
