import { CmpClient } from '../cmp/client.js';
import type { CaTrust } from '../cmp/trust.js';
import { issueToFolder } from '../certificates/issue.js';
import { issueToToken } from '../certificates/issueToToken.js';
import type { IssueJournal } from '../certificates/steps.js';
import type { CertificateFacts } from '../npki/certFacts.js';
import type { x509 } from '../shared/x509.js';
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

/** The CA to ask: its CMP URL and the certificates this kiosk trusts for it. */
export interface CaEndpoint {
  readonly url: string;
  readonly trust: CaTrust;
}

export interface IssueRequest extends OperationControl {
  readonly medium: Medium;
  readonly ca: CaEndpoint & { readonly raEncryption: x509.X509Certificate };
  /** The RA's reference number and authorization code (bytes; the caller zeroes them). */
  readonly ref: string;
  readonly authCode: Uint8Array;
  /** The new key file's password (folder, drive) or the token's user PIN. */
  readonly secret: KeySecret;
  /** When given, the certificate's VID must be this holder's. */
  readonly idn?: string;
  /** When given, the certificate's policy must be of this usage. */
  readonly profile?: 'restricted' | 'general';
  /** Replace a pair of the same holder already on a folder or drive. */
  readonly replace?: boolean;
  /** Told what the issuance made true as it does (the kiosk's crash journal, issue 14). */
  readonly journal?: IssueJournal;
}

/** A certificate stored as an NPKI pair on a folder or a drive. */
export interface StoredInFiles {
  readonly kind: 'files';
  readonly storage: string;
  readonly dir: string;
  readonly facts: CertificateFacts;
}

/** A certificate stored beside its key on a token. */
export interface StoredOnToken {
  readonly kind: 'token';
  readonly storage: string;
  /** CKA_ID of the pair, hex. */
  readonly id: string;
  readonly facts: CertificateFacts;
  /** Unfinished pairs of earlier attempts removed first. */
  readonly cleanedUp: number;
}

/** An issued certificate and where it went. */
export type IssueResult = StoredInFiles | StoredOnToken;

/** The CMP client for an endpoint, over the devices' transport. */
export function cmpClientFor(ctx: ServiceContext, ca: CaEndpoint): CmpClient {
  return new CmpClient({
    transport: ctx.devices.cmpTransport(ca.url),
    anchors: ca.trust.anchors,
    log: ctx.log,
    now: ctx.now,
  });
}

/**
 * Issuance (DESIGN §1 step 6) onto any medium: a software key written as an NPKI pair on a
 * folder or drive, or a key born on a token. Progress: prepare, keygen, request, verify, write,
 * (readBack), confirm. On failure `spentOf(error)` says what the CA had spent.
 */
export function issue(ctx: ServiceContext, request: IssueRequest): Promise<IssueResult> {
  const { medium } = request;
  const secret = secretFor(medium, request.secret);
  const client = cmpClientFor(ctx, request.ca);
  const common = {
    client,
    raEncryption: request.ca.raEncryption,
    ref: request.ref,
    authCode: request.authCode,
    ...(request.idn === undefined ? {} : { idn: request.idn }),
    ...(request.profile === undefined ? {} : { profile: request.profile }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ...(request.journal === undefined ? {} : { journal: request.journal }),
    config: ctx.config,
    now: ctx.now(),
  };
  return tracked(
    request,
    medium.kind === 'token' ? plans.issueToken : plans.issueFiles,
    async (step) => {
      if (medium.kind === 'token') {
        const issued = await ctx.devices.withTokenDriver(medium.label, medium.module, (driver) =>
          issueToToken({ ...common, driver, token: { label: medium.label }, pin: secret, step }),
        );
        return {
          kind: 'token' as const,
          storage: mediumSpec(medium),
          id: issued.id,
          facts: issued.facts,
          cleanedUp: issued.cleanedUp,
        };
      }
      const target = npkiMediumOf(ctx, medium);
      const issued = await issueToFolder({
        ...common,
        medium: target,
        replace: request.replace === true,
        password: secret,
        step,
      });
      return { kind: 'files' as const, storage: target.spec, dir: issued.dir, facts: issued.facts };
    },
  );
}
