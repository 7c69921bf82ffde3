import type { TokenInfo } from '../../drivers/pkcs11/contract.js';
import { withLoggedInToken } from '../certificates/tokenSession.js';
import { UsageError } from '../errors/index.js';
import { driverWhere, listAllTokens, type FoundToken } from '../tokens/moduleResolution.js';
import type { ServiceContext } from './medium.js';
import { plans, type OperationControl } from './progress.js';
import { tracked } from './spent.js';

/** The tokens present through `module`, or the configuration's, or the catalogue's modules. */
export async function listTokens(
  ctx: ServiceContext,
  request: { readonly module?: string } = {},
): Promise<FoundToken[]> {
  return listAllTokens(await ctx.devices.tokenModules(request.module), (m) =>
    ctx.devices.openTokenDriver(m),
  );
}

export interface InitTokenRequest extends OperationControl {
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
 * needed), with a label no other present token has. Cancellable until C_InitToken is called
 * (progress prepare, write): the token is then as it was.
 */
export async function initToken(
  ctx: ServiceContext,
  request: InitTokenRequest,
): Promise<TokenInfo> {
  refuseInitToken(request);
  return tracked(request, plans.initToken, (step) => initTracked(ctx, request, step), false);
}

async function initTracked(
  ctx: ServiceContext,
  request: InitTokenRequest,
  step: (step: 'prepare' | 'write') => void,
): Promise<TokenInfo> {
  const { label, serial } = request;
  step('prepare');
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
    step('write');
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

/**
 * Changes a token's user PIN (the old one is needed). Cancellable until C_SetPIN is called
 * (progress prepare, write): the old PIN then still holds.
 */
export async function changePin(
  ctx: ServiceContext,
  request: OperationControl & {
    readonly label: string;
    readonly pin: Uint8Array;
    readonly newPin: Uint8Array;
    readonly module?: string;
  },
): Promise<void> {
  await tracked(
    request,
    plans.changePin,
    (step) => {
      step('prepare');
      return ctx.devices.withTokenDriver(request.label, request.module, (driver) =>
        withLoggedInToken(driver, { label: request.label }, request.pin, (session) => {
          step('write');
          return session.changePin(request.pin, request.newPin);
        }),
      );
    },
    false,
  );
  ctx.log.info({ label: request.label }, 'token PIN changed');
}
