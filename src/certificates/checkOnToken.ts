import { sameBytes, toHex } from '../shared/bytes.js';
import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { TokenDriver, TokenSelector } from '../../drivers/pkcs11/contract.js';
import type { Config } from '../config/index.js';
import { verifySignature } from '../crypto/signer.js';
import { VidUnavailableError } from '../errors/index.js';
import { serialHex } from '../npki/certificate.js';
import { readIdentifyData, vidMatches } from '../npki/vid.js';
import { certificateSigner, selectTokenPair, tokenPairs } from './tokenPairs.js';
import { withLoggedInToken } from './tokenSession.js';

/** What `kiosk cert check --storage token:` reports (the PIN stands for the password). */
export interface TokenCheckResult {
  readonly serial: string;
  /** The PIN opened the token (a wrong one is WrongPinError, which says what tries are left). */
  readonly passwordOk: true;
  /** A fresh challenge signed on the token verifies with the certificate's public key. */
  readonly keyMatchesCert: boolean;
  /** Null without an IDN. */
  readonly vidOk: boolean | null;
  readonly id: string;
  readonly hasRandomNum: boolean;
  /** The certificate's DER, for a revocation check; not part of the report. */
  readonly certificate: Uint8Array;
}

/**
 * Checks a certificate on a token: the PIN logs in, the token's key of the certificate's CKA_ID
 * signs a random challenge that the certificate's public key verifies, and, with the holder's
 * IDN, the VID matches R from the data object beside it.
 */
export function checkOnToken(
  driver: TokenDriver,
  token: TokenSelector,
  pin: Uint8Array,
  config: Config,
  options: { idn?: string; serial?: string } = {},
): Promise<TokenCheckResult> {
  return withLoggedInToken(driver, token, pin, async (session) => {
    const objects = await session.listObjects();
    const { pair, certificate } = selectTokenPair(
      objects,
      config,
      `token ${session.token.label}`,
      options.serial,
    );
    const hasPrivateKey = objects.some((o) => o.kind === 'privateKey' && sameBytes(o.id, pair.id));
    let keyMatchesCert = false;
    if (hasPrivateKey) {
      const signer = certificateSigner(session, pair, certificate);
      const challenge = randomBytes(32);
      const signature = await signer.sign(challenge);
      const spki = new Uint8Array(
        AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo),
      );
      keyMatchesCert = verifySignature(spki, signer.algorithm, challenge, signature);
    }
    const { idn } = options;
    if (idn !== undefined && pair.r === undefined) throw new VidUnavailableError('randomNum');
    if (idn !== undefined && readIdentifyData(certificate)?.vid === undefined)
      throw new VidUnavailableError('vid');
    const vidOk =
      idn === undefined || pair.r === undefined ? null : vidMatches(certificate, idn, pair.r);
    for (const p of tokenPairs(objects, config)) p.r?.fill(0);
    return {
      serial: serialHex(certificate),
      passwordOk: true,
      keyMatchesCert,
      vidOk,
      id: toHex(pair.id),
      hasRandomNum: pair.r !== undefined,
      certificate: new Uint8Array(AsnConvert.serialize(certificate)),
    };
  });
}
