import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { TokenObject, TokenSession } from '../../drivers/pkcs11/contract.js';
import type { Config } from '../config/index.js';
import type { Signer } from '../crypto/signer.js';
import { AmbiguousCertificateError, CertificateNotFoundError } from '../errors/index.js';
import { parseCertificate, serialHex } from '../npki/certificate.js';

/**
 * How the kiosk keeps a certificate on a token (DESIGN §3.3): a key pair, the certificate and a
 * data object holding the VID's R, all tied by one CKA_ID; the data object is labelled
 * `<r4vidLabelPrefix><hex CKA_ID>`, the keys and certificate `<labelPrefix> <date>`. The data
 * object is written last, so a kiosk-made pair without it was interrupted.
 */

/** The label of the data object holding R for this CKA_ID. */
export function r4vidLabel(config: Config, id: Uint8Array): string {
  return `${config.pkcs11.r4vidLabelPrefix}${hex(id)}`;
}

/** The label of the keys and certificate the kiosk makes today. */
export function pairLabel(config: Config, now: Date): string {
  return `${config.pkcs11.labelPrefix} ${now.toISOString().slice(0, 10)}`;
}

/** A certificate on the token with what the kiosk stored beside it. */
export interface TokenPair {
  readonly id: Uint8Array;
  readonly label: string;
  readonly certificate: Uint8Array;
  /** R (the data object's value); absent if there is none or the session is not logged in. */
  readonly r?: Uint8Array;
}

/** The certificates on the token, each with its R where the session can see it. */
export function tokenPairs(objects: readonly TokenObject[], config: Config): TokenPair[] {
  return objects
    .filter((o) => o.kind === 'certificate' && o.value !== undefined)
    .map((o) => {
      const r = objects.find((d) => d.kind === 'data' && d.label === r4vidLabel(config, o.id));
      return {
        id: o.id,
        label: o.label,
        certificate: o.value ?? new Uint8Array(0),
        ...(r?.value === undefined ? {} : { r: r.value }),
      };
    });
}

/**
 * The CKA_IDs (hex) of pairs the kiosk began and never finished: kiosk-labelled keys or
 * certificates lacking the private key, the public key, the certificate or R, and R objects with
 * no key. Needs a logged-in session (private keys and R are private objects).
 */
export function halfMadePairs(objects: readonly TokenObject[], config: Config): string[] {
  const ours = (o: TokenObject): boolean =>
    o.kind !== 'data' &&
    (o.label === config.pkcs11.labelPrefix || o.label.startsWith(`${config.pkcs11.labelPrefix} `));
  const has = (kind: TokenObject['kind'], id: string): boolean =>
    objects.some((o) => o.kind === kind && hex(o.id) === id);
  const dataIds = objects
    .filter((o) => o.kind === 'data' && o.label.startsWith(config.pkcs11.r4vidLabelPrefix))
    .map((o) => o.label.slice(config.pkcs11.r4vidLabelPrefix.length));
  const ids = new Set([...objects.filter(ours).map((o) => hex(o.id)), ...dataIds]);
  return [...ids].filter(
    (id) =>
      !has('privateKey', id) ||
      !has('publicKey', id) ||
      !has('certificate', id) ||
      !dataIds.includes(id),
  );
}

/**
 * Removes the kiosk's unfinished pairs (left by a token pulled during key generation, signing or
 * storing) and says how many there were. The session must be logged in.
 */
export async function sweepHalfMade(session: TokenSession, config: Config): Promise<number> {
  const doomed = halfMadePairs(await session.listObjects(), config);
  for (const id of doomed) {
    const bytes = Buffer.from(id, 'hex');
    await session.deleteKeyPair(bytes, r4vidLabel(config, bytes));
  }
  return doomed.length;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The one pair to act on: the one with this serial, or the only certificate on the token. */
export function selectTokenPair(
  objects: readonly TokenObject[],
  config: Config,
  where: string,
  serial?: string,
): { pair: TokenPair; certificate: Certificate } {
  const wanted = serial?.toLowerCase().replace(/^0+/, '');
  const candidates = tokenPairs(objects, config)
    .map((pair) => ({ pair, certificate: parseCertificate(pair.certificate) }))
    .filter((c) => wanted === undefined || serialHex(c.certificate) === wanted);
  const [chosen, ...others] = candidates;
  if (chosen === undefined)
    throw new CertificateNotFoundError(where + (serial === undefined ? '' : ` (serial ${serial})`));
  if (others.length > 0)
    throw new AmbiguousCertificateError(candidates.map((c) => serialHex(c.certificate)));
  return chosen;
}

/** A Signer for the token's private key of a certificate (CKA_ID shared, DESIGN §3.3). */
export function certificateSigner(
  session: TokenSession,
  pair: TokenPair,
  certificate: Certificate,
): Signer {
  return session.signer({
    id: pair.id,
    label: pair.label,
    publicKey: new Uint8Array(
      AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo),
    ),
    // Not read back here: only id and publicKey matter to a signer.
    alwaysSensitive: true,
    neverExtractable: true,
    local: true,
  });
}
