// General messages: genm → genp (RFC 4210 §5.3.19), the CA certificates for whoever asks.
import { PkiBody } from '../cmp/asn1/pkiMessage.js';
import { TypeAndValue } from '../cmp/asn1/crmf.js';
import type { DecodedMessage } from '../cmp/message.js';
import { cmpOid } from '../cmp/oids.js';
import { encodeTlv } from '../shared/der.js';
import type { ResponderContext } from './responderContext.js';

/**
 * genp to a genm (RFC 4210 §5.3.19, RFC 9483 §4.3): the CA certificates (id-it-caCerts, RFC
 * 9480 §4.3.1) when asked for them or for anything at all (an empty genm); other info types
 * are not served and left out of the answer. Nothing secret: no authentication needed.
 */
export function generalResponse(ctx: ResponderContext, decoded: DecodedMessage): PkiBody {
  const asked = decoded.message.body.genm ?? [];
  if (asked.length > 0 && !asked.some((itav) => itav.type === cmpOid.itCaCerts))
    return new PkiBody({ genp: [] });
  const caCerts = encodeTlv(0x30, [
    new Uint8Array(ctx.ca.issuing.certificate.rawData),
    new Uint8Array(ctx.ca.root.certificate.rawData),
  ]);
  return new PkiBody({
    genp: [new TypeAndValue({ type: cmpOid.itCaCerts, value: new Uint8Array(caCerts).buffer })],
  });
}
