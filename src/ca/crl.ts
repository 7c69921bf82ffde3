import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber } from '@peculiar/asn1-x509';
import { nodeCrypto, rsaSha256, x509 } from '../shared/x509.js';
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
      issuer: ca.issuing.certificate.subjectName,
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

/**
 * The CRL `GET /crl` serves (issue 11 item 8): signed once and served as is until a revocation
 * changes the list or half its lifetime has passed (well before nextUpdate), so requests cost
 * neither a signature nor a database write. Concurrent requests share one signing.
 */
export class CrlCache {
  private current: { der: Buffer; revocations: number; refreshAt: number } | undefined;
  private pending: Promise<Buffer> | undefined;

  constructor(
    private readonly ca: CaMaterial,
    private readonly db: CaDatabase,
    private readonly now: () => Date,
  ) {}

  async crl(): Promise<Buffer> {
    const revocations = this.db.revocationCount();
    const now = this.now();
    const current = this.current;
    if (current?.revocations === revocations && now.getTime() < current.refreshAt)
      return current.der;
    this.pending ??= generateCrl(this.ca, this.db, now)
      .then((der) => {
        this.current = { der, revocations, refreshAt: now.getTime() + crlLifetimeMs / 2 };
        return der;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

function reasonOf(code: number): { reason?: x509.X509CrlReason } {
  const reason = crlReasons.get(code);
  return reason === undefined ? {} : { reason };
}
