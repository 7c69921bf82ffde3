import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type {
  TokenDriver,
  TokenKeyPair,
  TokenSelector,
  TokenSession,
} from '../../drivers/pkcs11/contract.js';
import type { CmpClient } from '../cmp/client.js';
import { randomNumRegInfo } from '../cmp/randomNumTransport.js';
import type { Config } from '../config/index.js';
import type { x509 } from '../crypto/x509.js';
import { CmpMismatchError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { readIdentifyData, vidMatches } from '../npki/vid.js';
import { hex, pairLabel, r4vidLabel, sweepHalfMade } from './tokenPairs.js';
import { withLoggedInToken } from './tokenSession.js';

export interface IssueToTokenRequest {
  readonly client: CmpClient;
  readonly raEncryption: x509.X509Certificate;
  readonly driver: TokenDriver;
  readonly token: TokenSelector;
  /** The token's user PIN (bytes; the caller zeroes them). */
  readonly pin: Uint8Array;
  readonly ref: string;
  readonly authCode: Uint8Array;
  readonly idn?: string;
  readonly config: Config;
  readonly now: Date;
}

export interface IssuedToToken {
  readonly token: string;
  /** CKA_ID of the key pair and certificate, hex. */
  readonly id: string;
  readonly facts: CertificateFacts;
  /** Unfinished pairs of earlier attempts (a token pulled mid-way) removed first. */
  readonly cleanedUp: number;
}

/**
 * Issuance with the key born on the token (DESIGN §1, §3.3): login with the PIN, the kiosk's
 * unfinished pairs of earlier attempts removed, RSA-2048 generated on the token, POP signed by the
 * token, the certificate and the VID's R stored beside the key (R last, in a data object
 * `R4VID=<hex CKA_ID>`) before the CA is told it was accepted. Any failure after key generation
 * deletes the new objects; if the token is gone by then, the next attempt removes them.
 */
export async function issueToToken(request: IssueToTokenRequest): Promise<IssuedToToken> {
  const r = randomBytes(20);
  try {
    return await withLoggedInToken(request.driver, request.token, request.pin, async (session) => {
      const cleanedUp = await sweepHalfMade(session, request.config);
      const pair = await session.generateRsaKeyPair(pairLabel(request.config, request.now));
      try {
        const certificate = await request.client.enrol({
          ref: request.ref,
          secret: request.authCode,
          signer: session.signer(pair),
          regInfo: [
            randomNumRegInfo(r, AsnConvert.parse(request.raEncryption.rawData, Certificate)),
          ],
          check: async (issued) => {
            if (readIdentifyData(issued)?.vid === undefined)
              throw new CmpMismatchError('vid', 'the certificate carries no VID');
            if (request.idn !== undefined && !vidMatches(issued, request.idn, r)) {
              throw new CmpMismatchError('vid', 'the VID does not match the holder and R');
            }
            await storeBesideKey(session, pair, issued, r, request.config);
          },
        });
        return {
          token: session.token.label,
          id: hex(pair.id),
          facts: certificateFacts(certificate, request.now, request.config.npki.renewalWindowDays),
          cleanedUp,
        };
      } catch (error) {
        await deleteQuietly(session, pair, request.config);
        throw error;
      }
    });
  } finally {
    r.fill(0);
  }
}

/** The certificate, then R: R last, so a pair with R is complete (tokenPairs.ts). */
export async function storeBesideKey(
  session: TokenSession,
  pair: TokenKeyPair,
  certificate: Certificate,
  r: Uint8Array,
  config: Config,
): Promise<void> {
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  const subject = new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subject));
  await session.storeCertificate(pair.id, pair.label, der, subject);
  await session.storeData(r4vidLabel(config, pair.id), r);
}

/** Deletes a new pair after a failure; a token already gone leaves it to the next sweep. */
export async function deleteQuietly(
  session: TokenSession,
  pair: TokenKeyPair,
  config: Config,
): Promise<void> {
  try {
    await session.deleteKeyPair(pair.id, r4vidLabel(config, pair.id));
  } catch {
    // The caller reports the original error; sweepHalfMade removes the rest next time.
  }
}
