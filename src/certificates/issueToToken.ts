import { toHex } from '../shared/bytes.js';
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
import type { x509 } from '../shared/x509.js';
import { CmpUnconfirmedError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { checkIssued, receivedFact, requestSentFact } from './issue.js';
import type { IssueJournal, Step } from './steps.js';
import { pairLabel, pendingLabel, r4vidLabel, sweepHalfMade } from './tokenPairs.js';
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
  readonly profile?: 'restricted' | 'general';
  readonly config: Config;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Called as each step begins (steps.ts); may throw to stop (cancelled). */
  readonly step?: (step: Step) => void;
  /** Told what is true as it becomes true (steps.ts IssueFact): the kiosk's crash journal. */
  readonly journal?: IssueJournal;
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
 * unfinished pairs of earlier attempts removed, RSA-2048 generated on the token under the pending
 * label, POP signed by the token, the certificate and the VID's R stored beside the key, the pair
 * relabelled as finished, and only then the CA told the certificate was accepted. Any failure
 * before that deletes the new objects (the CA is told the certificate was refused); if the token
 * is gone by then, the next operation sweeps them. A lost confirmation keeps the finished pair.
 */
export async function issueToToken(request: IssueToTokenRequest): Promise<IssuedToToken> {
  const r = randomBytes(20);
  const { config } = request;
  const step = request.step ?? (() => undefined);
  const journal = request.journal ?? (() => undefined);
  step('prepare');
  try {
    return await withLoggedInToken(request.driver, request.token, request.pin, async (session) => {
      const cleanedUp = await sweepHalfMade(session, config);
      step('keygen');
      const pair = await session.generateRsaKeyPair(pendingLabel(config));
      try {
        journal({ step: 'keyMade', keyId: toHex(pair.id) });
        step('request');
        const certificate = await request.client.enrol({
          ref: request.ref,
          secret: request.authCode,
          signer: session.signer(pair),
          regInfo: [
            randomNumRegInfo(r, AsnConvert.parse(request.raEncryption.rawData, Certificate)),
          ],
          ...(request.signal === undefined ? {} : { signal: request.signal }),
          onRequest: (id) => {
            journal(requestSentFact(id));
          },
          onCertificate: () => {
            step('verify');
          },
          check: async (issued) => {
            checkIssued(issued, request, r);
            journal(receivedFact(issued, request));
            step('write');
            await storeBesideKey(session, pair, issued, r, config, pairLabel(config, request.now));
            journal({ step: 'stored', where: toHex(pair.id) });
            step('confirm');
          },
        });
        journal({ step: 'confirmed' });
        return {
          token: session.token.label,
          id: toHex(pair.id),
          facts: certificateFacts(certificate, request.now, config.npki.renewalWindowDays),
          cleanedUp,
        };
      } catch (error) {
        if (!(error instanceof CmpUnconfirmedError)) await deleteQuietly(session, pair, config);
        throw error;
      }
    });
  } finally {
    r.fill(0);
  }
}

/**
 * The certificate, then R, then the finished label on keys and certificate: a pair still labelled
 * pending was interrupted (tokenPairs.ts), a relabelled one is complete.
 */
export async function storeBesideKey(
  session: TokenSession,
  pair: TokenKeyPair,
  certificate: Certificate,
  r: Uint8Array,
  config: Config,
  finishedLabel: string,
): Promise<void> {
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  const subject = new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subject));
  await session.storeCertificate(pair.id, pair.label, der, subject);
  await session.storeData(r4vidLabel(config, pair.id), r);
  await session.relabel(pair.id, finishedLabel);
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
