import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeCrypto, x509 } from '../shared/x509.js';
import { dataGroupTags, efComTag, fileIds } from '../../drivers/emrtd/lds.js';
import { encodeLdsTlv } from '../../drivers/emrtd/ldsTlv.js';
import { checkDigit } from '../../drivers/emrtd/mrz.js';
import type { HashName } from '../../drivers/emrtd/signatureCheck.js';
import { buildSod, type TestSignatureScheme } from './testSod.js';
import { drawTestFace, mulberry32 } from './testFace.js';

/**
 * Test eMRTD document profiles (DESIGN §3.2: the virtual card's document): a made-up Korean
 * passport holder, a test CSCA and Document Signer, and every LDS file a real chip would hold,
 * with EF.SOD signed over them. Used by the tests and by scripts/emrtd-profile.mjs; never by the
 * kiosk itself. The person and the face are deterministic given the seed; keys are fresh.
 */

export { buildSod, type BuildSodOptions, type TestSignatureScheme } from './testSod.js';
export type TestAaKey = 'rsa-1024' | 'rsa-2048' | 'ec-p256';

export interface TestProfileOptions {
  readonly seed?: number;
  /** How the CSCA signs the DS certificate and the DS signs the SOD (default rsa-pkcs1). */
  readonly signature?: TestSignatureScheme;
  /** The Active Authentication key in DG15 (default rsa-1024). */
  readonly aaKey?: TestAaKey;
  /** The LDSSecurityObject's hash (default sha256). */
  readonly dataGroupHash?: HashName;
  /** Certificates are valid from a day before this (default now) for ten (CSCA) / five (DS) years. */
  readonly now?: Date;
  /**
   * A Document Signer that breaks ICAO 9303-12's profile, for tests of the policy: a CA with
   * keyCertSign only, an RSA key of `rsaBits` (rsa-pkcs1 only).
   */
  readonly badDocumentSigner?: { readonly ca?: boolean; readonly rsaBits?: number };
  /** The CSCA's (and DS's) country, C (default KR, the documents' issuing state KOR). */
  readonly country?: string;
}

/** The made-up holder. */
export interface TestPerson {
  readonly surname: string;
  readonly givenNames: string;
  readonly hangulName: string;
  readonly sex: 'M' | 'F';
  /** YYMMDD. */
  readonly birthDate: string;
  readonly documentNumber: string;
  readonly expiryDate: string;
}

export interface TestProfile {
  readonly person: TestPerson;
  /** TD3, two lines of 44. */
  readonly mrz: readonly [string, string];
  /** Data group number → the file's bytes. */
  readonly dataGroups: ReadonlyMap<number, Buffer>;
  readonly efCom: Buffer;
  readonly sod: Buffer;
  /** The JPEG inside DG2. */
  readonly face: Buffer;
  readonly csca: { readonly certificate: Buffer; readonly privateKey: KeyObject };
  readonly documentSigner: { readonly certificate: Buffer; readonly privateKey: KeyObject };
  readonly aaPrivateKey: KeyObject;
}

/** profile.json (all paths relative to the profile folder). */
export interface TestProfileManifest {
  readonly mrz: readonly string[];
  readonly documentNumber: string;
  readonly birthDate: string;
  readonly expiryDate: string;
  /** File identifier (4 hex digits, e.g. `0101`) → file name. */
  readonly files: Readonly<Record<string, string>>;
  /** The AA private key, PKCS#8 PEM. */
  readonly aaKey: string;
  readonly face: string;
  readonly csca: string;
  readonly documentSigner: string;
}

const people = [
  ['HONG', 'GILDONG', '홍길동', 'M'],
  ['KIM', 'MINJUN', '김민준', 'M'],
  ['LEE', 'SEOYEON', '이서연', 'F'],
  ['PARK', 'JIHO', '박지호', 'M'],
  ['CHOI', 'HAEUN', '최하은', 'F'],
  ['JUNG', 'SUBIN', '정수빈', 'F'],
] as const;

