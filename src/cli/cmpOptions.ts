import { CmpClient } from '../cmp/client.js';
import { caTrustFromPem, type CaTrust } from '../cmp/trust.js';
import type { x509 } from '../shared/x509.js';
import { InputFileError } from '../errors/index.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import type { CliContext } from './context.js';

/** A CMP client for `--ca URL` trusting the anchors of `--ca-cert`. */
export function cmpClient(
  url: string,
  trust: { anchors: x509.X509Certificate[] },
  ctx: CliContext,
): CmpClient {
  return new CmpClient({
    transport: ctx.devices.cmpTransport(url),
    anchors: trust.anchors,
    log: ctx.log,
    now: ctx.now,
  });
}

/** The CA bundle: the trust anchors (required) and the RA encryption certificate. */
export async function readCaTrust(path: string): Promise<CaTrust> {
  const read = await readBoundedFile(path, 256 * 1024);
  if (!read.ok) {
    throw new InputFileError(path, `cannot read the CA certificates (${read.problem})`, {
      cause: read.cause,
    });
  }
  let trust: CaTrust;
  try {
    trust = caTrustFromPem(read.bytes.toString('utf8'));
  } catch (cause) {
    throw new InputFileError(path, 'is not a PEM bundle of certificates', { cause });
  }
  if (trust.anchors.length === 0) throw new InputFileError(path, 'holds no CA certificate');
  return trust;
}

/** The RA encryption certificate, which issuance cannot do without (R travels to it). */
export function raEncryptionOf(trust: CaTrust, path: string): x509.X509Certificate {
  if (trust.raEncryption === undefined) {
    throw new InputFileError(path, 'holds no RA encryption certificate (keyEncipherment)');
  }
  return trust.raEncryption;
}
