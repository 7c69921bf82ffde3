import type { Certificate } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedFileError } from '../../../src/errors/index.js';
import { oid } from '../../../src/npki/asn1/oids.js';
import { certificateFacts } from '../../../src/npki/certFacts.js';
import { parseCertificate } from '../../../src/npki/certificate.js';
import { dnFolderName } from '../../../src/npki/layout.js';
import { readIdentifyData } from '../../../src/npki/vid.js';
import { readYessign } from '../../support/fixtures.js';
import {
  bodyOf,
  children,
  derOid,
  expectInsertionsRefused,
  expectTruncatedAtEveryProperPrefix,
  itChecksArbitraryBytes,
  mutate,
  mutations,
  outcomeOf,
  propertyTimeout as timeout,
  tlv,
  type Outcome,
} from '../../support/property.js';

// DESIGN §8: every parser of outside bytes rejects malformed input with a typed KioskError and
// never throws anything else. The timeout of each `it` is the guard against a hang.

const fixtureCert = readYessign('signCert.der');

// What displaySafe() removes, and what a folder name must not hold (DESIGN §8).
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const unsafeForDisplay = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const unsafeInFolderName = /[/\\\u0000-\u001f\u007f]/;

/**
 * Parses, then runs everything the kiosk derives from a certificate; each step must return or
 * throw a KioskError, and what returns must be safe to show or to use as a folder name.
 */
function checkCertificate(der: Uint8Array): Outcome<Certificate> {
  const parsed = outcomeOf(() => parseCertificate(der));
  if ('error' in parsed) return parsed;
  const cert = parsed.value;

  const facts = outcomeOf(() => certificateFacts(cert, new Date(), 30));
  if ('value' in facts) {
    const f = facts.value;
    for (const text of [f.ca, f.issuerName, f.subject, f.name, f.realName ?? '']) {
      expect(text).not.toMatch(unsafeForDisplay);
    }
    expect(f.serial).toMatch(/^[0-9a-f]*$/);
    expect(Number.isNaN(Date.parse(f.notBefore))).toBe(false);
    expect(Number.isNaN(Date.parse(f.notAfter))).toBe(false);
    expect(Number.isInteger(f.daysLeft)).toBe(true);
    expect(['notYetValid', 'valid', 'expired']).toContain(f.validity);
  }

  const identify = outcomeOf(() => readIdentifyData(cert));
  if ('value' in identify && identify.value !== undefined) {
    expect(typeof identify.value.realName).toBe('string');
    const vid = identify.value.vid;
    if (vid !== undefined) {
      expect(['sha256', 'sha1']).toContain(vid.hash);
      expect(Buffer.isBuffer(vid.value)).toBe(true);
    }
  }

  const folder = outcomeOf(() => dnFolderName(cert));
  if ('value' in folder) {
    expect(folder.value).not.toMatch(unsafeInFolderName);
    expect(['', '.', '..']).not.toContain(folder.value);
    expect(Buffer.byteLength(folder.value)).toBeLessThanOrEqual(255);
  } else {
    expect(folder.error).toBeInstanceOf(MalformedFileError);
  }
  return parsed;
}

// --- the fixture split into its parts, and put together again with some replaced ---

const [
  fixtureTbs = Buffer.alloc(0),
  fixtureSigAlg = Buffer.alloc(0),
  fixtureSig = Buffer.alloc(0),
] = children(bodyOf(fixtureCert));
/** version, serial, signature, issuer, validity, subject, SPKI, extensions. */
const tbsParts = children(bodyOf(fixtureTbs));
const tbsIndex = { issuer: 3, validity: 4, subject: 5, extensions: 7 } as const;
const fixtureExtensions = children(
  bodyOf(bodyOf(tbsParts[tbsIndex.extensions] ?? Buffer.alloc(0))),
);
const extensionOid = (ext: Buffer): Buffer => children(bodyOf(ext))[0] ?? Buffer.alloc(0);

