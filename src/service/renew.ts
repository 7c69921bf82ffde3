import { selectCertificate } from '../certificates/check.js';
import { renewInFolder } from '../certificates/renew.js';
import { renewOnToken } from '../certificates/renewOnToken.js';
import { cmpClientFor, type CaEndpoint, type StoredInFiles, type StoredOnToken } from './issue.js';
import {
  mediumSpec,
  npkiMediumOf,
  secretFor,
  type KeySecret,
  type Medium,
  type ServiceContext,
} from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

export interface RenewRequest extends OperationControl {
  readonly medium: Medium;
  readonly ca: CaEndpoint;
  /** The current key file's password (folder, drive) or the token's user PIN. */
  readonly secret: KeySecret;
  /** Which certificate, when the medium holds several. */
  readonly serial?: string;
}

/** The renewed certificate and where it went (a token may still hold the superseded pair). */
export type RenewResult =
  | StoredInFiles
  | (StoredOnToken & {
      /** The superseded pair's CKA_ID when the token went away before it was removed. */
      readonly oldPairLeft?: string;
    });

/**
 * Renewal within the window (DESIGN §1) on any medium: a new key beside the current one, CMP kur
 * signed with the current key, the renewed pair in place before the CA is told. Progress:
 * prepare, keygen, request, verify, write, confirm; `spentOf(error)` on failure.
 */
export function renew(ctx: ServiceContext, request: RenewRequest): Promise<RenewResult> {
  const { medium } = request;
  const secret = secretFor(medium, request.secret);
  const client = cmpClientFor(ctx, request.ca);
  const signal = request.signal === undefined ? {} : { signal: request.signal };
  return tracked(request, plans.renew, async (step) => {
    if (medium.kind === 'token') {
      const renewed = await ctx.devices.withTokenDriver(medium.label, medium.module, (driver) =>
        renewOnToken({
          client,
          driver,
          token: { label: medium.label },
          pin: secret,
          ...(request.serial === undefined ? {} : { serial: request.serial }),
          config: ctx.config,
          now: ctx.now(),
          ...signal,
          step,
        }),
      );
      return { kind: 'token' as const, storage: mediumSpec(medium), ...renewed };
    }
    const target = npkiMediumOf(ctx, medium);
    const stored = await selectCertificate(target, request.serial);
    const renewed = await renewInFolder({
      client,
      medium: target,
      stored,
      password: secret,
      config: ctx.config,
      now: ctx.now(),
      ...signal,
      step,
    });
    return { kind: 'files' as const, storage: target.spec, ...renewed };
  });
}
