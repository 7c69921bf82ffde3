import { toHex } from '../shared/bytes.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { TokenObject, TokenSession } from '../../drivers/pkcs11/contract.js';
import type { Config } from '../config/index.js';
import type { Signer } from '../crypto/signer.js';
import { AmbiguousCertificateError, CertificateNotFoundError } from '../errors/index.js';
import { parseCertificate, serialHex, serialMatches } from '../npki/certificate.js';

/**
 * How the kiosk keeps a certificate on a token (DESIGN §3.3): a key pair, the certificate and a
 * data object holding the VID's R, all tied by one CKA_ID; the data object is labelled
 * `<r4vidLabelPrefix><hex CKA_ID>`, the keys and certificate `<labelPrefix> <date>`. The data
 * object is written last, so a kiosk-made pair without it was interrupted.
 */

/** The label of the data object holding R for this CKA_ID. */
export function r4vidLabel(config: Config, id: Uint8Array): string {
  return `${config.pkcs11.r4vidLabelPrefix}${toHex(id)}`;
}

/** The label of the keys and certificate of a finished pair the kiosk made today. */
export function pairLabel(config: Config, now: Date): string {
  return `${config.pkcs11.labelPrefix} ${now.toISOString().slice(0, 10)}`;
}

/**
 * The label of a pair being made: keys and certificate carry it until the certificate and R are
 * stored and the CA is about to be told the certificate was accepted; then they are relabelled
 * with pairLabel. Only objects with this label are ever swept.
 */
export function pendingLabel(config: Config): string {
  return `${config.pkcs11.labelPrefix} pending`;
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
 * The CKA_IDs of pairs the kiosk began and never finished (a token pulled during key generation,
 * signing or storing, or a certificate the CA was told was refused): the ids of key and
 * certificate objects labelled pendingLabel, nothing else. A pair is relabelled before the CA is
 * told it was accepted, so a certificate the CA holds as issued is never among these; objects of
 * other software, or finished pairs, whatever they lack, are never touched.
 */
export function halfMadePairs(objects: readonly TokenObject[], config: Config): Uint8Array[] {
  const pending = pendingLabel(config);
  const ids = new Map<string, Uint8Array>();
  for (const o of objects)
    if (o.kind !== 'data' && o.label === pending && o.id.length > 0) ids.set(toHex(o.id), o.id);
  return [...ids.values()];
}

/**
 * Removes the kiosk's unfinished pairs with their R objects and says how many there were. The
 * session must be logged in (private keys and R are private objects).
 */
export async function sweepHalfMade(session: TokenSession, config: Config): Promise<number> {
  const doomed = halfMadePairs(await session.listObjects(), config);
  for (const id of doomed) await session.deleteKeyPair(id, r4vidLabel(config, id));
  return doomed.length;
}

/** The one pair to act on: the one with this serial, or the only certificate on the token. */
export function selectTokenPair(
  objects: readonly TokenObject[],
  config: Config,
  where: string,
  serial?: string,
): { pair: TokenPair; certificate: Certificate } {
  const candidates = tokenPairs(objects, config)
    .map((pair) => ({ pair, certificate: parseCertificate(pair.certificate) }))
    .filter((c) => serial === undefined || serialMatches(c.certificate, serial));
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
