import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/** Signature algorithms the kiosk makes and checks (DESIGN §4.4: sha256WithRSAEncryption). */
export const signatureOids = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/**
 * Something that signs with a private key it may never show: a software key now, the token's
 * key later (STYLE #9: the signer is injected per call, never a process-global provider).
 */
export interface Signer {
  /** The signature AlgorithmIdentifier to put next to what this signs. */
  readonly algorithm: AlgorithmIdentifier;
  /** DER SubjectPublicKeyInfo of the key. */
  readonly publicKey: Uint8Array;
  /** The signature over `data` (DER for ECDSA, as X.509 and CMP carry it). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}
