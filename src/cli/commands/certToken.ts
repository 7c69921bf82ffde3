import type { TokenDriver } from '../../../drivers/pkcs11/contract.js';
import { checkOnToken } from '../../certificates/checkOnToken.js';
import {
  CertificateRevokedError,
  KeyMismatchError,
  UsageError,
  VidMismatchError,
} from '../../errors/index.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { describeRevocation, revocationOf } from '../revocation.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';

/** The options every `kiosk cert … --storage token:LABEL` command takes. */
export interface TokenOptions {
  pinFile?: string;
  pkcs11Module?: string;
  json?: boolean;
}

/**
 * Reads the PIN, finds the token's module, runs `work`, and always zeroes the PIN and closes the
 * driver (DESIGN §8: secrets live as short as they can).
 */
async function withPinAndToken<T>(
  ctx: CliContext,
  label: string,
  options: TokenOptions,
  work: (pin: Buffer, driver: TokenDriver) => Promise<T>,
): Promise<T> {
  if (options.pinFile === undefined)
    throw new UsageError('--pin-file is required for token: storage');
  const pin = await readSecretFile(options.pinFile, 'PIN');
  try {
    return await ctx.devices.withTokenDriver(label, options.pkcs11Module, (driver) =>
      work(pin, driver),
    );
  } finally {
    pin.fill(0);
  }
}

/** `kiosk cert check --storage token:LABEL`: PIN, key ↔ certificate by a signature, VID. */
export async function checkOnTokenCommand(
  ctx: CliContext,
  label: string,
  options: TokenOptions & { idnFile?: string; serial?: string; caCert?: string },
): Promise<void> {
  const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
  const { certificate, ...result } = await withPinAndToken(ctx, label, options, (pin, driver) =>
    checkOnToken(driver, { label }, pin, ctx.config, {
      ...(idn === undefined ? {} : { idn }),
      ...(options.serial === undefined ? {} : { serial: options.serial }),
    }),
  );
  const revocation =
    options.caCert === undefined ? undefined : await revocationOf(certificate, options.caCert);
  ctx.log.info({ storage: `token:${label}`, ...result, revocation }, 'cert check');
  if (options.json === true)
    writeJson(ctx.stdout, revocation === undefined ? result : { ...result, revocation });
  else {
    const mark = (v: boolean | null): string => (v === null ? '-' : v ? 'ok' : 'FAILED');
    writeLines(ctx.stdout, [
      `serial ${result.serial} (key id ${result.id})`,
      'PIN: ok',
      `key matches certificate: ${mark(result.keyMatchesCert)}`,
      `VID: ${mark(result.vidOk)}`,
      ...(revocation === undefined ? [] : [`revocation: ${describeRevocation(revocation)}`]),
    ]);
  }
  if (!result.keyMatchesCert) throw new KeyMismatchError();
  if (result.vidOk === false) throw new VidMismatchError();
  if (revocation?.status === 'revoked') throw new CertificateRevokedError(result.serial);
}