/** Builds a whole profile in memory. */
export async function generateTestProfile(options: TestProfileOptions = {}): Promise<TestProfile> {
  const seed = options.seed ?? 1;
  const scheme = options.signature ?? 'rsa-pkcs1';
  const now = options.now ?? new Date();
  const person = testPerson(seed);
  const mrz = td3Mrz(person);
  const face = drawTestFace({ seed });
  const aaPrivateKey = aaKeyPair(options.aaKey ?? 'rsa-1024');
  const dataGroups = new Map<number, Buffer>([
    [1, encodeLdsTlv(0x61, encodeLdsTlv(0x5f1f, Buffer.from(mrz.join(''), 'latin1')))],
    [2, encodeDg2(face, { width: 240, height: 320, gender: person.sex === 'M' ? 1 : 2 })],
    [11, dg11(person)],
    [15, encodeLdsTlv(0x6f, createPublicKey(aaPrivateKey).export({ type: 'spki', format: 'der' }))],
  ]);
  const efCom = encodeLdsTlv(
    efComTag,
    encodeLdsTlv(0x5f01, Buffer.from('0107')),
    encodeLdsTlv(0x5f36, Buffer.from('040000')),
    encodeLdsTlv(0x5c, Buffer.from([...dataGroups.keys()].map((n) => dataGroupTags.get(n) ?? 0))),
  );
  const { csca, documentSigner } = await certificates(scheme, now, seed, options);
  const sod = buildSod({
    dataGroups,
    hash: options.dataGroupHash ?? 'sha256',
    signerCertificate: documentSigner.certificate,
    signerKey: documentSigner.privateKey,
    scheme,
  });
  return { person, mrz, dataGroups, efCom, sod, face, csca, documentSigner, aaPrivateKey };
}

