import type { CRLReasons } from '@peculiar/asn1-x509';
import { selectCertificate } from '../certificates/check.js';
import { revokeStored } from '../certificates/revoke.js';
import { revokeOnToken } from '../certificates/revokeOnToken.js';
import { cmpClientFor, type CaEndpoint } from './issue.js';
import {
  npkiMediumOf,
  secretFor,
  type KeySecret,
  type Medium,
  type ServiceContext,
} from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

export interface RevokeRequest extends OperationControl {
  readonly medium: Medium;
  readonly ca: CaEndpoint;
  /** The key file's password (folder, drive) or the token's user PIN: the holder signs the rr. */
  readonly secret: KeySecret;
  /** RFC 5280 §5.3.1 reason code. */
  readonly reason: CRLReasons;
  readonly serial?: string;
}

/**
 * Revocation with CMP rr signed by the certificate's own key, on any medium. Progress: prepare,
 * request.
 */
export function revoke(ctx: ServiceContext, request: RevokeRequest): Promise<{ serial: string }> {
  const { medium } = request;
  const secret = secretFor(medium, request.secret);
  const client = cmpClientFor(ctx, request.ca);
  // The request step, and the caller's signal into the rr itself: cancelled in flight, the
  // answer is lost (spentOf: unanswered), as with any request.
  const control = (step: (s: 'request') => void) => ({
    beforeRequest: () => {
      step('request');
    },
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  return tracked(request, plans.revoke, async (step) => {
    step('prepare');
    if (medium.kind === 'token')
      return ctx.devices.withTokenDriver(medium.label, medium.module, (driver) =>
        revokeOnToken(
          client,
          driver,
          { label: medium.label },
          secret,
          request.reason,
          ctx.config,
          request.serial,
          control(step),
        ),
      );
    const target = npkiMediumOf(ctx, medium);
    const stored = await selectCertificate(target, request.serial);
    return revokeStored(client, target, stored, secret, request.reason, control(step));
  });
}
