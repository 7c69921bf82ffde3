import { AsnConvert } from '@peculiar/asn1-schema';
import { KeyUsage, KeyUsageFlags, type Name } from '@peculiar/asn1-x509';
import countries from 'i18n-iso-countries';
import type { CertificateFacts } from './cscaTrust.js';
import { curveBits, type HashName } from './signatureCheck.js';

/**
 * What Passive Authentication requires of a Document Signer beyond a valid chain (issue 11 item
 * 14; ICAO 9303-12 §7.1 certificate profiles, 9303-11 §5 and 9303-12 Appendix on algorithms).
 * Configurable (`emrtd.*`); the defaults follow ICAO's current recommendations.
 */
export interface DocumentSignerPolicy {
  /** Smallest RSA modulus accepted for the DS key (9303-12: 2048 for a DS). */
  readonly minRsaBits: number;
  /** Smallest EC field size accepted for the DS key (9303-12 still lists 224-bit curves). */
  readonly minEcBits: number;
  /** SHA-1 in the SOD's hashes, its signature or the DS certificate's (9303-12: not for new). */
  readonly allowSha1: boolean;
  /** The CSCA's and the DS's country must be DG1's issuing state (9303-12 §7.1.1). */
  readonly requireCountryMatch: boolean;
}

export const defaultDocumentSignerPolicy: DocumentSignerPolicy = {
  minRsaBits: 2048,
  minEcBits: 224,
  allowSha1: false,
  requireCountryMatch: true,
};

export type DsPolicyFailure = 'dsIsCa' | 'dsKeyUsage' | 'countryMismatch' | 'weakKey' | 'weakHash';

export type DsPolicyCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failures: readonly DsPolicyFailure[];
      /** One sentence per failure, in the order of `failures`. */
      readonly details: readonly string[];
    };

/** What the policy is checked against, gathered by passiveAuthentication. */
export interface DsPolicyInput {
  readonly documentSigner: CertificateFacts;
  /** The CSCA that verified the DS certificate, when the chain held. */
  readonly csca: CertificateFacts | undefined;
  /** DG1's issuing state (three letters, ICAO 9303-3), when DG1 was read. */
  readonly issuingState: string | undefined;
  /** Hashes used: the LDS security object's, the SOD signature's, the DS certificate's. */
  readonly hashes: readonly (HashName | undefined)[];
}

const sha1SignatureOids = new Set([
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.3.14.3.2.29', // sha1WithRSASignature (OIW)
]);

/** Checks `input` against `policy`; every failure is named, none throws. */
export function checkDocumentSignerPolicy(
  input: DsPolicyInput,
  policy: DocumentSignerPolicy = defaultDocumentSignerPolicy,
): DsPolicyCheck {
  const found: [DsPolicyFailure, string][] = [];
  const ds = input.documentSigner;
  if (ds.isCa)
    found.push(['dsIsCa', 'the Document Signer certificate is a CA (basicConstraints cA)']);
  const usage = keyUsageOf(ds);
  if (
    usage === undefined ||
    (usage & KeyUsageFlags.digitalSignature) === 0 ||
    (usage & KeyUsageFlags.keyCertSign) !== 0
  )
    found.push(['dsKeyUsage', 'the Document Signer key usage is not digitalSignature alone']);
  if (policy.requireCountryMatch) {
    const state = alpha2OfIssuingState(input.issuingState);
    const cscaCountry =
      input.csca === undefined
        ? undefined
        : countryOf(input.csca.certificate.tbsCertificate.subject);
    const dsCountry = countryOf(ds.certificate.tbsCertificate.subject);
    if (
      state === undefined ||
      cscaCountry !== state ||
      (dsCountry !== undefined && dsCountry !== state)
    )
      found.push([
        'countryMismatch',
        `issuing state ${input.issuingState ?? '(none)'}, CSCA country ${cscaCountry ?? '(none)'}, Document Signer country ${dsCountry ?? '(none)'}`,
      ]);
  }
  const bits = keyBits(ds);
  if (
    bits === undefined ||
    bits.bits < (bits.kind === 'rsa' ? policy.minRsaBits : policy.minEcBits)
  )
    found.push([
      'weakKey',
      bits === undefined
        ? 'the Document Signer key is neither RSA nor EC'
        : `a ${String(bits.bits)}-bit ${bits.kind.toUpperCase()} Document Signer key`,
    ]);
  if (
    !policy.allowSha1 &&
    (input.hashes.includes('sha1') ||
      sha1SignatureOids.has(ds.certificate.signatureAlgorithm.algorithm))
  )
    found.push(['weakHash', 'SHA-1 is used in the SOD or the Document Signer certificate']);
  return found.length === 0
    ? { ok: true }
    : { ok: false, failures: found.map(([f]) => f), details: found.map(([, d]) => d) };
}

function keyUsageOf(cert: CertificateFacts): number | undefined {
  const ext = cert.certificate.tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (ext === undefined) return undefined;
  try {
    return AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
  } catch {
    return undefined;
  }
}

function keyBits(cert: CertificateFacts): { kind: 'rsa' | 'ec'; bits: number } | undefined {
  if ('unusable' in cert.publicKey) return undefined;
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType === 'rsa' || cert.publicKey.asymmetricKeyType === 'rsa-pss')
    return { kind: 'rsa', bits: details?.modulusLength ?? 0 };
  if (cert.publicKey.asymmetricKeyType === 'ec')
    return { kind: 'ec', bits: curveBits(cert.publicKey) };
  return undefined;
}

/** The C attribute of a name, upper case. */
function countryOf(name: Name): string | undefined {
  for (const rdn of name)
    for (const atv of rdn) if (atv.type === '2.5.4.6') return atv.value.toString().toUpperCase();
  return undefined;
}

/**
 * DG1's three-letter issuing state as the two letters of a certificate's C (ISO 3166-1 through
 * i18n-iso-countries), with the codes ICAO 9303-3 §5 uses beside ISO's: D for Germany, the GB*
 * variants for the United Kingdom, RKS for Kosovo.
 */
function alpha2OfIssuingState(state: string | undefined): string | undefined {
  if (state === undefined) return undefined;
  const code = state.replace(/<+$/, '').toUpperCase();
  const icao: Readonly<Record<string, string>> = { D: 'DE', RKS: 'XK' };
  if (icao[code] !== undefined) return icao[code];
  if (/^GB[DNOPS]$/.test(code)) return 'GB';
  return countries.alpha3ToAlpha2(code);
}
