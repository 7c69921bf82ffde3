import type { CRLReasons } from '@peculiar/asn1-x509';
import type { TokenDriver } from '../../../drivers/pkcs11/contract.js';
import { checkOnToken } from '../../certificates/checkOnToken.js';
import { issueToToken } from '../../certificates/issueToToken.js';
import { renewOnToken } from '../../certificates/renewOnToken.js';
import { revokeOnToken } from '../../certificates/revokeOnToken.js';
import {
  CertificateRevokedError,
  KeyMismatchError,
  UsageError,
  VidMismatchError,
} from '../../errors/index.js';
import { cmpClient, raEncryptionOf, readCaTrust } from '../cmpOptions.js';
import type { CliContext } from '../context.js';
import { writeJson, writeLines } from '../output.js';
import { describeRevocation, revocationOf } from '../revocation.js';
import { readIdnFile, readSecretFile } from '../secretFiles.js';
import { withTokenDriver } from '../tokens.js';

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
    return await withTokenDriver(ctx, label, options.pkcs11Module, (driver) => work(pin, driver));
  } finally {
    pin.fill(0);
  }
}

function cleanupLine(count: number): string[] {
  return count === 0 ? [] : [`removed ${String(count)} unfinished key pair(s) of earlier attempts`];
}

/** `kiosk cert issue --storage token:LABEL`: the key is generated on the token and stays there. */
export async function issueToTokenCommand(
  ctx: CliContext,
  label: string,
  options: TokenOptions & {
    ca: string;
    caCert: string;
    ref: string;
    authCodeFile: string;
    idnFile?: string;
    profile?: 'restricted' | 'general';
  },
): Promise<void> {
  const trust = await readCaTrust(options.caCert);
  const raEncryption = raEncryptionOf(trust, options.caCert);
  const idn = options.idnFile === undefined ? undefined : await readIdnFile(options.idnFile);
  const authCode = await readSecretFile(options.authCodeFile, 'authorization code');
  try {
    const issued = await withPinAndToken(ctx, label, options, (pin, driver) =>
      issueToToken({
        client: cmpClient(options.ca, trust, ctx),
        raEncryption,
        driver,
        token: { label },
        pin,
        ref: options.ref,
        authCode,
        ...(idn === undefined ? {} : { idn }),
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        config: ctx.config,
        now: ctx.now(),
      }),
    );
    ctx.log.info(
      { storage: `token:${label}`, serial: issued.facts.serial, cleanedUp: issued.cleanedUp },
      'certificate issued',
    );
    if (options.json === true)
      writeJson(ctx.stdout, {
        storage: `token:${label}`,
        id: issued.id,
        facts: issued.facts,
        cleanedUp: issued.cleanedUp,
      });
    else
      writeLines(ctx.stdout, [
        ...cleanupLine(issued.cleanedUp),
        `issued ${issued.facts.name} (serial ${issued.facts.serial})`,
        `on token ${label}, key id ${issued.id}`,
      ]);
  } finally {
    authCode.fill(0);
  }
}

/** `kiosk cert renew --storage token:LABEL`: a new key on the token, kur signed by the old one. */
export async function renewOnTokenCommand(
  ctx: CliContext,
  label: string,
  options: TokenOptions & { ca: string; caCert: string; serial?: string },
): Promise<void> {
  const trust = await readCaTrust(options.caCert);
  const renewed = await withPinAndToken(ctx, label, options, (pin, driver) =>
    renewOnToken({
      client: cmpClient(options.ca, trust, ctx),
      driver,
      token: { label },
      pin,
      ...(options.serial === undefined ? {} : { serial: options.serial }),
      config: ctx.config,
      now: ctx.now(),
    }),
  );
  ctx.log.info(
    {
      storage: `token:${label}`,
      serial: renewed.facts.serial,
      cleanedUp: renewed.cleanedUp,
      oldPairLeft: renewed.oldPairLeft,
    },
    'certificate renewed',
  );
  if (options.json === true) writeJson(ctx.stdout, { storage: `token:${label}`, ...renewed });
  else
    writeLines(ctx.stdout, [
      ...cleanupLine(renewed.cleanedUp),
      `renewed ${renewed.facts.name} (serial ${renewed.facts.serial})`,
      `on token ${label}, key id ${renewed.id}`,
      ...(renewed.oldPairLeft === undefined
        ? []
        : [
            `the token went away before the old pair (key id ${renewed.oldPairLeft}) was removed; it is superseded`,
          ]),
    ]);
}

/** `kiosk cert revoke --storage token:LABEL`: rr signed by the key on the token. */
export async function revokeOnTokenCommand(
  ctx: CliContext,
  label: string,
  reason: { name: string; value: CRLReasons },
  options: TokenOptions & { ca: string; caCert: string; serial?: string },
): Promise<void> {
  const trust = await readCaTrust(options.caCert);
  const { serial } = await withPinAndToken(ctx, label, options, (pin, driver) =>
    revokeOnToken(
      cmpClient(options.ca, trust, ctx),
      driver,
      { label },
      pin,
      reason.value,
      ctx.config,
      options.serial,
    ),
  );
  ctx.log.info({ storage: `token:${label}`, serial, reason: reason.name }, 'certificate revoked');
  if (options.json === true) writeJson(ctx.stdout, { serial, revoked: true, reason: reason.name });
  else writeLines(ctx.stdout, [`revoked serial ${serial} (${reason.name})`]);
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
