import type { CRLReasons } from '@peculiar/asn1-x509';
import type { TokenDriver, TokenSelector } from '../../drivers/pkcs11/contract.js';
import type { CmpClient } from '../cmp/client.js';
import type { Config } from '../config/index.js';
import { serialHex } from '../npki/certificate.js';
import { certificateSigner, selectTokenPair } from './tokenPairs.js';
import { withLoggedInToken } from './tokenSession.js';

/**
 * Revokes a certificate kept on a token with CMP rr, signed by the token's key of the same
 * CKA_ID (the holder proves possession with the PIN and the token).
 */
export function revokeOnToken(
  client: CmpClient,
  driver: TokenDriver,
  token: TokenSelector,
  pin: Uint8Array,
  reason: CRLReasons,
  config: Config,
  serial?: string,
  /** Called just before the CA is asked (progress; may throw to stop), and the caller's signal. */
  control: { readonly beforeRequest?: () => void; readonly signal?: AbortSignal } = {},
): Promise<{ serial: string }> {
  return withLoggedInToken(driver, token, pin, async (session) => {
    const objects = await session.listObjects();
    const { pair, certificate } = selectTokenPair(
      objects,
      config,
      `token ${session.token.label}`,
      serial,
    );
    control.beforeRequest?.();
    await client.revoke({
      signer: certificateSigner(session, pair, certificate),
      certificate,
      reason,
      ...(control.signal === undefined ? {} : { signal: control.signal }),
    });
    return { serial: serialHex(certificate) };
  });
}