/** Writes `profile` into `dir` (created); returns what profile.json says. */
export async function writeTestProfile(
  profile: TestProfile,
  dir: string,
): Promise<TestProfileManifest> {
  await mkdir(join(dir, 'csca'), { recursive: true });
  const files: Record<string, string> = {};
  const put = async (fid: number, name: string, bytes: Uint8Array): Promise<void> => {
    files[fid.toString(16).toUpperCase().padStart(4, '0')] = name;
    await writeFile(join(dir, name), bytes);
  };
  await put(fileIds.com, 'EF.COM.bin', profile.efCom);
  for (const [n, bytes] of profile.dataGroups) await put(fileIds.dataGroup(n), `DG${n}.bin`, bytes);
  await put(fileIds.sod, 'EF.SOD.bin', profile.sod);
  const pem = (der: Buffer): string =>
    `-----BEGIN CERTIFICATE-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  await writeFile(join(dir, 'csca', 'csca.pem'), pem(profile.csca.certificate));
  await writeFile(join(dir, 'ds.pem'), pem(profile.documentSigner.certificate));
  await writeFile(
    join(dir, 'aa-key.pem'),
    profile.aaPrivateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
  await writeFile(join(dir, 'face.jpg'), profile.face);
  const manifest: TestProfileManifest = {
    mrz: profile.mrz,
    documentNumber: profile.person.documentNumber,
    birthDate: profile.person.birthDate,
    expiryDate: profile.person.expiryDate,
    files,
    aaKey: 'aa-key.pem',
    face: 'face.jpg',
    csca: 'csca/csca.pem',
    documentSigner: 'ds.pem',
  };
  await writeFile(join(dir, 'profile.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// --- the person and the MRZ ---

/** A made-up Korean passport holder, the same for the same seed. */
export function testPerson(seed: number): TestPerson {
  const random = mulberry32(seed ^ 0x5eed);
  const [surname, givenNames, hangulName, sex] =
    people[Math.floor(random() * people.length)] ?? people[0];
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = (): string => two(1 + Math.floor(random() * 28));
  const birthDate = `${two(70 + Math.floor(random() * 30))}${two(1 + Math.floor(random() * 12))}${day()}`;
  const expiryDate = `${two(33 + Math.floor(random() * 3))}${two(1 + Math.floor(random() * 12))}${day()}`;
  const documentNumber = `M${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
  return { surname, givenNames, hangulName, sex, birthDate, documentNumber, expiryDate };
}

/** The TD3 MRZ of `person` (ICAO 9303-4 §4.2.2), check digits per 9303-3 §4.9. */
export function td3Mrz(person: TestPerson): [string, string] {
  const fill = (s: string, n: number): string => s.padEnd(n, '<').slice(0, n);
  const line1 = fill(`PMKOR${person.surname}<<${person.givenNames}`, 44);
  const number = fill(person.documentNumber, 9);
  const personal = fill('', 14);
  const withDigit = (s: string): string => `${s}${checkDigit(s)}`;
  const body =
    withDigit(number) +
    'KOR' +
    withDigit(person.birthDate) +
    person.sex +
    withDigit(person.expiryDate) +
    // 9303-4 (TD3 personal number): an empty field's check digit may be `<` (or 0).
    `${personal}<`;
  const composite = body.slice(0, 10) + body.slice(13, 20) + body.slice(21, 43);
  return [line1, `${body}${checkDigit(composite)}`];
}

// --- data groups ---

/** What encodeDg2 writes into the 19794-5 record besides the image. */
export interface FaceRecordOptions {
  readonly width: number;
  readonly height: number;
  /** 19794-5 §5.5.3: 1 male, 2 female. */
  readonly gender: number;
  /** 19794-5 §5.7.2: 0 JPEG, 1 JPEG 2000. */
  readonly dataType?: number;
  /** How many (zero-filled) 8-byte feature points to write. */
  readonly featurePoints?: number;
}

/** DG2 holding one ISO/IEC 19794-5:2005 facial record with `image`. */
export function encodeDg2(image: Uint8Array, options: FaceRecordOptions): Buffer {
  // ISO/IEC 19794-5:2005: record header (14), facial information (20), feature points (8 each),
  // image information (12), then the image.
  const points = Buffer.alloc(8 * (options.featurePoints ?? 0));
  const imageInfo = Buffer.alloc(12);
  imageInfo.writeUInt8(1, 0); // full frontal (§5.7.1)
  imageInfo.writeUInt8(options.dataType ?? 0, 1);
  imageInfo.writeUInt16BE(options.width, 2);
  imageInfo.writeUInt16BE(options.height, 4);
  imageInfo.writeUInt8(1, 6); // 24-bit RGB
  imageInfo.writeUInt8(2, 7); // digital still camera
  const facial = Buffer.alloc(20);
  facial.writeUInt32BE(20 + points.length + 12 + image.length, 0);
  facial.writeUInt16BE(options.featurePoints ?? 0, 4);
  facial.writeUInt8(options.gender, 6);
  const header = Buffer.alloc(14);
  header.write('FAC\x00010\x00', 0, 'latin1');
  header.writeUInt32BE(14 + 20 + points.length + 12 + image.length, 8);
  header.writeUInt16BE(1, 12);
  const record = Buffer.concat([header, facial, points, imageInfo, image]);
  // ICAO 9303-10 §4.7.2.1: biometric header template with CBEFF format owner/type for 19794-5.
  const header2 = encodeLdsTlv(
    0xa1,
    encodeLdsTlv(0x80, Buffer.from([1, 1])),
    encodeLdsTlv(0x81, Buffer.from([2])),
    encodeLdsTlv(0x87, Buffer.from([1, 1])),
    encodeLdsTlv(0x88, Buffer.from([0, 8])),
  );
  return encodeLdsTlv(
    0x75,
    encodeLdsTlv(
      0x7f61,
      encodeLdsTlv(0x02, Buffer.from([1])),
      encodeLdsTlv(0x7f60, header2, encodeLdsTlv(0x5f2e, record)),
    ),
  );
}

function dg11(person: TestPerson): Buffer {
  const text = (tag: number, s: string): Buffer => encodeLdsTlv(tag, Buffer.from(s, 'utf8'));
  const birthYear = Number(person.birthDate.slice(0, 2));
  return encodeLdsTlv(
    0x6b,
    encodeLdsTlv(0x5c, Buffer.from([0x5f, 0x0e, 0x5f, 0x0f, 0x5f, 0x2b, 0x5f, 0x11, 0x5f, 0x42])),
    text(0x5f0e, `${person.surname}<<${person.givenNames}`),
    encodeLdsTlv(0xa0, encodeLdsTlv(0x02, Buffer.from([1])), text(0x5f0f, person.hangulName)),
    text(0x5f2b, `${birthYear < 30 ? 20 : 19}${person.birthDate}`),
    text(0x5f11, 'SEOUL<KOR'),
    text(0x5f42, '123 TESTRO<JUNG-GU<SEOUL<KOR'),
  );
}

function aaKeyPair(kind: TestAaKey): KeyObject {
  const { privateKey } =
    kind === 'ec-p256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa-1024' ? 1024 : 2048 });
  return privateKey;
}

