import {
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  constants,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  ContentEncryptionAlgorithmIdentifier,
  ContentInfo,
  EncryptedContent,
  EncryptedContentInfo,
  EnvelopedData,
  IssuerAndSerialNumber,
  KeyEncryptionAlgorithmIdentifier,
  KeyTransRecipientInfo,
  RecipientIdentifier,
  RecipientInfo,
  RecipientInfos,
} from '@peculiar/asn1-cms';
import type { Certificate } from '@peculiar/asn1-x509';
import { TypeAndValue } from './asn1/crmf.js';

/**
 * How R travels to the CA (DESIGN §4.3): a regInfo entry whose value is a CMS ContentInfo with
 * EnvelopedData (RFC 5652) of R to the RA's encryption certificate: RSAES-OAEP key transport
 * (RFC 3560, default SHA-1 parameters) and AES-256-CBC content encryption. KISA's own field is
 * **uncertain**, so the regInfo type is configurable; the default is the randomNum OID itself.
 */
export const defaultRandomNumRegInfoType = '1.2.410.200004.10.1.1.3';

const oids = {
  envelopedData: '1.2.840.113549.1.7.3',
  data: '1.2.840.113549.1.7.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/** Encrypts R to the RA's certificate as a regInfo entry. */
export function randomNumRegInfo(
  r: Uint8Array,
  recipient: Certificate,
  type = defaultRandomNumRegInfoType,
): TypeAndValue {
  const cek = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', cek, iv);
  const encrypted = Buffer.concat([cipher.update(r), cipher.final()]);
  const spki = createPublicKey({
    key: Buffer.from(AsnConvert.serialize(recipient.tbsCertificate.subjectPublicKeyInfo)),
    format: 'der',
    type: 'spki',
  });
  const encryptedKey = publicEncrypt(
    { key: spki, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    cek,
  );
  cek.fill(0);
  const enveloped = new EnvelopedData({
    recipientInfos: new RecipientInfos([
      new RecipientInfo({
        ktri: new KeyTransRecipientInfo({
          rid: new RecipientIdentifier({
            issuerAndSerialNumber: new IssuerAndSerialNumber({
              issuer: recipient.tbsCertificate.issuer,
              serialNumber: recipient.tbsCertificate.serialNumber,
            }),
          }),
          // RSAES-OAEP-params with every field at its default: an empty SEQUENCE.
          keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({
            algorithm: oids.rsaesOaep,
            parameters: new Uint8Array([0x30, 0x00]).buffer,
          }),
          encryptedKey: new OctetString(encryptedKey),
        }),
      }),
    ]),
    encryptedContentInfo: new EncryptedContentInfo({
      contentType: oids.data,
      contentEncryptionAlgorithm: new ContentEncryptionAlgorithmIdentifier({
        algorithm: oids.aes256Cbc,
        parameters: AsnConvert.serialize(new OctetString(iv)),
      }),
      encryptedContent: new EncryptedContent({ value: new OctetString(encrypted) }),
    }),
  });
  const contentInfo = new ContentInfo({
    contentType: oids.envelopedData,
    content: AsnConvert.serialize(enveloped),
  });
  return new TypeAndValue({ type, value: AsnConvert.serialize(contentInfo) });
}

/** Why R could not be recovered; the CA answers the request with a rejection. */
export class RandomNumTransportError extends Error {}

/**
 * Recovers R from a regInfo entry made by randomNumRegInfo, with the RA's decryption key.
 * Throws RandomNumTransportError for anything else.
 */
export function openRandomNumRegInfo(entry: TypeAndValue, raKey: KeyObject): Buffer {
  try {
    if (entry.value === undefined) throw new RandomNumTransportError('regInfo without a value');
    const contentInfo = AsnConvert.parse(entry.value, ContentInfo);
    if (contentInfo.contentType !== oids.envelopedData)
      throw new RandomNumTransportError('not EnvelopedData');
    const enveloped = AsnConvert.parse(contentInfo.content, EnvelopedData);
    const ktri = enveloped.recipientInfos[0]?.ktri;
    if (ktri === undefined || ktri.keyEncryptionAlgorithm.algorithm !== oids.rsaesOaep) {
      throw new RandomNumTransportError('no RSAES-OAEP recipient');
    }
    const eci = enveloped.encryptedContentInfo;
    if (
      eci.contentEncryptionAlgorithm.algorithm !== oids.aes256Cbc ||
      !eci.contentEncryptionAlgorithm.parameters
    ) {
      throw new RandomNumTransportError('content not AES-256-CBC');
    }
    const iv = new Uint8Array(
      AsnConvert.parse(eci.contentEncryptionAlgorithm.parameters, OctetString).buffer,
    );
    const body = eci.encryptedContent?.value?.buffer;
    if (body === undefined || iv.length !== 16)
      throw new RandomNumTransportError('no encrypted content');
    const cek = privateDecrypt(
      { key: raKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      new Uint8Array(ktri.encryptedKey.buffer),
    );
    try {
      const decipher = createDecipheriv('aes-256-cbc', cek, iv);
      const r = Buffer.concat([decipher.update(new Uint8Array(body)), decipher.final()]);
      if (r.length === 0 || r.length > 64)
        throw new RandomNumTransportError(`R of ${r.length} bytes`);
      return r;
    } finally {
      cek.fill(0);
    }
  } catch (cause) {
    if (cause instanceof RandomNumTransportError) throw cause;
    throw new RandomNumTransportError('R cannot be decrypted', { cause });
  }
}
