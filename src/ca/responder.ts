// The embedded CA's CMP responder: CmpResponder takes each request, checks what every message must
// carry and dispatches it by body type to enrol.ts (ir/cr/kur), confirm.ts (certConf),
// revoke.ts (rr) and generalMessage.ts (genm); whatever they refuse is answered here as a CMP
// error message. What the handlers share is responderContext.ts; who may ask, authorisation.ts.
import { ErrorMsgContent, PkiBody } from '../cmp/asn1/pkiMessage.js';
import { decodePkiMessage, type DecodedMessage } from '../cmp/message.js';
import type { Protector } from '../cmp/protection.js';
import { pkiStatus, statusInfo } from '../cmp/status.js';
import type { CaMaterial } from './caFiles.js';
import { confirm, expireTransactions } from './confirm.js';
import type { CaDatabase } from './database.js';
import { enrol, keyUpdate } from './enrol.js';
import { generalResponse } from './generalMessage.js';
import { Refusal } from './refusal.js';
import { ResponderContext, type ResponderOptions } from './responderContext.js';
import { revoke } from './revoke.js';

export { hexSerial } from './recordKeys.js';
export type { ResponderOptions } from './responderContext.js';

/**
 * The embedded CA's CMP side (RFC 4210/9480; DESIGN §5): ir/cr protected by PBM with the RA's
 * one-time reference and authorization code, kur signed with the current certificate, rr signed
 * by the certificate itself or authorised by a registration, always certConf → pkiConf. Every
 * refusal is a CMP error message; nothing is issued without a valid protection, POP and an
 * unused, unexpired registration.
 */
export class CmpResponder {
  private readonly context: ResponderContext;

  constructor(ca: CaMaterial, db: CaDatabase, options: ResponderOptions = {}) {
    this.context = new ResponderContext(ca, db, options);
  }

  /**
   * Answers one request from `source` (the client's address, for locks per source; none in
   * process). Throws CmpMalformedError only when the bytes are no PKIMessage at all.
   */
  async handle(bytes: Uint8Array, source?: string): Promise<Buffer> {
    this.expireTransactions();
    const decoded = decodePkiMessage(bytes);
    const header = decoded.message.header;
    const ctx = this.context;
    try {
      if (header.transactionID === undefined || header.senderNonce === undefined) {
        throw new Refusal(['badRequest'], 'transactionID and senderNonce are required');
      }
      if (header.pvno !== 2 && header.pvno !== 3)
        throw new Refusal(['unsupportedVersion'], `pvno ${header.pvno}`);
      switch (decoded.bodyType) {
        case 'ir':
        case 'cr':
          return await enrol(ctx, decoded, source);
        case 'kur':
          return await keyUpdate(ctx, decoded);
        case 'certConf':
          return await confirm(ctx, decoded, source);
        case 'rr':
          return await revoke(ctx, decoded, source);
        case 'genm':
          return await ctx.respond(
            decoded,
            generalResponse(ctx, decoded),
            ctx.signatureProtector(),
          );
        default:
          throw new Refusal(['badRequest'], `${decoded.bodyType} is not served here`);
      }
    } catch (error) {
      if (!(error instanceof Refusal)) {
        ctx.options.log?.error({ err: error, body: decoded.bodyType }, 'CMP request failed');
        return this.refuse(
          decoded,
          new Refusal(['systemFailure'], 'the CA failed; try again later'),
        );
      }
      ctx.options.log?.warn(
        { body: decoded.bodyType, failures: error.failures, reason: error.message },
        'CMP request refused',
      );
      return this.refuse(decoded, error);
    }
  }

  /**
   * Voids every certificate whose certConf is overdue (`ca.transactionTimeoutMs`; see
   * confirm.ts). Called on every request and before a CRL is served, so the CRL lists them
   * without a timer.
   */
  expireTransactions(): void {
    expireTransactions(this.context);
  }

  private refuse(decoded: DecodedMessage, refusal: Refusal): Promise<Buffer> {
    const body = new PkiBody({
      error: new ErrorMsgContent({
        pkiStatusInfo: statusInfo(pkiStatus.rejection, refusal.message, refusal.failures),
      }),
    });
    const protector: Protector =
      refusal.secret === undefined
        ? this.context.signatureProtector()
        : { kind: 'pbm', secret: refusal.secret };
    return this.context.respond(decoded, body, protector);
  }
}
