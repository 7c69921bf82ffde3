import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectAlternativeName } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { parseCertificate } from '../../src/npki/certificate.js';
import { caFolderFor, dnFolderName } from '../../src/npki/layout.js';
import { writeNpkiFolder } from '../../src/npki/pairWrite.js';
import { withRandomNum } from '../../src/npki/randomNum.js';
import { encryptSignPriKey, type WritableKeyFileFormat } from '../../src/npki/signPriKey.js';
import { computeVid, identifyDataGeneralName } from '../../src/npki/vid.js';

/** A sample holder: the name and IDN a test certificate is made for. */
export const sampleHolder = {
  realName: '홍길동',
  cn: '홍길동()0001234567890123',
  /** Valid check digit (DESIGN §4.3 formula): 900101-123456 → 8. */
  idn: '9001011234568',
  password: 'Kiosk-test-1234!',
} as const;

export interface SampleNpki {
  readonly root: string;
  readonly dir: string;
  readonly certificate: Uint8Array;
  readonly keyFile: Uint8Array;
  readonly privateKeyInfo: Uint8Array;
  readonly r: Uint8Array;
}

/**
 * Writes an NPKI pair made the way a Korean CA makes them (subject c=kr,o=yessign,ou=personal4IB,
 * ou=…,cn=…; general-purpose yessign policy; identifyData SAN with the VID of sampleHolder's IDN
 * and a fresh R; R in the key's randomNum attribute) into `<root>/NPKI/…`. Self-signed: the NPKI
 * core does not check the chain.
 */
export async function writeSampleNpki(
  root: string,
  options: {
    format?: WritableKeyFileFormat;
    notAfter?: Date;
    notBefore?: Date;
    /** false: a key without the randomNum attribute, like old keys. */
    randomNum?: boolean;
  } = {},
): Promise<SampleNpki> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const r = randomBytes(20);
  const san = new SubjectAlternativeName([
    identifyDataGeneralName(sampleHolder.realName, computeVid(sampleHolder.idn, r)),
  ]);
  const notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(4)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: [
      { C: ['kr'] },
      { O: ['yessign'] },
      { OU: ['personal4IB'] },
      { OU: ['KIOSK'] },
      { CN: [sampleHolder.cn] },
    ],
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + 365 * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
        true,
      ),
      new x509.CertificatePolicyExtension(['1.2.410.200005.1.1.1'], true),
      new x509.Extension('2.5.29.17', false, AsnConvert.serialize(san)),
    ],
  });
  const certificate = new Uint8Array(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyInfo = options.randomNum === false ? pkcs8 : withRandomNum(pkcs8, r);
  const keyFile = encryptSignPriKey(privateKeyInfo, Buffer.from(sampleHolder.password), {
    format: options.format ?? 'pbes2',
    iterations: 2048,
  });
  const parsed = parseCertificate(certificate);
  const dir = await writeNpkiFolder(
    root,
    caFolderFor(parsed),
    dnFolderName(parsed),
    { signCert: certificate, signKey: keyFile },
    { replace: false },
  );
  return { root, dir, certificate, keyFile, privateKeyInfo, r };
}
