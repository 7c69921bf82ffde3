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
}

/**
 * Issuance with the key born on the token (DESIGN §1, §3.3): login with the PIN, RSA-2048
 * generated on the token, POP and CMP signed by the token, the certificate and the VID's R stored
 * beside the key (R in a data object `R4VID=<hex CKA_ID>`) before the CA is told it was accepted.
 * On any failure after key generation the key pair and its objects are deleted, so nothing
 * half-made stays on the token unreported.
 */
export async function issueToToken(request: IssueToTokenRequest): Promise<IssuedToToken> {
  const session = await request.driver.open(request.token);
  let keyPair: TokenKeyPair | undefined;
  const r = randomBytes(20);
  try {
    await session.login(request.pin);
    keyPair = await session.generateRsaKeyPair(`kiosk ${request.now.toISOString().slice(0, 10)}`);
    const pair = keyPair;
    const dataLabel = r4vidLabel(request.config, pair.id);
    const certificate = await request.client.enrol({
      ref: request.ref,
      secret: request.authCode,
      signer: session.signer(pair),
      regInfo: [randomNumRegInfo(r, AsnConvert.parse(request.raEncryption.rawData, Certificate))],
      check: async (issued) => {
        if (readIdentifyData(issued)?.vid === undefined)
          throw new CmpMismatchError('vid', 'the certificate carries no VID');
        if (request.idn !== undefined && !vidMatches(issued, request.idn, r)) {
          throw new CmpMismatchError('vid', 'the VID does not match the holder and R');
        }
        const der = new Uint8Array(AsnConvert.serialize(issued));
        const subject = new Uint8Array(AsnConvert.serialize(issued.tbsCertificate.subject));
        await session.storeCertificate(pair.id, pair.label, der, subject);
        await session.storeData(dataLabel, r);
      },
    });
    return {
      token: session.token.label,
      id: Buffer.from(pair.id).toString('hex'),
      facts: certificateFacts(certificate, request.now, request.config.npki.renewalWindowDays),
    };
  } catch (error) {
    if (keyPair !== undefined)
      await cleanUp(session, keyPair, r4vidLabel(request.config, keyPair.id));
    throw error;
  } finally {
    r.fill(0);
    await session.close();
  }
}

/** The data object label holding R (DESIGN §3.3: `R4VID=<hex CKA_ID>`, uncertain, configurable). */
function r4vidLabel(config: Config, id: Uint8Array): string {
  return `${config.pkcs11.r4vidLabelPrefix}${Buffer.from(id).toString('hex')}`;
}

async function cleanUp(
  session: TokenSession,
  keyPair: TokenKeyPair,
  dataLabel: string,
): Promise<void> {
  try {
    await session.deleteKeyPair(keyPair.id, dataLabel);
  } catch {
    // The token went away: the half-made pair is found and removed by label next time (see
    // listObjects); the caller reports the original error.
  }
}
