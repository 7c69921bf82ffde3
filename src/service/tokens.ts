import type { TokenInfo } from '../../drivers/pkcs11/contract.js';
import { withLoggedInToken } from '../certificates/tokenSession.js';
import { UsageError } from '../errors/index.js';
import { driverWhere, listAllTokens, type FoundToken } from '../tokens/moduleResolution.js';
import type { ServiceContext } from './medium.js';

/** The tokens present through `module`, or the configuration's, or the catalogue's modules. */
export async function listTokens(
  ctx: ServiceContext,
  request: { readonly module?: string } = {},
): Promise<FoundToken[]> {
  return listAllTokens(await ctx.devices.tokenModules(request.module), (m) =>
    ctx.devices.openTokenDriver(m),
  );
}

export interface InitTokenRequest {
  /** The new label: 1 to 32 bytes, no leading or trailing space (CK_TOKEN_INFO label). */
  readonly label: string;
  readonly soPin: Uint8Array;
  readonly userPin: Uint8Array;
  /** Re-initialise this token (everything on it is erased); absent: the blank token. */
  readonly serial?: string;
  /** With `serial`: the person confirmed the erasure. */
  readonly confirmErase?: boolean;
  readonly module?: string;
}

/**
 * Initialises the blank token, or wipes and re-initialises the one with `serial` (its SO PIN is
 * needed), with a label no other present token has.
 */
export async function initToken(
  ctx: ServiceContext,
  request: InitTokenRequest,
): Promise<TokenInfo> {
  const { label, serial } = request;
  // CKA_LABEL of a token is 32 bytes, blank-padded (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO).
  if (Buffer.byteLength(label, 'utf8') > 32 || label.trim() !== label || label === '')
    throw new UsageError('--label must be 1 to 32 bytes without leading or trailing spaces');
  if (serial !== undefined && request.confirmErase !== true)
    throw new UsageError(`re-initialising token ${serial} erases it: add --yes to confirm`);
  const source = await ctx.devices.tokenModules(request.module);
  const open = (m: string) => ctx.devices.openTokenDriver(m);
  const taken = (await listAllTokens(source, open)).find(
    (t) => t.initialized && t.label === label && t.serial !== serial,
  );
  if (taken !== undefined)
    throw new UsageError(
      `a token labelled ${label} is present (serial ${taken.serial}): choose another label`,
    );
  const driver = await driverWhere(
    source,
    open,
    (_module, t) => (serial === undefined ? !t.initialized : t.serial === serial),
    serial === undefined ? 'that is blank' : `with serial ${serial}`,
  );
  try {
    const info = await driver.initToken(serial === undefined ? { blank: true } : { serial }, {
      label,
      soPin: request.soPin,
      userPin: request.userPin,
    });
    ctx.log.info({ label: info.label, serial: info.serial }, 'token initialised');
    return info;
  } finally {
    await driver.close();
  }
}

/**
 * What is wrong with an initialisation before any secret is read: the label (CKA_LABEL of a token
 * is 32 bytes, blank-padded: PKCS#11 v2.40 §3.2, CK_TOKEN_INFO), an erasure not confirmed.
 */
export function refuseInitToken(request: {
  readonly label: string;
  readonly serial?: string;
  readonly confirmErase?: boolean;
}): void {
  const { label } = request;
  if (Buffer.byteLength(label, 'utf8') > 32 || label.trim() !== label || label === '')
    throw new UsageError('--label must be 1 to 32 bytes without leading or trailing spaces');
  if (request.serial !== undefined && request.confirmErase !== true)
    throw new UsageError(`re-initialising token ${request.serial} erases it: add --yes to confirm`);
}

/** Changes a token's user PIN (the old one is needed). */
export async function changePin(
  ctx: ServiceContext,
  request: {
    readonly label: string;
    readonly pin: Uint8Array;
    readonly newPin: Uint8Array;
    readonly module?: string;
  },
): Promise<void> {
  await ctx.devices.withTokenDriver(request.label, request.module, (driver) =>
    withLoggedInToken(driver, { label: request.label }, request.pin, (session) =>
      session.changePin(request.pin, request.newPin),
    ),
  );
  ctx.log.info({ label: request.label }, 'token PIN changed');
}
