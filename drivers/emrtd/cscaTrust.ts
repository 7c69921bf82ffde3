import { createPublicKey, type KeyObject } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { checkDerSequence, parseDer, type DerContext } from '../../src/shared/der.js';
import { x509 } from '../../src/shared/x509.js';
import { CscaTrustError } from './errors.js';

/**
 * The Country Signing CA certificates the kiosk trusts (DESIGN §3.2: a configured folder of
 * certificates; ICAO master lists come later), and the certificate facts Passive Authentication
 * needs of both a CSCA and a Document Signer.
 */

/** What PA needs of one certificate. Names are compared as DER (RFC 5280 §7.1 binary match). */
export interface CertificateFacts {
  readonly der: Uint8Array;
  readonly certificate: Certificate;
  /** RFC 4514 form, for results and logs. */
  readonly subject: string;
  readonly issuer: string;
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  /** Hex, as printed by openssl. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  /** basicConstraints cA. */
  readonly isCa: boolean;
  /** The public key, or why OpenSSL cannot use it (an unknown curve: a failed check, not a crash). */
  readonly publicKey: KeyObject | { readonly unusable: string };
}

/** The trust store: CSCA certificates with the file each came from. */
export interface CscaTrust {
  readonly cscas: readonly (CertificateFacts & { readonly source: string })[];
}

/** Bounds of loadCscaTrust (DESIGN §8): a national store holds tens, not thousands. */
export interface CscaTrustLimits {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
}

const defaultLimits: CscaTrustLimits = { maxFiles: 1000, maxFileBytes: 256 * 1024 };

/** The file extensions read as certificates; anything else in the folder is left alone. */
export const cscaFileExtensions = ['.pem', '.crt', '.cer', '.der'] as const;

/**
 * Reads every certificate file directly in `dir` (PEM, possibly several per file, or DER). Each
 * must be a CA certificate (basicConstraints cA, as the ICAO 9303-12 CSCA certificate profile requires); any
 * that is not, or that does not parse, and an empty or unreadable folder, are CscaTrustError: the
 * operator must fix the store rather than have some documents fail mysteriously.
 */
export async function loadCscaTrust(
  dir: string,
  limits: CscaTrustLimits = defaultLimits,
): Promise<CscaTrust> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (cause) {
    throw new CscaTrustError(dir, 'the folder cannot be read', { cause });
  }
  const files = names.filter((n) =>
    (cscaFileExtensions as readonly string[]).includes(extname(n).toLowerCase()),
  );
  if (files.length > limits.maxFiles) {
    throw new CscaTrustError(dir, `${files.length} files exceeds ${limits.maxFiles}`);
  }
  const cscas: (CertificateFacts & { source: string })[] = [];
  for (const name of files) {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      // lstat: a symlink or a device named *.pem is not read (it could be anything, of any size).
      const stat = await lstat(path);
      if (!stat.isFile()) continue;
      if (stat.size > limits.maxFileBytes) {
        throw new CscaTrustError(path, `${stat.size} bytes exceeds ${limits.maxFileBytes}`);
      }
      bytes = await readFile(path);
    } catch (cause) {
      if (cause instanceof CscaTrustError) throw cause;
      throw new CscaTrustError(path, 'the file cannot be read', { cause });
    }
    for (const der of certificatesIn(bytes, path)) {
      const facts = certificateFacts(der, trustContext(path));
      if (!facts.isCa) throw new CscaTrustError(path, `${facts.subject} is not a CA certificate`);
      cscas.push({ ...facts, source: path });
    }
  }
  if (cscas.length === 0) throw new CscaTrustError(dir, 'no CSCA certificate found');
  return { cscas };
}

/** A trust store from certificates in memory (DER), for callers that hold them already. */
export function cscaTrustFrom(ders: readonly Uint8Array[], source = 'memory'): CscaTrust {
  return {
    cscas: ders.map((der) => ({ ...certificateFacts(der, trustContext(source)), source })),
  };
}

const pemBlock = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

function certificatesIn(bytes: Buffer, path: string): Uint8Array[] {
  if (bytes[0] === 0x30) return [bytes];
  const text = bytes.toString('latin1');
  const ders = [...text.matchAll(pemBlock)].map((m) =>
    Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'),
  );
  if (ders.length === 0) throw new CscaTrustError(path, 'neither DER nor PEM certificates');
  return ders;
}

function trustContext(path: string): DerContext {
  return {
    truncated: (expected, actual) =>
      new CscaTrustError(path, `certificate cut short: ${actual} of ${expected} bytes`),
    malformed: (detail, cause) => new CscaTrustError(path, detail, { cause }),
    maxBytes: defaultLimits.maxFileBytes,
  };
}

/**
 * Reads a certificate's facts; malformations are the context's typed errors. The DER is checked
 * for exact extent first (src/asn1/der.ts), then parsed by the ASN.1 library.
 */
export function certificateFacts(der: Uint8Array, ctx: DerContext): CertificateFacts {
  checkDerSequence(der, ctx);
  const certificate = parseDer(der, Certificate, ctx, 'the certificate');
  try {
    const tbs = certificate.tbsCertificate;
    const subjectDer = new Uint8Array(AsnConvert.serialize(tbs.subject));
    const issuerDer = new Uint8Array(AsnConvert.serialize(tbs.issuer));
    const extension = (oid: string): ArrayBuffer | undefined =>
      tbs.extensions?.find((e) => e.extnID === oid)?.extnValue.buffer;
    const ski = extension(id_ce_subjectKeyIdentifier);
    const aki = extension(id_ce_authorityKeyIdentifier);
    const bc = extension(id_ce_basicConstraints);
    const subjectKeyId = ski && new Uint8Array(AsnConvert.parse(ski, SubjectKeyIdentifier).buffer);
    const akiKeyId = aki && AsnConvert.parse(aki, AuthorityKeyIdentifier).keyIdentifier;
    const authorityKeyId = akiKeyId && new Uint8Array(akiKeyId.buffer);
    return {
      der,
      certificate,
      subject: new x509.Name(subjectDer).toString(),
      issuer: new x509.Name(issuerDer).toString(),
      subjectDer,
      issuerDer,
      serialNumber: Buffer.from(tbs.serialNumber).toString('hex'),
      notBefore: tbs.validity.notBefore.getTime(),
      notAfter: tbs.validity.notAfter.getTime(),
      ...(subjectKeyId === undefined ? {} : { subjectKeyId }),
      ...(authorityKeyId === undefined ? {} : { authorityKeyId }),
      isCa: bc !== undefined && AsnConvert.parse(bc, BasicConstraints).cA,
      publicKey: publicKeyOf(tbs.subjectPublicKeyInfo),
    };
  } catch (cause) {
    throw ctx.malformed('the certificate fields do not parse', cause);
  }
}

function publicKeyOf(
  spki: Certificate['tbsCertificate']['subjectPublicKeyInfo'],
): CertificateFacts['publicKey'] {
  try {
    return createPublicKey({
      key: Buffer.from(AsnConvert.serialize(spki)),
      format: 'der',
      type: 'spki',
    });
  } catch (error) {
    return { unusable: error instanceof Error ? error.message : String(error) };
  }
}