/** The fixture with some parts of its TBSCertificate replaced (the signature no longer checks). */
function fixtureWith(replace: {
  issuer?: Buffer;
  validity?: Buffer;
  subject?: Buffer;
  /** Replaces the extension with this OID (or adds it). */
  extension?: { oid: string; value: Uint8Array };
}): Buffer {
  const parts = [...tbsParts];
  if (replace.issuer !== undefined) parts[tbsIndex.issuer] = replace.issuer;
  if (replace.validity !== undefined) parts[tbsIndex.validity] = replace.validity;
  if (replace.subject !== undefined) parts[tbsIndex.subject] = replace.subject;
  const { extension } = replace;
  if (extension !== undefined) {
    const id = derOid(extension.oid);
    const ext = tlv(0x30, id, tlv(0x04, extension.value));
    const others = fixtureExtensions.filter((e) => !extensionOid(e).equals(id));
    parts[tbsIndex.extensions] = tlv(0xa3, tlv(0x30, ...others, ext));
  }
  return tlv(0x30, tlv(0x30, ...parts), fixtureSigAlg, fixtureSig);
}

/** Where the interesting bytes of the fixture are: names and validity, policies and SAN. */
function regionOf(marker: Buffer, length: number): { from: number; to: number } {
  const from = fixtureCert.indexOf(marker);
  if (from < 0) throw new Error(`marker ${marker.toString('hex')} not in the fixture`);
  return { from, to: Math.min(from + length, fixtureCert.length) };
}
const regions = [
  { from: 0, to: fixtureCert.length },
  // issuer … subject: from the signature AlgorithmIdentifier to the SubjectPublicKeyInfo.
  { from: 18, to: fixtureCert.indexOf(derOid(oid.rsaEncryption)) },
  regionOf(derOid(oid.certificatePolicies), 130),
  regionOf(derOid(oid.subjectAltName), 100),
];
/** Edits concentrated in one region. */
const regionMutations = fc
  .tuple(fc.constantFrom(...regions), mutations)
  .map(([{ from, to }, edits]) =>
    edits.map(({ at, xor }) => ({ at: from + (at % Math.max(1, to - from)), xor })),
  );

const stringTags = [0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1e];
const attributeTypes = ['2.5.4.3', '2.5.4.6', '2.5.4.10', '2.5.4.11', '2.5.4.5', '1.2.3.4'];
/** One attribute value: a random string under a string tag, or raw bytes under any tag. */
const attributeValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(0x0c, 0x13), fc.string({ unit: 'binary', maxLength: 40 }))
      .map(([tag, text]) => tlv(tag, Buffer.from(text, 'utf8'))),
  },
  fc
    .tuple(fc.constantFrom(...stringTags, 0x04, 0x30, 0x05), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, bytes]) => tlv(tag, bytes)),
  fc
    .constantFrom('.', '..', '', 'a/b', 'a\\b', 'x'.repeat(300), '\u202e', '\u0000', '\u1100\u1161')
    .map((text) => tlv(0x0c, Buffer.from(text, 'utf8'))),
);
/** A Name: SEQUENCE OF SET OF SEQUENCE { type, value }. */
const randomName = fc
  .array(
    fc.array(
      fc
        .tuple(fc.constantFrom(...attributeTypes), attributeValue)
        .map(([type, value]) => tlv(0x30, derOid(type), value)),
      { minLength: 1, maxLength: 2 },
    ),
    { maxLength: 6 },
  )
  .map((rdns) => tlv(0x30, ...rdns.map((atvs) => tlv(0x31, ...atvs))));

const timeText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789Z+-.'.split('')), maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }))
    .map(([y, m]) => `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}31235960Z`),
);
const randomTime = fc
  .tuple(fc.constantFrom(0x17, 0x18), timeText)
  .map(([tag, text]) => tlv(tag, Buffer.from(text, 'utf8')));
const randomValidity = fc.tuple(randomTime, randomTime).map(([a, b]) => tlv(0x30, a, b));

