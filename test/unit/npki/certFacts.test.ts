import { describe, expect, it } from 'vitest';
import { certificateFacts } from '../../../src/npki/certFacts.js';
import { parseCertificate, serialHex, serialMatches } from '../../../src/npki/certificate.js';
import { caFolderFor, dnFolderName } from '../../../src/npki/layout.js';
import { policyInfo } from '../../../src/npki/policies.js';
import { readYessign } from '../../support/fixtures.js';

const cert = parseCertificate(readYessign('signCert.der'));

describe('certificate facts for people', () => {
  it('describes the expired yessign bank/insurance certificate', () => {
    const facts = certificateFacts(cert, new Date('2026-11-26T00:00:00Z'), 30);
    expect(facts).toMatchObject({
      ca: 'yessign',
      issuerName: 'yessignCA-Test Class 4',
      name: 'HKD(KILDONG.HONG)009104120200225191000030',
      realName: 'HKD',
      serial: '459c75',
      notBefore: '2020-02-24T15:00:00.000Z',
      notAfter: '2020-03-25T14:59:59.000Z',
      validity: 'expired',
      renewalOpen: false,
      policy: { oid: '1.2.410.200005.1.1.4', usage: 'restricted', sector: 'bankInsurance' },
    });
    expect(facts.daysLeft).toBeLessThan(0);
    expect(facts.policy?.label.en).toBe('Restricted: bank/insurance');
  });

  // The certificate runs 2020-02-24T15:00:00Z to 2020-03-25T14:59:59Z; a 10-day window opens at
  // 2020-03-15T14:59:59Z.
  it.each([
    ['2020-02-24T14:59:59Z', 'notYetValid', false],
    ['2020-02-24T15:00:00Z', 'valid', false],
    ['2020-03-15T14:59:58Z', 'valid', false],
    ['2020-03-15T14:59:59Z', 'valid', true],
    ['2020-03-25T14:59:59Z', 'valid', true],
    ['2020-03-25T15:00:00Z', 'expired', false],
  ] as const)('at %s it is %s, renewal open: %s', (at, validity, renewalOpen) => {
    const facts = certificateFacts(cert, new Date(at), 10);
    expect(facts.validity).toBe(validity);
    expect(facts.renewalOpen).toBe(renewalOpen);
  });

  it('counts whole days left', () => {
    expect(certificateFacts(cert, new Date('2020-03-15T14:59:59Z'), 30).daysLeft).toBe(10);
  });

  // DESIGN §4.4, every row.
  it.each([
    ['1.2.410.200005.1.1.1', 'yessign', 'general', undefined],
    ['1.2.410.200005.1.1.4', 'yessign', 'restricted', 'bankInsurance'],
    ['1.2.410.200004.5.2.1.2', 'KICA', 'general', undefined],
    ['1.2.410.200004.5.2.1.7.1', 'KICA', 'restricted', 'bankInsurance'],
    ['1.2.410.200004.5.1.1.5', 'SignKorea', 'general', undefined],
    ['1.2.410.200004.5.1.1.9', 'SignKorea', 'restricted', 'unspecified'],
    ['1.2.410.200004.5.4.1.1', 'CrossCert', 'general', undefined],
    ['1.2.410.200004.5.4.1.101', 'CrossCert', 'restricted', 'banking'],
    ['1.2.410.200012.1.1.1', 'TradeSign', 'general', undefined],
    ['1.2.410.200012.1.1.101', 'TradeSign', 'restricted', 'unspecified'],
  ])('policy %s is %s %s (%s)', (policy, ca, usage, sector) => {
    const info = policyInfo(policy);
    expect(info).toMatchObject({ oid: policy, ca, usage });
    expect(info.sector).toBe(sector);
    expect(info.label.ko.length).toBeGreaterThan(0);
  });

  it('an OID outside the table is unknown, named in the label', () => {
    expect(policyInfo('1.2.3.4')).toMatchObject({
      usage: 'unknown',
      ca: undefined,
      label: { en: 'Unknown policy (1.2.3.4)' },
    });
  });
});

describe('NPKI names', () => {
  it('CA folder from the issuer organisation', () => {
    expect(caFolderFor(cert)).toBe('yessign');
  });

  it('DN folder: subject leaf first, lower-case keys, no spaces', () => {
    expect(dnFolderName(cert)).toBe(
      'cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr',
    );
  });
});

describe('serialMatches', () => {
  it('matches a serial however it is typed: case and leading zeros do not matter', () => {
    const certificate = parseCertificate(new Uint8Array(readYessign('signCert.der')));
    // A serial whose hex starts with a zero nibble (1 in 16 random serials), as DER keeps it.
    certificate.tbsCertificate.serialNumber = new Uint8Array([0x0b, 0xd2, 0x04]).buffer;
    expect(serialHex(certificate)).toBe('0bd204');
    for (const typed of ['0bd204', 'bd204', '000BD204', 'BD204'])
      expect(serialMatches(certificate, typed)).toBe(true);
    expect(serialMatches(certificate, 'bd205')).toBe(false);
  });
});
