import { listCertificates, type InventoryItem } from '../certificates/inventory.js';
import { storeOf, type Medium, type ServiceContext } from './medium.js';

/**
 * The certificates on any medium with their facts (a token's are public objects: no PIN). A
 * damaged one does not hide the others: it is listed with its error.
 */
export async function list(
  ctx: ServiceContext,
  request: { readonly medium: Medium },
): Promise<{ readonly storage: string; readonly certificates: InventoryItem[] }> {
  const store = storeOf(ctx, request.medium);
  const certificates = await listCertificates(store, ctx.now(), ctx.config.npki.renewalWindowDays);
  return { storage: store.spec, certificates };
}
