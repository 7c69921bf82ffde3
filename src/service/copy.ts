import { selectCertificate } from '../certificates/check.js';
import { copyToMedium, copyToToken } from '../certificates/copy.js';
import { KeyNotExportableError, UsageError } from '../errors/index.js';
import type { StoredInFiles, StoredOnToken } from './issue.js';
import { mediumSpec, npkiMediumOf, type Medium, type ServiceContext } from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

export interface CopyRequest extends OperationControl {
  /** Where the pair is: a folder or a drive (a key on a token never leaves it). */
  readonly from: Medium;
  readonly to: Medium;
  /** The key file's password (bytes; the caller zeroes them). */
  readonly password: Uint8Array;
  /** The target token's user PIN, for a copy onto a token. */
  readonly pin?: Uint8Array;
  readonly serial?: string;
  readonly replace?: boolean;
}

export type CopyResult = StoredInFiles | StoredOnToken;

/**
 * Copies a certificate and its key from a medium with key files onto a folder, a drive or a
 * token (imported sensitive and not extractable). Copying off a token is refused before the token
 * is asked anything: its key never leaves it.
 */
export async function copy(ctx: ServiceContext, request: CopyRequest): Promise<CopyResult> {
  const { from, to } = request;
  refuseCopyFrom(from);
  if (to.kind === 'token' && request.pin === undefined)
    throw new UsageError('a copy onto a token needs its user PIN');
  // Nothing is asked of a CA: a failure spends nothing, and a cancellation before the write
  // leaves the target as it was (the write itself is all or nothing).
  return tracked(
    request,
    plans.copy,
    async (step): Promise<CopyResult> => {
      const store = npkiMediumOf(ctx, from);
      const stored = await selectCertificate(store, request.serial);
      const source = { store, stored, password: request.password };
      if (to.kind !== 'token') {
        const target = npkiMediumOf(ctx, to);
        const copied = await copyToMedium(
          source,
          target,
          { replace: request.replace === true },
          ctx.config,
          ctx.now(),
          step,
        );
        return { kind: 'files', storage: target.spec, ...copied };
      }
      const pin = request.pin ?? new Uint8Array(0);
      const copied = await ctx.devices.withTokenDriver(to.label, to.module, (driver) =>
        copyToToken(
          source,
          { driver, token: { label: to.label }, pin },
          ctx.config,
          ctx.now(),
          step,
        ),
      );
      return { kind: 'token', storage: mediumSpec(to), ...copied };
    },
    false,
  );
}

/** A key on a token never leaves it: KeyNotExportableError for a copy from one. */
export function refuseCopyFrom(from: Medium): asserts from is Exclude<Medium, { kind: 'token' }> {
  if (from.kind === 'token') throw new KeyNotExportableError(from.label);
}