// --- certificates ---

const rsaKeyParams = {
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

const webAlgorithms: Readonly<
  Record<TestSignatureScheme, { key: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm }>
> = {
  'rsa-pkcs1': {
    key: { ...rsaKeyParams, name: 'RSASSA-PKCS1-v1_5' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  'rsa-pss': {
    key: { ...rsaKeyParams, name: 'RSA-PSS' },
    sign: { name: 'RSA-PSS', saltLength: 32 } as Algorithm,
  },
  ecdsa: {
    key: { name: 'ECDSA', namedCurve: 'P-256' },
    sign: { name: 'ECDSA', hash: 'SHA-256' } as Algorithm,
  },
};

async function certificates(
  scheme: TestSignatureScheme,
  now: Date,
  seed: number,
  options: Pick<TestProfileOptions, 'badDocumentSigner' | 'country'> = {},
): Promise<Pick<TestProfile, 'csca' | 'documentSigner'>> {
  const algorithms = webAlgorithms[scheme];
  const day = 24 * 3600 * 1000;
  const notBefore = new Date(now.getTime() - day);
  const bad = options.badDocumentSigner;
  const country = options.country ?? 'KR';
  const cscaKeys = await nodeCrypto.subtle.generateKey(algorithms.key, true, ['sign', 'verify']);
  const dsKeys = await nodeCrypto.subtle.generateKey(
    bad?.rsaBits === undefined
      ? algorithms.key
      : { ...(algorithms.key as RsaHashedKeyGenParams), modulusLength: bad.rsaBits },
    true,
    ['sign', 'verify'],
  );
  // ICAO 9303-12 certificate profiles: the CSCA is a CA (basicConstraints, keyCertSign/cRLSign); the DS signs
  // documents only (digitalSignature).
  const csca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${seed.toString(16).padStart(4, '0')}`,
      name: `C=${country}, O=Test Government, OU=Test MOFA, CN=Test CSCA ${country}`,
      notBefore,
      notAfter: new Date(now.getTime() + 3650 * day),
      keys: cscaKeys,
      signingAlgorithm: algorithms.sign,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(cscaKeys.publicKey, false, nodeCrypto),
      ],
    },
    nodeCrypto,
  );
  const ds = await x509.X509CertificateGenerator.create(
    {
      serialNumber: `02${seed.toString(16).padStart(4, '0')}`,
      subject: `C=${country}, O=Test Government, OU=Test MOFA, CN=Test Document Signer ${country}`,
      issuer: csca.subject,
      notBefore,
      notAfter: new Date(now.getTime() + 1825 * day),
      publicKey: dsKeys.publicKey,
      signingKey: cscaKeys.privateKey,
      signingAlgorithm: algorithms.sign,
      extensions: [
        ...(bad?.ca === true
          ? [
              new x509.BasicConstraintsExtension(true, undefined, true),
              new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
            ]
          : [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)]),
        await x509.SubjectKeyIdentifierExtension.create(dsKeys.publicKey, false, nodeCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(csca, false, nodeCrypto),
      ],
    },
    nodeCrypto,
  );
  return {
    csca: {
      certificate: Buffer.from(csca.rawData),
      privateKey: KeyObject.from(cscaKeys.privateKey),
    },
    documentSigner: {
      certificate: Buffer.from(ds.rawData),
      privateKey: KeyObject.from(dsKeys.privateKey),
    },
  };
}
