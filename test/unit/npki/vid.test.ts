import { AsnConvert } from '@peculiar/asn1-schema';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oid } from '../../../src/npki/asn1/oids.js';
import { parseCertificate } from '../../../src/npki/certificate.js';
import { readRandomNum, withRandomNum, withoutAttributes } from '../../../src/npki/randomNum.js';
import { computeVid, identifyDataGeneralName, readIdentifyData } from '../../../src/npki/vid.js';
import { keyMatchesCertificate } from '../../../src/npki/keyPair.js';
import { readYessign, yessignR } from '../../support/fixtures.js';

describe('randomNum attribute', () => {
  it('reads R from the fixture key', () => {
    expect(readRandomNum(readYessign('plainSignPri.der'))?.toString('hex')).toBe(yessignR);
  });

  it('re-encodes the fixture byte for byte when R is set to the same value', () => {
    const plain = readYessign('plainSignPri.der');
    expect(withRandomNum(plain, Buffer.from(yessignR, 'hex')).equals(plain)).toBe(true);
  });

  it('adds R to a key without attributes and removes it again', () => {
    const bare = withoutAttributes(readYessign('plainSignPri.der'));
    expect(readRandomNum(bare)).toBeUndefined();
    const r = Buffer.alloc(20, 0xab);
    expect(readRandomNum(withRandomNum(bare, r))?.equals(r)).toBe(true);
    expect(withoutAttributes(withRandomNum(bare, r)).equals(bare)).toBe(true);
  });
});

describe('VID (DESIGN §4.3)', () => {
  it('reproduces the check value for IDN 0000000000000', () => {
    expect(computeVid('0000000000000', Buffer.from(yessignR, 'hex')).toString('hex')).toBe(
      '4e1e7d34ffc1d48a74913687afb467db1f7cceedd74886eeb6f6e46155b0fffa',
    );
  });

  it('hashes the DER HashContent 30 26 13 0d <idn> 03 15 00 <R>', () => {
    // Independent of the ASN.1 library: build the bytes by hand and hash twice.
    const r = Buffer.from(yessignR, 'hex');
    const der = Buffer.concat([
      Buffer.from('3026130d', 'hex'),
      Buffer.from('9001011234568'),
      Buffer.from('031500', 'hex'),
      r,
    ]);
    const expected = createHash('sha256')
      .update(createHash('sha256').update(der).digest())
      .digest();
    expect(computeVid('9001011234568', r).equals(expected)).toBe(true);
  });

  it('refuses an IDN that is not 13 digits', () => {
    expect(() => computeVid('900101-1234568', Buffer.alloc(20))).toThrow(RangeError);
  });

  it('parses the identifyData of the yessign certificate', () => {
    const facts = readIdentifyData(parseCertificate(readYessign('signCert.der')));
    expect(facts?.realName).toBe('HKD');
    expect(facts?.vid?.hash).toBe('sha256');
    expect(facts?.vid?.value.toString('hex')).toBe(
      '8ad4f673412f825da4d1fb4d4216946bbc7f8194a0af01f86622ee23c7ee0de7',
    );
  });

  it('builds the SAN otherName with the same encoding as the yessign certificate', () => {
    const vid = Buffer.from(
      '8ad4f673412f825da4d1fb4d4216946bbc7f8194a0af01f86622ee23c7ee0de7',
      'hex',
    );
    const name = identifyDataGeneralName('HKD', vid);
    expect(name.otherName?.typeId).toBe(oid.identifyData);
    // The SAN extension value of the fixture is SEQUENCE { this GeneralName }.
    expect(Buffer.from(AsnConvert.serialize(name)).toString('hex')).toBe(
      'a05706092a831a8c9a440a0101a04a30480c03484b443041303f060a2a831a8c9a440a0101013031300b0609608648016503040201a02204208ad4f673412f825da4d1fb4d4216946bbc7f8194a0af01f86622ee23c7ee0de7',
    );
  });
});

describe('key and certificate', () => {
  it('the fixture key matches the fixture certificate', () => {
    const cert = parseCertificate(readYessign('signCert.der'));
    expect(keyMatchesCertificate(readYessign('plainSignPri.der'), cert)).toBe(true);
  });

  it('another key does not', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'der',
    });
    expect(keyMatchesCertificate(other, parseCertificate(readYessign('signCert.der')))).toBe(false);
  });
});
