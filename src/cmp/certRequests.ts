import { AsnConvert, BitString } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue,
  AttributeValue,
  Name,
  RelativeDistinguishedName,
} from '@peculiar/asn1-x509';
import { readChildren } from '../shared/der.js';
import { verifySignature, type Signer } from '../crypto/signer.js';
import { CertReqMsg, CertRequest, PopoSigningKey, ProofOfPossession } from './asn1/crmf.js';
import { cmpDer, type DecodedMessage } from './message.js';

/** One certificate request of an ir/cr/kur with the bytes its proof of possession signs. */
export interface ReceivedCertRequest {
  readonly message: CertReqMsg;
  /** DER of certReq exactly as received (RFC 4211 §4.1: POP signs these bytes). */
  readonly certReqBytes: Uint8Array;
}

/** The CertReqMsgs of an ir/cr/kur body, each with its certReq bytes as received. */
export function receivedCertRequests(decoded: DecodedMessage): ReceivedCertRequest[] {
  const body = decoded.message.body;
  const parsed = body.ir ?? body.cr ?? body.kur;
  if (parsed === undefined) return [];
  // body = [n] { CertReqMessages }: explicit tag, then the SEQUENCE OF CertReqMsg.
  const [list] = readChildren(contentOf(decoded.bodyBytes), cmpDer);
  const raw = list === undefined ? [] : readChildren(list.content, cmpDer);
  return parsed.map((message, i) => {
    const certReq = raw[i] === undefined ? undefined : readChildren(raw[i].content, cmpDer)[0];
    if (certReq === undefined) throw cmpDer.malformed('CertReqMsg without certReq');
    return { message, certReqBytes: certReq.bytes };
  });
}

/**
 * Whether the request proves possession of the private key of its template's public key: a
 * POPOSigningKey without poposkInput whose signature over certReq verifies (RFC 4211 §4.1, the
 * case where the sender is authenticated by the message protection).
 */
export function popVerifies(request: ReceivedCertRequest): boolean {
  const pop = request.message.popo?.signature;
  const publicKey = request.message.certReq.certTemplate.publicKey;
  if (pop === undefined || publicKey === undefined || pop.poposkInput !== undefined) return false;
  if (pop.signature.unusedBits !== 0) return false;
  return verifySignature(
    publicKey,
    pop.algorithmIdentifier,
    request.certReqBytes,
    new Uint8Array(pop.signature.value),
  );
}

/** A CertReqMsg with a signature POP made by `signer` over the DER of `certReq`. */
export async function signedCertReqMsg(certReq: CertRequest, signer: Signer): Promise<CertReqMsg> {
  const der = new Uint8Array(AsnConvert.serialize(certReq));
  const signature = await signer.sign(der);
  return new CertReqMsg({
    certReq,
    popo: new ProofOfPossession({
      signature: new PopoSigningKey({
        algorithmIdentifier: signer.algorithm,
        signature: new BitString(signature),
      }),
    }),
  });
}

function contentOf(tlv: Uint8Array): Uint8Array {
  const [inner] = readChildren(tlv, cmpDer);
  return inner?.content ?? new Uint8Array(0);
}

/** A Name of one common name (UTF8String). */
export function nameWithCommonName(cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) }),
    ]),
  ]);
}
