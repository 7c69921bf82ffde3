import { toHex } from '../shared/bytes.js';
import type { TokenDriver, TokenSelector } from '../../drivers/pkcs11/contract.js';
import type { CmpClient } from '../cmp/client.js';
import type { Config } from '../config/index.js';
import {
  CmpMismatchError,
  CmpUnconfirmedError,
  RenewalNotOpenError,
  VidUnavailableError,
} from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { readIdentifyData } from '../npki/vid.js';
import { deleteQuietly, storeBesideKey } from './issueToToken.js';
import {
  certificateSigner,
  pairLabel,
  pendingLabel,
  r4vidLabel,
  selectTokenPair,
  sweepHalfMade,
} from './tokenPairs.js';
import { withLoggedInToken } from './tokenSession.js';
import type { Step } from './steps.js';

export interface RenewOnTokenRequest {
  readonly client: CmpClient;
  readonly driver: TokenDriver;
  readonly token: TokenSelector;
  readonly pin: Uint8Array;
  readonly serial?: string;
  readonly config: Config;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Called as each step begins (steps.ts); may throw to stop (cancelled). */
  readonly step?: (step: Step) => void;
}

export interface RenewedOnToken {
  readonly id: string;
  readonly facts: CertificateFacts;
  readonly cleanedUp: number;
  /**
   * The CKA_ID (hex) of the superseded pair when it could not be deleted after the CA confirmed
   * the renewal (the token went away at that moment); the renewal itself succeeded.
   */
  readonly oldPairLeft?: string;
}

/**
 * Renewal on a token (DESIGN §1): within the window, a new key pair generated on the token, CMP
 * kur signed by the current on-token key, the new certificate and the same R stored beside the new
 * key before confirming; then the old pair is deleted. Until that last step the token holds both
 * pairs, complete, so a token pulled at any point leaves a usable certificate.
 */
export function renewOnToken(request: RenewOnTokenRequest): Promise<RenewedOnToken> {
  const { config } = request;
  const step = request.step ?? (() => undefined);
  step('prepare');
  return withLoggedInToken(request.driver, request.token, request.pin, async (session) => {
    const cleanedUp = await sweepHalfMade(session, config);
    const where = `token ${session.token.label}`;
    const { pair: old, certificate: current } = selectTokenPair(
      await session.listObjects(),
      config,
      where,
      request.serial,
    );
    const facts = certificateFacts(current, request.now, config.npki.renewalWindowDays);
    if (!facts.renewalOpen)
      throw new RenewalNotOpenError(facts.notAfter, config.npki.renewalWindowDays);
    // R is kept so the VID stays the holder's; without it the renewed pair could not be checked.
    const r = old.r;
    if (r === undefined) throw new VidUnavailableError('randomNum');
    try {
      step('keygen');
      const pair = await session.generateRsaKeyPair(pendingLabel(config));
      let renewed;
      try {
        step('request');
        renewed = await request.client.keyUpdate({
          current: { signer: certificateSigner(session, old, current), certificate: current },
          signer: session.signer(pair),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
          onCertificate: () => {
            step('verify');
          },
          check: async (certificate) => {
            const before = readIdentifyData(current)?.vid?.value;
            const after = readIdentifyData(certificate)?.vid?.value;
            if (before !== undefined && (after === undefined || !before.equals(after))) {
              throw new CmpMismatchError(
                'vid',
                'the renewed certificate does not carry the holder’s VID',
              );
            }
            step('write');
            const label = pairLabel(config, request.now);
            await storeBesideKey(session, pair, certificate, r, config, label);
            step('confirm');
          },
        });
      } catch (error) {
        if (!(error instanceof CmpUnconfirmedError)) await deleteQuietly(session, pair, config);
        throw error;
      }
      const result = {
        id: toHex(pair.id),
        facts: certificateFacts(renewed, request.now, config.npki.renewalWindowDays),
        cleanedUp,
      };
      // The CA has confirmed the new certificate: the old pair goes. If the token went away just
      // now, the renewal still succeeded; the old pair is reported for staff to remove.
      try {
        await session.deleteKeyPair(old.id, r4vidLabel(config, old.id));
        return result;
      } catch {
        return { ...result, oldPairLeft: toHex(old.id) };
      }
    } finally {
      r.fill(0);
    }
  });
}
