import type { Certificate } from '@peculiar/asn1-x509';
import { AsnConvert, BitString } from '@peculiar/asn1-schema';
import { verifySignature, type Signer } from '../crypto/signer.js';
import { CmpProtectionError } from '../errors/index.js';
import { PkiMessage, type PkiBody, type PkiHeader } from './asn1/pkiMessage.js';
import type { DecodedMessage } from './message.js';
import { protectedPartOf } from './message.js';
import { cmpOid } from './oids.js';
import { PbmParameterError, pbmAlgorithm, pbmMac, pbmVerify, type PbmSettings } from './pbm.js';

/** How a message we send is protected (RFC 4210 §5.1.3). */
export type Protector =
  | { readonly kind: 'pbm'; readonly secret: Uint8Array; readonly settings?: PbmSettings }
  | {
      readonly kind: 'signature';
      readonly signer: Signer;
      /** The signer's certificate, sent first in extraCerts (RFC 9483 §3.3). */
      readonly certificate: Certificate;
      readonly chain?: readonly Certificate[];
    };

/** What a received message's protection may be checked against. */
export interface Verifier {
  /** The shared secret, for PasswordBasedMac. */
  readonly secret?: Uint8Array;
  /**
   * Highest PBM iteration count to compute (default maxPbmIterations): each iteration is a hash
   * the sender chose to make us compute, so a server bounds it far lower than a client does.
   */
  readonly maxPbmIterations?: number;
  /**
   * Whether a signer's certificate (extraCerts[0]) is trusted for this message, given the other
   * extraCerts (its chain). Absent: signature protection is refused.
   */
  readonly trust?: (
    signer: Certificate,
    extraCerts: readonly Certificate[],
  ) => boolean | Promise<boolean>;
}

/** Sets the header's protectionAlg, computes the protection and returns the whole message. */
export async function protectMessage(
  header: PkiHeader,
  body: PkiBody,
  protector: Protector,
): Promise<PkiMessage> {
  if (protector.kind === 'pbm') {
    header.protectionAlg = pbmAlgorithm(protector.settings);
    const mac = pbmMac(protectedPartOf(header, body), protector.secret, header.protectionAlg);
    return new PkiMessage({ header, body, protection: new BitString(mac) });
  }
  header.protectionAlg = protector.signer.algorithm;
  const signature = await protector.signer.sign(protectedPartOf(header, body));
  return new PkiMessage({
    header,
    body,
    protection: new BitString(signature),
    extraCerts: [protector.certificate, ...(protector.chain ?? [])],
  });
}

/**
 * Checks a received message's protection; returns which kind it was. CmpProtectionError when it
 * is missing, of a kind the verifier cannot check, or wrong.
 */
export async function verifyProtection(
  decoded: DecodedMessage,
  verifier: Verifier,
): Promise<'pbm' | 'signature'> {
  const { header, protection, extraCerts } = decoded.message;
  const algorithm = header.protectionAlg;
  if (algorithm === undefined || protection === undefined) {
    throw new CmpProtectionError('the message is not protected');
  }
  if (protection.unusedBits !== 0) throw new CmpProtectionError('protection is not whole bytes');
  const value = new Uint8Array(protection.value);
  if (algorithm.algorithm === cmpOid.passwordBasedMac) {
    if (verifier.secret === undefined)
      throw new CmpProtectionError('PasswordBasedMac where a signature was expected');
    let ok: boolean;
    try {
      ok = pbmVerify(
        decoded.protectedPart,
        verifier.secret,
        algorithm,
        value,
        verifier.maxPbmIterations,
      );
    } catch (cause) {
      if (cause instanceof PbmParameterError)
        throw new CmpProtectionError(`PBM refused: ${cause.message}`, { cause });
      throw cause;
    }
    if (!ok)
      throw new CmpProtectionError(
        'the PasswordBasedMac does not verify (wrong secret or altered message)',
      );
    return 'pbm';
  }
  if (verifier.trust === undefined)
    throw new CmpProtectionError(
      `signature protection (${algorithm.algorithm}) where a MAC was expected`,
    );
  const certs = extraCerts ?? [];
  const signer = signerCertificate(header, certs);
  if (signer === undefined)
    throw new CmpProtectionError('signature protection without the signer certificate');
  const chain = certs.filter((c) => c !== signer);
  if (!(await verifier.trust(signer, chain)))
    throw new CmpProtectionError('the signer certificate is not trusted');
  if (
    !verifySignature(
      signer.tbsCertificate.subjectPublicKeyInfo,
      algorithm,
      decoded.protectedPart,
      value,
    )
  ) {
    throw new CmpProtectionError('the signature does not verify');
  }
  return 'signature';
}

/**
 * The signer's certificate among extraCerts: the one whose subject is the header's sender
 * (RFC 4210 §5.1.1), else the first (RFC 9483 §3.3 puts the signer's first; not every sender
 * does, e.g. OpenSSL's own test message with two extraCerts).
 */
function signerCertificate(
  header: PkiHeader,
  certs: readonly Certificate[],
): Certificate | undefined {
  const sender = header.sender.directoryName;
  if (sender !== undefined) {
    const wanted = Buffer.from(AsnConvert.serialize(sender));
    const match = certs.find((c) =>
      wanted.equals(Buffer.from(AsnConvert.serialize(c.tbsCertificate.subject))),
    );
    if (match !== undefined) return match;
  }
  return certs[0];
}
