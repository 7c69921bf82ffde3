import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Extensions, SubjectAlternativeName, type Certificate } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { oid } from '../../../src/npki/asn1/oids.js';
import { findExtension, parseCertificate } from '../../../src/npki/certificate.js';
import {
  computeVid,
  identifyDataGeneralName,
  vidMatches,
  type VidHash,
} from '../../../src/npki/vid.js';
import { readYessign, yessignR } from '../../support/fixtures.js';

// vidMatches is the identity check behind `cert check --idn` and issuance (DESIGN §4.3): it must
// say no to every IDN/R that is not the one hashed into the certificate, including ones of the
// same length (issue 11 item 21: a length-only comparison passed every unit test).

const idn = '9001011234568';
const r = Buffer.from(yessignR, 'hex');

/** The yessign certificate with its identifyData replaced by one for `vid` (signature not used). */
function certificateWithVid(vid: Uint8Array, hash: VidHash = 'sha256'): Certificate {
  const certificate = parseCertificate(readYessign('signCert.der'));
  const san = findExtension(certificate, oid.subjectAltName);
  if (san === undefined) throw new Error('the fixture has a SAN');
  const names = new SubjectAlternativeName([identifyDataGeneralName('HKD', vid, hash)]);
  san.extnValue = new OctetString(AsnConvert.serialize(names));
  return certificate;
}

describe('vidMatches', () => {
  const certificate = certificateWithVid(computeVid(idn, r));

  it('accepts the IDN and R the VID was computed from', () => {
    expect(vidMatches(certificate, idn, r)).toBe(true);
  });

  it('refuses another IDN of the same length, however close', () => {
    expect(vidMatches(certificate, '9001011234567', r)).toBe(false);
    expect(vidMatches(certificate, '8001011234568', r)).toBe(false);
    expect(vidMatches(certificate, '9001012234568', r)).toBe(false);
    expect(vidMatches(certificate, '0000000000000', r)).toBe(false);
  });

  it('refuses the right IDN with another R', () => {
    const other = Buffer.from(r);
    other[19] = (other[19] ?? 0) ^ 0x01;
    expect(vidMatches(certificate, idn, other)).toBe(false);
    expect(vidMatches(certificate, idn, Buffer.alloc(20))).toBe(false);
  });

  it('refuses a VID that differs in its last byte only', () => {
    const vid = computeVid(idn, r);
    vid[31] = (vid[31] ?? 0) ^ 0x01;
    expect(vidMatches(certificateWithVid(vid), idn, r)).toBe(false);
  });

  it('uses the hash the certificate names: a SHA-1 VID matches only as SHA-1', () => {
    const sha1Vid = computeVid(idn, r, 'sha1');
    expect(vidMatches(certificateWithVid(sha1Vid, 'sha1'), idn, r)).toBe(true);
    // The SHA-256 VID's first 20 bytes under a SHA-1 label, and the SHA-1 VID under SHA-256.
    expect(vidMatches(certificateWithVid(computeVid(idn, r).subarray(0, 20), 'sha1'), idn, r)).toBe(
      false,
    );
    expect(vidMatches(certificateWithVid(sha1Vid, 'sha256'), idn, r)).toBe(false);
  });

  it('refuses a VID of another length and a certificate without identifyData', () => {
    expect(vidMatches(certificateWithVid(computeVid(idn, r).subarray(0, 31)), idn, r)).toBe(false);
    const bare = parseCertificate(readYessign('signCert.der'));
    bare.tbsCertificate.extensions = new Extensions(
      bare.tbsCertificate.extensions?.filter((e) => e.extnID !== oid.subjectAltName),
    );
    expect(vidMatches(bare, idn, r)).toBe(false);
  });
});