const hashOids = [oid.sha256, oid.sha1, '2.16.840.1.101.3.4.2.3', '1.2.3'];
/** SAN with identifyData: random choices at every level, mostly well-formed. */
const randomIdentifyDataSan = fc
  .record({
    realName: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => tlv(0x0c, Buffer.from(s, 'utf8'))),
      fc.uint8Array({ maxLength: 10 }).map((b) => tlv(0x13, b)),
    ),
    userInfo: fc.option(
      fc.array(
        fc
          .record({
            type: fc.constantFrom(oid.vid, '1.2.410.200004.10.1.1.2', '1.2.3'),
            hash: fc.constantFrom(...hashOids),
            hashParams: fc.constantFrom(Buffer.alloc(0), Buffer.from([0x05, 0x00])),
            vid: fc.uint8Array({ maxLength: 40 }),
            vidTag: fc.constantFrom(0xa0, 0xa1, 0x04),
          })
          .map(({ type, hash, hashParams, vid, vidTag }) =>
            tlv(
              0x30,
              derOid(type),
              tlv(0x30, tlv(0x30, derOid(hash), hashParams), tlv(vidTag, tlv(0x04, vid))),
            ),
          ),
        { maxLength: 3 },
      ),
    ),
    typeId: fc.constantFrom(oid.identifyData, oid.identifyData, '1.2.3.4'),
    extraNames: fc.array(
      fc.uint8Array({ maxLength: 20 }).map((b) => tlv(0x82, b)),
      { maxLength: 2 },
    ),
  })
  .map(({ realName, userInfo, typeId, extraNames }) =>
    tlv(
      0x30,
      ...extraNames,
      tlv(
        0xa0,
        derOid(typeId),
        tlv(0xa0, tlv(0x30, realName, ...(userInfo === null ? [] : [tlv(0x30, ...userInfo)]))),
      ),
    ),
  );

describe('certificate parsing and facts on malformed input (properties)', () => {
  it(
    'the fixture splitter and re-encoder reproduce the fixture byte for byte',
    () => {
      expect(fixtureWith({}).equals(fixtureCert)).toBe(true);
      expect('value' in checkCertificate(fixtureCert)).toBe(true);
    },
    timeout,
  );

  itChecksArbitraryBytes('returns or throws a KioskError', checkCertificate);

  it(
    'the fixture with 1–8 bytes changed: returns or throws a KioskError at every step',
    () => {
      fc.assert(
        fc.property(regionMutations, (edits) => {
          checkCertificate(mutate(fixtureCert, edits));
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'every proper prefix of the fixture throws TruncatedFileError',
    () => {
      expectTruncatedAtEveryProperPrefix(fixtureCert, checkCertificate);
    },
    timeout,
  );

  it(
    'bytes inserted into or appended to the fixture: throw a KioskError',
    () => {
      expectInsertionsRefused(fixtureCert, checkCertificate);
    },
    timeout,
  );

  it(
    'random subject and issuer names: facts are display-safe, folder names safe or refused',
    () => {
      fc.assert(
        fc.property(randomName, randomName, (subject, issuer) => {
          checkCertificate(fixtureWith({ subject, issuer }));
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'random validity times (UTCTime, GeneralizedTime, junk): returns or throws a KioskError',
    () => {
      fc.assert(
        fc.property(randomValidity, (validity) => {
          checkCertificate(fixtureWith({ validity }));
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'random identifyData in the subjectAltName: returns or throws a KioskError',
    () => {
      fc.assert(
        fc.property(randomIdentifyDataSan, (san) => {
          checkCertificate(fixtureWith({ extension: { oid: oid.subjectAltName, value: san } }));
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'random bytes as the subjectAltName or certificatePolicies extension value: returns or throws a KioskError',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(oid.subjectAltName, oid.certificatePolicies),
          fc.uint8Array({ maxLength: 200 }),
          (extensionOidText, value) => {
            checkCertificate(fixtureWith({ extension: { oid: extensionOidText, value } }));
          },
        ),
        { numRuns: 200 },
      );
    },
    timeout,
  );
});
