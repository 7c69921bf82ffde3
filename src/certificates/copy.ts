import { toHex } from '../shared/bytes.js';
import type { RsaPrivateKeyParts } from '../../drivers/pkcs11/contract.js';
import { rsaPrivateKeyParts, zeroParts } from '../npki/rsaPrivateKey.js';
import type { TokenDriver, TokenSelector } from '../../drivers/pkcs11/contract.js';
import type { Config } from '../config/index.js';
import { CertificateExistsError, VidUnavailableError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { parseCertificate } from '../npki/certificate.js';
import { caFolderFor, dnFolderName } from '../npki/layout.js';
import type { CertificateStore, NpkiMedium, StoredCertificate } from '../storage/contract.js';
import { deleteQuietly, storeBesideKey } from './issueToToken.js';
import { openPair } from './openPair.js';
import { pairLabel, pendingLabel, sweepHalfMade, tokenPairs } from './tokenPairs.js';
import { withLoggedInToken } from './tokenSession.js';
import type { Step } from './steps.js';

/** Where a pair comes from: a medium with key files, and the password that opens the key. */
export interface CopySource {
  readonly store: CertificateStore;
  readonly stored: StoredCertificate;
  readonly password: Uint8Array;
}

/**
 * Copies an NPKI pair onto another medium (a folder, a USB drive): the password must open the key
 * and the key must match the certificate (a broken pair is not copied), then the same two files
 * are written atomically under the certificate's own CA and subject folders. An existing pair of
 * the same subject is replaced only with `replace` (confirmed by the visitor).
 */
export async function copyToMedium(
  source: CopySource,
  target: NpkiMedium,
  options: { replace: boolean },
  config: Config,
  now: Date,
  step: (step: Step) => void = () => undefined,
): Promise<{ dir: string; facts: CertificateFacts }> {
  step('prepare');
  const opened = await openPair(source.store, source.stored, source.password);
  opened.r?.fill(0);
  const keyFile = await source.store.readKeyFile(source.stored.id);
  const parsed = parseCertificate(source.stored.certificate);
  step('write');
  const dir = await target.writePair(
    caFolderFor(parsed),
    dnFolderName(parsed),
    { signCert: source.stored.certificate, signKey: keyFile },
    options,
  );
  return { dir, facts: certificateFacts(opened.certificate, now, config.npki.renewalWindowDays) };
}

export interface CopyToTokenTarget {
  readonly driver: TokenDriver;
  readonly token: TokenSelector;
  readonly pin: Uint8Array;
}

/**
 * Copies an NPKI pair onto a token (issue 4): the key is imported as a sensitive, non-extractable
 * private key with a new CKA_ID, and the certificate and R are stored beside it as for a key born
 * there. R is required, since without it the VID could never be checked on the token again.
 */
export async function copyToToken(
  source: CopySource,
  target: CopyToTokenTarget,
  config: Config,
  now: Date,
  step: (step: Step) => void = () => undefined,
): Promise<{ id: string; facts: CertificateFacts; cleanedUp: number }> {
  step('prepare');
  const opened = await openPair(source.store, source.stored, source.password);
  const { r } = opened;
  const pkcs8 = opened.privateKey.export({ type: 'pkcs8', format: 'der' });
  let parts: RsaPrivateKeyParts | undefined;
  try {
    if (r === undefined) throw new VidUnavailableError('randomNum');
    return await withLoggedInToken(target.driver, target.token, target.pin, async (session) => {
      const cleanedUp = await sweepHalfMade(session, config);
      const der = Buffer.from(source.stored.certificate);
      if (tokenPairs(await session.listObjects(), config).some((p) => der.equals(p.certificate)))
        throw new CertificateExistsError(`token ${session.token.label}`);
      parts = rsaPrivateKeyParts(pkcs8);
      step('write');
      const pair = await session.importRsaKeyPair(pendingLabel(config), parts);
      try {
        await storeBesideKey(session, pair, opened.certificate, r, config, pairLabel(config, now));
      } catch (error) {
        await deleteQuietly(session, pair, config);
        throw error;
      }
      return {
        id: toHex(pair.id),
        facts: certificateFacts(opened.certificate, now, config.npki.renewalWindowDays),
        cleanedUp,
      };
    });
  } finally {
    pkcs8.fill(0);
    if (parts !== undefined) zeroParts(parts);
    r?.fill(0);
  }
}
