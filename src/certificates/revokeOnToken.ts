import type { CRLReasons } from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { TokenDriver, TokenSelector } from '../../drivers/pkcs11/contract.js';
import type { CmpClient } from '../cmp/client.js';
import { AmbiguousCertificateError, CertificateNotFoundError } from '../errors/index.js';
import { parseCertificate, serialHex } from '../npki/certificate.js';

/**
 * Revokes a certificate kept on a token with CMP rr, signed by the token's key of the same
 * CKA_ID (the holder proves possession with the PIN and the token).
 */
export async function revokeOnToken(
  client: CmpClient,
  driver: TokenDriver,
  token: TokenSelector,
  pin: Uint8Array,
  reason: CRLReasons,
  serial?: string,
): Promise<{ serial: string }> {
  const session = await driver.open(token);
  try {
    await session.login(pin);
    const candidates = (await session.listObjects())
      .filter((o) => o.kind === 'certificate' && o.value !== undefined)
      .map((o) => ({ object: o, certificate: parseCertificate(o.value ?? new Uint8Array(0)) }))
      .filter(
        (c) =>
          serial === undefined ||
          serialHex(c.certificate) === serial.toLowerCase().replace(/^0+/, ''),
      );
    const [chosen, ...others] = candidates;
    if (chosen === undefined) throw new CertificateNotFoundError(`token ${session.token.label}`);
    if (others.length > 0)
      throw new AmbiguousCertificateError(candidates.map((c) => serialHex(c.certificate)));
    const publicKey = new Uint8Array(
      AsnConvert.serialize(chosen.certificate.tbsCertificate.subjectPublicKeyInfo),
    );
    const signer = session.signer({
      id: chosen.object.id,
      label: chosen.object.label,
      publicKey,
      alwaysSensitive: true,
      neverExtractable: true,
      local: true,
    });
    await client.revoke({ signer, certificate: chosen.certificate, reason });
    return { serial: serialHex(chosen.certificate) };
  } finally {
    await session.close();
  }
}
