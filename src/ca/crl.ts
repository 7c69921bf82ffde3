import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber } from '@peculiar/asn1-x509';
import { nodeCrypto, rsaSha256, x509 } from '../crypto/x509.js';
import type { CaMaterial } from './caFiles.js';
import type { CaDatabase } from './database.js';

/** RFC 5280 §5.3.1 reason codes by value. */
const crlReasons = new Map(
  Object.values(x509.X509CrlReason)
    .filter((v): v is x509.X509CrlReason => typeof v === 'number')
    .map((v) => [v as number, v]),
);

/** How long a CRL is current; the next one is due before this (RFC 5280 §5.1.2.5 nextUpdate). */
const crlLifetimeMs = 86_400_000;

/**
 * A fresh CRL (RFC 5280 §5) of every certificate the CA revoked, signed by the issuing CA, with a
 * CRL number one higher than the last and the authority key identifier. Returns its DER.
 */
export async function generateCrl(ca: CaMaterial, db: CaDatabase, now: Date): Promise<Buffer> {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: ca.issuing.certificate.subject,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + crlLifetimeMs),
      signingKey: ca.issuing.signingKey,
      signingAlgorithm: rsaSha256,
      entries: db.revocations().map((r) => ({
        serialNumber: r.serial,
        revocationDate: new Date(r.revokedAt),
        ...reasonOf(r.reason),
      })),
      extensions: [
        new x509.Extension(
          '2.5.29.20',
          false,
          AsnConvert.serialize(new CRLNumber(db.nextCrlNumber())),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(
          ca.issuing.certificate,
          false,
          nodeCrypto,
        ),
      ],
    },
    nodeCrypto,
  );
  return Buffer.from(crl.rawData);
}

function reasonOf(code: number): { reason?: x509.X509CrlReason } {
  const reason = crlReasons.get(code);
  return reason === undefined ? {} : { reason };
}
