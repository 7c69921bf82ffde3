import { AsnConvert } from '@peculiar/asn1-schema';
import {
  checkDerSequence,
  encodeTlv,
  parseDer,
  readChildren,
  type DerContext,
  type Tlv,
} from '../shared/der.js';
import { CmpMalformedError } from '../errors/index.js';
import { PkiBody, PkiMessage, type PkiHeader } from './asn1/pkiMessage.js';

/** The name of a PKIBody alternative (DESIGN §5): `ir`, `ip`, `certConf`, … */
export type BodyType = Exclude<keyof PkiBody, 'constructor'>;

/** Largest PKIMessage accepted: a request is ~1–3 KB; chains in extraCerts stay far below this. */
export const maxPkiMessageBytes = 256 * 1024;

export const cmpDer: DerContext = {
  truncated: (expected, actual) =>
    new CmpMalformedError(`PKIMessage cut short: ${actual} of ${expected} bytes`),
  malformed: (detail, cause) => new CmpMalformedError(`PKIMessage malformed: ${detail}`, { cause }),
  maxBytes: maxPkiMessageBytes,
};

/** A received PKIMessage with the exact bytes its protection covers. */
export interface DecodedMessage {
  readonly message: PkiMessage;
  readonly bodyType: BodyType;
  /**
   * DER of `SEQUENCE { header, body }` from the bytes as received: protection is checked over
   * these, not over a re-encoding (a peer's encoding may differ from ours and still be valid).
   */
  readonly protectedPart: Buffer;
  /** The body TLV as received (`[n] { … }`), for signatures over inner parts such as POP. */
  readonly bodyBytes: Uint8Array;
}

/** Reads a PKIMessage: bounded, typed (CmpMalformedError), one body alternative set. */
export function decodePkiMessage(bytes: Uint8Array): DecodedMessage {
  const outer = checkDerSequence(bytes, cmpDer);
  const [header, body] = readChildren(outer.content, cmpDer);
  if (header === undefined || body === undefined) throw cmpDer.malformed('header or body missing');
  // pvno is 2 or 3 (RFC 9480 §7.1): refuse a long INTEGER before the ASN.1 library turns it
  // into a number or a decimal string (a 255 KB pvno cost 215 ms and a 600 KiB log line).
  const [pvno] = readChildren(header.content, cmpDer);
  if (pvno?.tag !== 0x02 || pvno.content.length > 4)
    throw cmpDer.malformed('pvno is not a small INTEGER');
  const message = parseDer(bytes, PkiMessage, cmpDer, 'PKIMessage');
  restoreEmptySequence(message.body, body);
  return {
    message,
    bodyType: bodyTypeOf(message.body),
    protectedPart: encodeTlv(0x30, [header.bytes, body.bytes]),
    bodyBytes: body.bytes,
  };
}

/** DER of `SEQUENCE { header, body }` for a message we build. */
export function protectedPartOf(header: PkiHeader, body: PkiBody): Buffer {
  return encodeTlv(0x30, [
    Buffer.from(AsnConvert.serialize(header)),
    Buffer.from(AsnConvert.serialize(body)),
  ]);
}

/** DER of a PKIMessage. */
export function encodePkiMessage(message: PkiMessage): Buffer {
  return Buffer.from(AsnConvert.serialize(message));
}

/**
 * DER of a PKIMessage whose extraCerts ([1] SEQUENCE OF CMPCertificate, RFC 4210 §5.1) are given
 * as DER: re-serialising parsed certificates with @peculiar/asn1-schema cost the CA ~4 ms per
 * answer, more than its signature. `message.extraCerts` must be unset.
 */
export function encodePkiMessageWithCerts(
  message: PkiMessage,
  certificates: readonly Uint8Array[],
): Buffer {
  const outer = checkDerSequence(encodePkiMessage(message), cmpDer);
  return encodeTlv(0x30, [outer.content, encodeTlv(0xa1, [encodeTlv(0x30, certificates)])]);
}

/** The PKIBody alternatives that are a SEQUENCE OF, by context tag number (RFC 4210 §5.1.2). */
const sequenceOfAlternatives: Readonly<Record<number, BodyType>> = {
  11: 'rr',
  21: 'genm',
  22: 'genp',
  24: 'certConf',
};

/**
 * @peculiar/asn1-schema leaves a CHOICE unset when the chosen alternative is an empty SEQUENCE
 * OF, yet `[21] {}` is a valid genm (`openssl cmp -cmd genm` sends it: "send me what you have")
 * and `[24] {}` a valid certConf. Such a body is read here from its tag.
 */
function restoreEmptySequence(parsed: PkiBody, body: Tlv): void {
  if (Object.values(parsed).some((v) => v !== undefined)) return;
  const name = (body.tag & 0xe0) === 0xa0 ? sequenceOfAlternatives[body.tag & 0x1f] : undefined;
  const [inner, ...more] = readChildren(body.content, cmpDer);
  if (name !== undefined && inner?.tag === 0x30 && inner.content.length === 0 && more.length === 0)
    Object.assign(parsed, { [name]: [] });
}

/** Which alternative of the PKIBody CHOICE is set. */
export function bodyTypeOf(body: PkiBody): BodyType {
  const set = (Object.keys(body) as BodyType[]).filter((k) => body[k] !== undefined);
  const [only, ...more] = set;
  if (only === undefined || more.length > 0)
    throw cmpDer.malformed('PKIBody has no single alternative');
  return only;
}
