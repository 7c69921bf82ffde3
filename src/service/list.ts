import { listCertificates, type InventoryItem } from '../certificates/inventory.js';
import { storeOf, type Medium, type ServiceContext } from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

/**
 * The certificates on any medium with their facts (a token's are public objects: no PIN). A
 * damaged one does not hide the others: it is listed with its error. Reads only: cancelling just
 * stops it.
 */
export function list(
  ctx: ServiceContext,
  request: OperationControl & { readonly medium: Medium },
): Promise<{ readonly storage: string; readonly certificates: InventoryItem[] }> {
  return tracked(
    request,
    plans.list,
    async (step) => {
      step('prepare');
      const store = storeOf(ctx, request.medium);
      const now = ctx.now();
      const certificates = await listCertificates(store, now, ctx.config.npki.renewalWindowDays);
      return { storage: store.spec, certificates };
    },
    false,
  );
}
